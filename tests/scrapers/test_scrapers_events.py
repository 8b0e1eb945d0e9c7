"""layoffs.fyi (Kaggle mirror) and WARN notices: one observation per event."""

from __future__ import annotations

import json
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
    assert reqs[0].context["companies"] == ["Oracle", "Boeing"]
    assert reqs[0].context["watchlist"][0] == ["GitLab", "GitLab Inc"]  # roles/watchlists/boards.yaml
    assert reqs[0].url.endswith("/data/warn-transformer/processed/consolidated.csv")
    df = parse_warn(sample("warn/warn_processed_consolidated_excerpt.csv"), ctx(source="warn", **reqs[0].context))
    assert sorted(df.subject) == ["Oracle America Inc", "The Boeing Company"]
    assert sorted(df.value) == [65, 71]


def _watchlist_file(tmp_path, entries: str):
    path = tmp_path / "boards.yaml"
    path.write_text("version: 1\ncompanies:\n" + entries, encoding="utf-8")
    return str(path)


def test_warn_notices_of_watch_list_companies_are_recorded_under_the_watch_list_name(tmp_path):
    from scrapers.warn import requests_for as warn_requests

    # a test watch-list (the tokens are not checked here): two companies that did file WARN notices
    watch = _watchlist_file(tmp_path, (
        "  - {company: Oracle, ats: greenhouse, token: oracle, sector: Software Development, country: US,"
        " aliases: [Oracle America]}\n"
        "  - {company: Zillow, ats: greenhouse, token: zillow, sector: Real Estate, country: US,"
        " aliases: [Zillow Group]}\n"
        "  - {company: Boeing, ats: lever, token: boeing, sector: Aerospace, country: US}\n"
        "  - {company: Linear, ats: ashby, token: linear, sector: Software Development, country: US}\n"))
    req, = warn_requests([], RequestOptions(options={"watchlist": watch}))
    consolidated = parse_warn(sample("warn/warn_processed_consolidated_excerpt.csv"), ctx(source="warn", **req.context))
    listed = consolidated[consolidated.metric == "watchlist_layoff_headcount"].set_index("subject")
    assert listed.loc["Oracle", "value"] == 65 and str(listed.loc["Oracle", "period_start"]) == "2025-05-07"
    assert json.loads(listed.loc["Oracle", "detail"]) == {"filed_as": "Oracle America Inc", "state": "AL"}
    assert listed.loc["Boeing", "value"] == 71  # "The Boeing Company": legal words dropped
    assert len(consolidated[consolidated.metric == "layoff_headcount"]) == 15  # every notice still kept
    wa = parse_warn(sample("warn/warn_raw_wa_2022-03.csv"), ctx(source="warn", postal_code="WA", **req.context))
    zillow = wa[(wa.metric == "watchlist_layoff_headcount") & (wa.subject == "Zillow")]
    assert list(zillow.value) == [78.0] and str(zillow.period_start.iloc[0]) == "2021-11-04"
    boeing = wa[(wa.metric == "watchlist_layoff_headcount") & (wa.subject == "Boeing")]
    assert len(boeing) == 61
    # a name is matched whole (after legal words): "Linear, Inc." is Linear, "Linear Technology Corp" is not
    extra = (b"Linear Technology Corp,Camas,1/5/2022,40,Layoff,Permanent,11/5/2021\n"
             b'"Linear, Inc.",Seattle,1/6/2022,12,Layoff,Permanent,11/6/2021\n')
    more = parse_warn(sample("warn/warn_raw_wa_2022-03.csv").rstrip(b"\n") + b"\n" + extra,
                      ctx(source="warn", postal_code="WA", **req.context))
    linear = more[(more.metric == "watchlist_layoff_headcount") & (more.subject == "Linear")]
    assert list(linear.value) == [12.0] and json.loads(linear.detail.iloc[0])["filed_as"] == "Linear, Inc."


def test_bare_names_drop_legal_forms_and_trade_names():
    from scrapers.warn.parse import bare_name

    assert bare_name("Match Group, LLC") == "match group"
    assert bare_name("The Boeing Company") == "boeing"
    assert bare_name("Acme Holdings Inc. dba Acme Robotics") == "acme"
    assert bare_name("Linear Technology Corp") == "linear technology"
