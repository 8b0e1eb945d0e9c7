"""ONS generator CSV: D7BT on its real sample, the CPIH rate by the same layout, malformed files."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.scrapers.scrapers_helpers import one

from scrapers.base import ParseContext, ParseError, RequestOptions
from scrapers.ons import SOURCE, parse, requests_for, sniff

SAMPLE = Path(SOURCE.samples) / "ons_generator_csv_D7BT_mm23_release-2026-07-22.csv"
URL = "https://www.ons.gov.uk/generator?format=csv&uri=/economy/inflationandpriceindices/timeseries/d7bt/mm23"


def ctx(url: str = URL, **extra) -> ParseContext:
    return ParseContext(url=url, source="ons", fetched_at=datetime(2026, 7, 23, tzinfo=UTC), extra=extra)


def text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def test_d7bt_monthly_index_from_the_real_release():
    c = ctx(cdid="D7BT")
    frame = parse(SAMPLE.read_bytes(), c)
    assert len(frame) == 462  # Jan 1988 .. Jun 2026
    assert one(frame, period_start="2026-06-01") == 142.5
    assert one(frame, period_start="2025-06-01") == 138.9
    assert one(frame, period_start="1988-01-01") == 48.4
    assert set(frame.series_key) == {"ons:D7BT"} and set(frame.metric) == {"cpi_index"}
    assert set(frame.geography) == {"GB"} and set(frame.detail) == {"release 2026-07-22"}
    assert str(frame.period_end.iloc[-1]) == "2026-06-30"
    assert c.notes == ["ons D7BT: 192 annual/quarterly averages left out (the months are kept)"]


def test_the_cdid_comes_from_the_url_when_the_context_has_none_and_sniff_reads_the_file():
    assert one(parse(SAMPLE.read_bytes(), ctx()), period_start="2026-05-01") == 142.4
    assert sniff(SAMPLE.read_bytes(), SAMPLE.name) == {"cdid": "D7BT"}


def test_cpih_rate_in_the_same_layout():
    # No real L55O file was found offline: this is the D7BT file's layout with a CPIH rate header
    # and two invented months, to prove the percent path (unit row "%"), not a capture.
    body = ('"Title","CPIH ANNUAL RATE 00: ALL ITEMS 2015=100"\n"CDID","L55O"\n"Source dataset ID","MM23"\n'
            '"PreUnit",""\n"Unit","%"\n"Release date","22-07-2026"\n"Next release","19 August 2026"\n'
            '"Important notes",\n"2026","4.1"\n"2026 Q1","4.0"\n"2026 MAY","4.0"\n"2026 JUN",".."\n').encode()
    frame = parse(body, ctx(URL.replace("d7bt", "l55o"), cdid="L55O"))
    assert set(frame.metric) == {"cpih_yoy_pct"} and set(frame.unit) == {"pct"}
    assert one(frame, period_start="2026-05-01") == 4.0
    assert math.isnan(one(frame, period_start="2026-06-01"))  # ".." = not published, never 0


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('"CDID","D7BT"\n', ""), "no 'CDID' row"),
    (lambda t: t.replace('"CDID","D7BT"', '"Series ID","D7BT"'), "no 'CDID' row"),
    (lambda t: t.replace('"CDID","D7BT"', '"CDID","D7G7"'), "file holds series 'D7G7' but 'D7BT' was requested"),
    (lambda t: t.replace('"Unit","Index, base year = 100"', '"Unit","%"'), "'Unit' row says '%'"),
    (lambda t: t.replace('"2026 JUN","142.5"', '"2026 June","142.5"'), "unrecognised period '2026 June'"),
    (lambda t: t.replace('"2026 JUN","142.5"', '"2026 JUN","n/a"'), "cannot read a number from 'n/a'"),
    (lambda t: "\n".join(line for line in t.splitlines() if not re.match(r'^"\d{4} [A-Z]{3}"', line)),
     "no monthly rows"),
])
def test_malformed_files_raise_a_named_parse_error(edit, message):
    with pytest.raises(ParseError, match=message):
        parse(edit(text()).encode(), ctx(cdid="D7BT"))


def test_requests_default_to_cpi_ask_cpih_when_configured_and_refuse_an_unknown_series():
    assert [r.url for r in requests_for([], RequestOptions())] == [URL]
    both = requests_for([], RequestOptions(options={"series": ["D7BT", "l55o"]}))
    assert [(r.url, r.context["cdid"]) for r in both] == [(URL, "D7BT"), (URL.replace("d7bt", "l55o"), "L55O")]
    with pytest.raises(Exception, match=r"\['XXXX'\] unknown"):
        requests_for([], RequestOptions(options={"series": ["D7BT", "XXXX"]}))
