"""OEWS national files: the real 2023 and 2024 excerpts, placeholders, the release zip, years."""

from __future__ import annotations

import codecs
import csv
import io
import math
import zipfile
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one

from scrapers.base import ParseError, RequestOptions
from scrapers.oews import parse, requests_for
from scrapers.oews.fetch import latest_year
from scrapers.oews import SAMPLES


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


F2023 = "national_M2023_dl_excerpt_15-xxxx.csv"
F2024 = "national_M2024_dl_excerpt_15-xxxx.csv"


def oews_ctx(year: int | None = None, url: str = "http://127.0.0.1/oews/sample.csv"):
    return ctx(url, "oews", **({"year": year} if year else {}))


def test_software_developers_median_for_two_years():
    y23 = parse(sample(F2023), oews_ctx(2023))
    y24 = parse(sample(F2024), oews_ctx(2024))
    assert one(y23, subject="15-1252", metric="oews_annual_median") == 132_270
    assert one(y24, subject="15-1252", metric="oews_annual_median") == 133_080
    assert one(y24, subject="15-1252", metric="oews_employment") == 1_654_440
    assert one(y24, subject="15-1252", metric="oews_hourly_median") == pytest.approx(63.98)
    row = y24[(y24.subject == "15-1252") & (y24.metric == "oews_annual_median")].iloc[0]
    assert (row.period_start, row.period_end) == (date(2024, 5, 1), date(2024, 5, 31))
    assert row.series_key == "oews:US:15-1252:annual_median" and row.unit == "USD/year"
    assert "OEUN000000000000015125213" in row.detail  # the BLS API series this figure is


def test_year_from_the_file_name_and_cross_check_with_the_derived_table():
    y24 = parse(sample(F2024), oews_ctx(url="/samples/" + F2024))
    y23 = parse(sample(F2023), oews_ctx(url="/samples/" + F2023))
    derived = list(csv.DictReader(io.StringIO(sample("oews_national_15-xxxx_2020-2024_DERIVED.csv").decode())))
    checked = 0
    for rec in derived:
        for year, frame in ((2023, y23), (2024, y24)):
            if rec[f"a_median_{year}"] and rec["occ_code"] in set(frame.subject):
                assert one(frame, subject=rec["occ_code"], metric="oews_annual_median") == float(rec[f"a_median_{year}"])
                checked += 1
    assert checked >= 60


def test_top_coded_and_unavailable_stay_null():
    lines = sample(F2024).decode().splitlines()
    header = lines[0].split(",")
    dev = next(line for line in lines if ",15-1252," in line).split(",")
    dev[header.index("A_PCT90")] = "#"
    dev[header.index("H_MEAN")] = "*"
    df = parse("\n".join([lines[0], ",".join(dev)]).encode(), oews_ctx(2024))
    p90 = df[df.metric == "oews_annual_p90"].iloc[0]
    assert math.isnan(p90.value) and "'#' = top-coded" in p90.detail
    assert math.isnan(one(df, metric="oews_hourly_mean"))
    assert one(df, metric="oews_annual_median") == 133_080


def test_release_zip_and_workbook():
    from openpyxl import Workbook

    rows = list(csv.reader(io.StringIO(sample(F2024).decode())))
    book = Workbook()
    sheet = book.active
    sheet.title = "national_M2024_dl"
    for row in rows:
        sheet.append(row)
    xlsx = io.BytesIO()
    book.save(xlsx)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("oesm24nat/field_descriptions.xlsx", b"not the table")
        zf.writestr("oesm24nat/national_M2024_dl.xlsx", xlsx.getvalue())
    df = parse(archive.getvalue(), oews_ctx(url="http://127.0.0.1/oes/special-requests/oesm24nat.zip"))
    assert one(df, subject="15-1252", metric="oews_annual_median") == 133_080
    assert df.period_start.iloc[0] == date(2024, 5, 1)
    with pytest.raises(ParseError, match="file is for 2024, but 2023 was requested"):
        parse(archive.getvalue(), oews_ctx(2023, url="http://127.0.0.1/oes/x.zip"))
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", b"moved")
    with pytest.raises(ParseError, match="expected one matching workbook"):
        parse(empty.getvalue(), oews_ctx(2024))


def test_malformed_variants_are_named():
    body = sample(F2024)
    with pytest.raises(ParseError, match="reference year is not named"):
        parse(body, oews_ctx())
    with pytest.raises(ParseError, match="A_MEDIAN"):
        parse(body.replace(b"A_MEDIAN", b"A_MED"), oews_ctx(2024))
    with pytest.raises(ParseError, match="no occupation rows"):
        parse(body.splitlines()[0], oews_ctx(2024))
    bad = body.replace(b",133080,", b",n/a,")
    with pytest.raises(ParseError, match="A_MEDIAN.*'n/a'"):
        parse(bad, oews_ctx(2024))
    twice = body + b"\n" + next(line for line in body.splitlines() if b",15-1252," in line)
    with pytest.raises(ParseError, match="15-1252 appears twice"):
        parse(twice, oews_ctx(2024))
    bom = parse(codecs.BOM_UTF8 + body, oews_ctx(2024))
    assert one(bom, subject="15-1252", metric="oews_annual_median") == 133_080


def test_requests_one_per_released_year():
    assert latest_year(date(2026, 4, 30)) == 2024 and latest_year(date(2026, 5, 1)) == 2025
    roles = [{"role_id": "dev", "soc": ["15-1252"]}]
    reqs = requests_for(roles, RequestOptions(base_url="http://127.0.0.1:9/oews", today=date(2025, 12, 3)))
    assert [r.context["year"] for r in reqs] == [2024, 2023, 2022, 2021]
    assert reqs[0].url == "http://127.0.0.1:9/oews/oes/special-requests/oesm24nat.zip"
    assert requests_for([{"role_id": "x"}], RequestOptions()) == []


def test_declarations_fit_what_the_parser_emits():
    from tests.scrapers.declarations_helpers import check_hosts, check_samples, check_vocabulary

    from scrapers.oews import SOURCE, schema, sniff

    frames = [parse(sample(F2023), oews_ctx(2023)), parse(sample(F2024), oews_ctx(2024))]
    assert check_vocabulary(schema, frames) == set(schema.METRICS)
    check_hosts(schema, [r.url for r in requests_for([{"role_id": "d", "soc": ["15-1252"]}], RequestOptions())])
    check_samples(SOURCE, SAMPLES)
    assert sniff(b"", F2024) == {"year": 2024} and sniff(b"", "oesm23nat.zip") == {"year": 2023}
    assert sniff(b"", "wages.csv") == {}
