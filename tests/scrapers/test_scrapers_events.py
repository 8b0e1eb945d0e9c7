"""layoffs.fyi (Kaggle mirror) and WARN notices: one observation per event."""

from __future__ import annotations

import math
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import SAMPLES, ctx, sample

from scrapers.base import ParseError, RequestOptions, parse_date_flexible
from scrapers.layoffs import parse as parse_layoffs
from scrapers.layoffs import requests_for as layoffs_requests
from scrapers.warn import parse as parse_warn


def test_layoffs_rows_and_values():
    df = parse_layoffs(sample("layoffs/layoffs_fyi_kaggle_2026-01-28.csv"), ctx(source="layoffs"))
    # 4,277 rows; Terminus 5/27/2022 is listed twice with the same source link -> one event
    assert len(df) == 4276
    assert df.series_key.is_unique
    amazon = df[(df.subject == "Amazon") & (df.period_start == date(2026, 1, 28))].iloc[0]
    assert amazon.value == 16000 and amazon.detail == "Retail" and amazon.geography == "US"
    assert amazon.metric == "layoff_headcount" and amazon.period_end == amazon.period_start
    expedia = df[(df.subject == "Expedia") & (df.period_start == date(2026, 1, 27))].iloc[0]
    assert math.isnan(expedia.value)  # empty total_laid_off -> null, never 0
    assert df.value.isna().sum() == 1475
    assert min(df.period_start) == date(2020, 3, 11) and max(df.period_start) == date(2026, 1, 28)
    assert (df.detail == "AI").sum() == 26


def test_layoffs_location_from_config_or_nothing():
    assert layoffs_requests([{"role_id": "x", "layoff_industries": ["AI"]}], RequestOptions()) == []
    reqs = layoffs_requests([{"role_id": "x", "layoff_industries": ["AI", "Data"]}],
                            RequestOptions(options={"location": "/data/layoffs.csv"}))
    assert reqs[0].url == "/data/layoffs.csv" and reqs[0].context["role_industries"] == ["AI", "Data"]


def test_warn_consolidated_empty_jobs_are_null():
    df = parse_warn(sample("warn/warn_processed_consolidated_excerpt.csv"), ctx(source="warn"))
    assert len(df) == 15
    nursery = df[df.subject == "American Nursery Services, Inc."].iloc[0]
    assert math.isnan(nursery.value)
    assert df.value.isna().sum() == 2
    rndc = df[df.subject == "RNDC Shared Services LLC"].iloc[0]
    assert (rndc.value, rndc.geography, rndc.period_start) == (160, "AK", date(2026, 7, 6))
    assert rndc.series_key == "warn:AK:9a5dab18a9c3d3a6"
    assert df[df.subject.str.startswith("Overland")].iloc[0].subject == "Overland Contracting Inc"


def test_warn_column_order_and_raw_state_schema():
    additions = parse_warn(sample("warn/warn_processed_additions_2022-07.csv"), ctx(source="warn"))
    assert sorted(additions.value) == [99, 106] and set(additions.geography) == {"OH"}
    wa = parse_warn(sample("warn/warn_raw_wa_2022-03.csv"), ctx(source="warn", postal_code="WA"))
    assert len(wa) == 1123 and set(wa.geography) == {"WA"}
    first = wa.iloc[0]
    assert (first.subject, first.value, first.period_start) == ("Wesley Homes", 119, date(2022, 3, 11))
    with pytest.raises(ParseError, match="postal_code"):
        parse_warn(sample("warn/warn_raw_wa_2022-03.csv"), ctx(source="warn"))


def test_warn_missing_column_is_named():
    with pytest.raises(ParseError, match=r"\['jobs'\].*warn\.csv"):
        parse_warn(b"postal_code,company,notice_date\nCA,X,2024-01-01\n", ctx("file:///x/warn.csv", "warn"))


@pytest.mark.parametrize("text, expected", [
    ("1/28/2026", date(2026, 1, 28)), ("2026-01-28", date(2026, 1, 28)), ("2026-01-28T00:00:00", date(2026, 1, 28)),
    ("1/28/26", date(2026, 1, 28)), ("28 Jan 2026", date(2026, 1, 28)), ("Jan 28, 2026", date(2026, 1, 28)),
    ("", None),
])
def test_flexible_dates(text, expected):
    assert parse_date_flexible(text) == expected


def test_sample_dir_is_complete():
    for sub in ("itjobswatch", "indeed-hiring-lab", "bls", "fred", "layoffs", "warn"):
        assert any((SAMPLES / sub).iterdir()), sub
    assert (SAMPLES / "NOTICE.md").is_file() and (SAMPLES / "layout.toml").is_file()


def test_warn_company_watch_list():
    from scrapers.warn import requests_for as warn_requests

    reqs = warn_requests([{"role_id": "a", "warn_companies": ["Oracle", "Boeing"]}, {"role_id": "b"}],
                         RequestOptions())
    assert reqs[0].context == {"companies": ["Oracle", "Boeing"]}
    assert reqs[0].url.endswith("/data/warn-transformer/processed/consolidated.csv")
    df = parse_warn(sample("warn/warn_processed_consolidated_excerpt.csv"), ctx(source="warn", **reqs[0].context))
    assert sorted(df.subject) == ["Oracle America Inc", "The Boeing Company"]
    assert sorted(df.value) == [65, 71]
