"""FRED CSV parser: the fredgraph header, the processed format, gaps and '.'."""

from __future__ import annotations

import math
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one, sample

from scrapers.base import ParseError, RequestOptions
from scrapers.fred import parse, requests_for

CPI_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=CPIAUCSL"


def test_cpiaucsl_values():
    df = parse(sample("fred/fredgraph_CPIAUCSL_to-2025-08.csv"), ctx(CPI_URL, "fred", series_id="CPIAUCSL"))
    assert len(df) == 548
    assert one(df, period_start="1980-01-01") == 78.0
    assert one(df, period_start="2025-08-01") == pytest.approx(323.364)
    assert one(df, period_start="2025-07-01") == pytest.approx(322.132)
    assert set(df.metric) == {"cpi_index"} and set(df.series_key) == {"fred:CPIAUCSL"}
    assert df.period_end.iloc[-1] == date(2025, 8, 31)


def test_processed_format_takes_the_id_from_the_request():
    df = parse(sample("fred/processed_AHETPI_to-2025-11.csv"),
               ctx("https://fred.stlouisfed.org/graph/fredgraph.csv?id=AHETPI", "fred"))
    assert one(df, period_start="2025-11-01") == pytest.approx(31.76)
    assert set(df.metric) == {"avg_hourly_earnings"}
    jolts = parse(sample("fred/processed_JTSJOL_to-2025-11.csv"), ctx(source="fred", series_id="JTSJOL"))
    assert one(jolts, period_start="2025-10-01") == 7_670_000  # published in thousands
    assert set(jolts.unit) == {"count"}


def test_missing_month_and_dot_are_tolerated():
    # The Oct-2025 CPI was never published; the sample stops at Aug 2025, so drop a month by hand.
    lines = sample("fred/fredgraph_CPIAUCSL_to-2025-08.csv").decode().splitlines()
    gappy = [ln for ln in lines if not ln.startswith("2025-06-01")]
    gappy.append("2025-09-01,.")
    df = parse(("\n".join(gappy) + "\n").encode(), ctx(CPI_URL, "fred", series_id="CPIAUCSL"))
    assert date(2025, 6, 1) not in set(df.period_start)  # no invented row for the gap
    assert math.isnan(one(df, period_start="2025-09-01"))
    assert one(df, period_start="2025-07-01") == pytest.approx(322.132)


def test_wrong_header_or_wrong_series_is_a_parse_error():
    with pytest.raises(ParseError, match="observation_date"):
        parse(b"when,CPIAUCSL\n2025-01-01,1\n", ctx(CPI_URL, "fred"))
    with pytest.raises(ParseError, match="AHETPI"):
        parse(b"observation_date,AHETPI\n2025-01-01,1\n", ctx(CPI_URL, "fred", series_id="CPIAUCSL"))


def test_requests_one_url_per_series():
    reqs = requests_for([{"role_id": "uk", "fred_series": ["GBRCPIALLMINMEI", "cpiaucsl"]}], RequestOptions())
    assert [r.url.rsplit("=", 1)[1] for r in reqs] == ["CPIAUCSL", "AHETPI", "JTSJOL", "GBRCPIALLMINMEI"]
