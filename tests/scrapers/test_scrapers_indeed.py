"""Indeed Hiring Lab CSV parsers on the real files."""

from __future__ import annotations

import math
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one, sample

from scrapers.base import ParseError, RequestOptions
from scrapers.indeed import parse, requests_for

D = "indeed-hiring-lab/"


def test_aggregate_us_and_gb_total_and_new_postings():
    us = parse(sample(D + "aggregate_job_postings_US.csv"), ctx(source="indeed", kind="aggregate", countries=["US"]))
    assert one(us, series_key="indeed:aggregate:US:total", period_end="2020-02-01") == 100
    assert one(us, metric="postings_index", period_end="2026-08-14") == pytest.approx(101.79)
    assert one(us, metric="new_postings_index", period_end="2026-08-14") == pytest.approx(97.19)
    assert set(us.unit) == {"index"} and set(us.subject) == {"US"} and set(us.detail) == {"SA"}
    gb = parse(sample(D + "aggregate_job_postings_GB.csv"), ctx(source="indeed", kind="aggregate", countries=["UK"]))
    assert one(gb, metric="postings_index", period_end="2026-08-14") == pytest.approx(68.94)
    assert one(gb, metric="postings_index", period_end="2020-08-29") == pytest.approx(48.51)
    assert len(gb) == 4774  # 2 variables x 2,387 days


def test_sector_indices_keep_only_requested_sectors():
    gb = parse(sample(D + "job_postings_by_sector_GB_2024-08-15_tech-sectors-excerpt.csv"),
               ctx(source="indeed", kind="sector", countries=["GB"], sectors=["Software Development", "Mathematics"]))
    assert set(gb.subject) == {"Software Development", "Mathematics"}
    assert one(gb, series_key="indeed:sector:GB:Software Development:total", period_end="2024-08-09") == \
        pytest.approx(58.14)
    assert one(gb, subject="Mathematics", period_end="2024-08-09") == pytest.approx(65.07)
    assert set(gb.metric) == {"sector_postings_index"}
    us = parse(sample(D + "job_postings_by_sector_US_2024-10-03_tech-sectors-excerpt.csv"),
               ctx(source="indeed", kind="sector", countries=["US"], sectors=["Software Development"]))
    assert one(us, period_end="2024-09-27") == pytest.approx(69.65)
    assert one(us, period_end="2023-09-28") == pytest.approx(76.26)
    assert set(us.geography) == {"US"}


def test_ai_share_latest_values():
    df = parse(sample(D + "AI_posting.csv"), ctx(source="indeed", kind="ai_share", countries=["US", "GB"]))
    assert set(df.subject) == {"US", "GB"}
    assert one(df, subject="US", period_end="2026-06-30") == pytest.approx(5.88, abs=0.005)
    assert one(df, subject="GB", period_end="2026-06-30") == pytest.approx(9.40, abs=0.005)
    assert max(df.period_end) == date(2026, 6, 30)
    assert set(df.unit) == {"pct"} and set(df.metric) == {"ai_share_postings"}


def test_posted_wage_growth_months_and_values():
    df = parse(sample(D + "posted-wage-growth-by-country.csv"),
               ctx(source="indeed", kind="wage_growth", countries=["GB", "US"]))
    gb = df[df.subject == "GB"]
    assert one(gb, period_start="2026-04-01") == pytest.approx(0.040006357)
    assert one(gb, period_start="2019-01-01") == pytest.approx(0.050699449)
    row = gb[gb.period_start == date(2026, 4, 1)].iloc[0]
    assert row.period_end == date(2026, 4, 30)  # Apr-26 -> April 2026
    assert one(df[df.subject == "US"], period_start="2026-04-01") == pytest.approx(0.023796275)
    assert set(df.unit) == {"fraction"} and len(df) == 2 * 88


def test_na_is_null_not_zero():
    body = (b"jobcountry,country,month,n_obs,posted_wage_growth_yoy,posted_wage_growth_yoy_3moavg\n"
            b"GB,United Kingdom,Jan-19,70681,NA,NA\nGB,United Kingdom,Feb-19,63943,0,NA\n")
    df = parse(body, ctx(source="indeed", kind="wage_growth", countries=["GB"]))
    assert math.isnan(one(df, period_start="2019-01-01"))
    assert one(df, period_start="2019-02-01") == 0.0


def test_missing_column_is_a_parse_error_naming_it():
    with pytest.raises(ParseError, match=r"AI_share_postings.*/ai\.csv"):
        parse(b"date,jobcountry,share\n2026-01-01,US,1\n",
              ctx("http://127.0.0.1/ai.csv", source="indeed", kind="ai_share"))


def test_requests_are_deduplicated_across_roles():
    roles = [
        {"role_id": "mlops", "indeed": {"country": "GB", "sectors": ["Software Development", "Mathematics"]}},
        {"role_id": "devops",
         "indeed": {"country": "UK", "sectors": ["Software Development", "IT Operations & Helpdesk"]}},
        {"role_id": "data", "indeed": {"country": "US", "sectors": ["Mathematics"]}},
        {"role_id": "none", "indeed": None},
    ]
    reqs = requests_for(roles, RequestOptions())
    urls = [r.url for r in reqs]
    assert len(urls) == len(set(urls)) == 6
    base = "https://raw.githubusercontent.com/hiring-lab"
    sector_gb = next(r for r in reqs if r.url == base + "/job_postings_tracker/master/GB/job_postings_by_sector_GB.csv")
    assert sector_gb.context["sectors"] == ["Software Development", "Mathematics", "IT Operations & Helpdesk"]
    ai = next(r for r in reqs if r.url == base + "/ai-tracker/main/AI_posting.csv")
    assert ai.context["countries"] == ["GB", "US"]
    assert base + "/indeed-wage-tracker/main/posted-wage-growth-by-country.csv" in urls
    assert not any("GenAI" in u for u in urls)
