"""Derived metrics: each family's values, notes, statuses and lineage, through `compute_metrics`."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import pandas as pd
import pytest

from scoring.metrics import RoleSpec, compute_metrics, decay_weight, role_keys
from scoring.metrics.cpi import Deflator
from scoring.metrics.indeed_levels import Levels
from scoring.models import METRIC_NAMES
from scoring.validation import validate_observations
from scoring.rubric import load_rubric
from core.catalogue import Lookup

RUBRIC = load_rubric(version="rubric-v1")  # these pin rubric-v1, which stays selectable
AS_OF = pd.Timestamp("2026-03-02")
MLOPS = RoleSpec("mlops-engineer", "UK", Lookup.model_validate({
    "itjobswatch": {"slug": "mlops"}, "indeed": {"country": "GB", "sectors": ["Software Development", "Mathematics"]},
    "bls_series": ["OEUN000000000000015125213"], "layoff_industries": ["AI", "Data"]}))


def family(frame: pd.DataFrame, role: RoleSpec, *metrics: str) -> list[dict]:
    """The named metrics' rows for one role (in the order named)."""
    got = compute_metrics(frame, [role], AS_OF, RUBRIC, validated=True).set_index("metric")
    return [dict(got.loc[m], metric=m) for m in metrics]


def obs(rows: list[dict]) -> pd.DataFrame:
    good, quarantine = validate_observations(pd.DataFrame(rows), run_id="t")
    assert quarantine.empty, quarantine["check_name"].tolist()
    return good


def itjw(value, end, metric="postings", unit="count", fetch="f-itjw"):
    end = pd.Timestamp(end)
    return {"source": "itjobswatch", "series_key": "itjobswatch:permanent:mlops", "subject": "mlops", "geography": "UK",
            "metric": metric, "period_start": end - pd.DateOffset(months=6) + timedelta(days=1), "period_end": end,
            "value": value, "unit": unit, "detail": None, "fetch_id": fetch}


def daily(source, series_key, subject, geo, metric, unit, day, value, fetch="f-d"):
    return {"source": source, "series_key": series_key, "subject": subject, "geography": geo, "metric": metric,
            "period_start": pd.Timestamp(day), "period_end": pd.Timestamp(day), "value": value, "unit": unit,
            "detail": None, "fetch_id": fetch}


def oews(year, value):
    return {"source": "bls", "series_key": "bls:OEUN000000000000015125213", "subject": "OEUN000000000000015125213",
            "geography": "US", "metric": "oews_annual_median", "period_start": date(year, 5, 1),
            "period_end": date(year, 5, 31), "value": value, "unit": "USD/year", "detail": None,
            "fetch_id": f"f-bls-{year}"}


def cpi_month(month: str, value: float):
    start = pd.Timestamp(month + "-01")
    return {"source": "fred", "series_key": "fred:CPIAUCSL", "subject": "CPIAUCSL", "geography": "US",
            "metric": "cpi_index", "period_start": start, "period_end": start + pd.offsets.MonthEnd(0),
            "value": value, "unit": "index", "detail": None, "fetch_id": "f-fred"}


def layoff(day, headcount, industry="AI", company="Acme"):
    return {"source": "layoffs", "series_key": f"layoffs:{company}:{day}", "subject": company, "geography": "US",
            "metric": "layoff_headcount", "period_start": pd.Timestamp(day), "period_end": pd.Timestamp(day),
            "value": headcount, "unit": "count", "detail": industry, "fetch_id": "f-lay"}


def claim(day, direction, n=0):
    return {"source": "claims", "series_key": f"claims:c{n}", "subject": "mlops-engineer", "geography": "global",
            "metric": "expert_claim", "period_start": pd.Timestamp(day), "period_end": pd.Timestamp(day),
            "value": float(direction), "unit": "direction", "detail": json.dumps({"claim": f"c{n}"}), "fetch_id": "f-cl"}


def test_itjobswatch_postings_yoy_with_lineage():
    frame = obs([itjw(185.0, "2026-03-02"), itjw(154.0, "2025-03-02"), itjw(None, "2024-03-02")])
    (m,) = family(frame, MLOPS, "postings_yoy_role")
    assert m["status"] == "ok" and m["value"] == pytest.approx(185 / 154 - 1)
    assert m["note"] == "UK postings 185 vs 154 (+20.1 %)"
    inputs = json.loads(m["inputs"])
    assert (inputs["now"], inputs["year_earlier"]) == (185.0, 154.0)
    assert inputs["period_now"] == ["2025-09-03", "2026-03-02"]
    lineage = json.loads(m["lineage"])
    assert {(x["period_end"], x["fetch_id"]) for x in lineage} == {("2026-03-02", "f-itjw"), ("2025-03-02", "f-itjw")}


def test_itjobswatch_statuses():
    assert family(obs([itjw(185.0, "2026-03-02")]), MLOPS, "postings_yoy_role")[0]["status"] == \
        "insufficient_history"
    small = obs([itjw(15.0, "2026-03-02"), itjw(12.0, "2025-03-02")])
    assert family(small, MLOPS, "postings_yoy_role")[0]["status"] == "insufficient_sample"
    nokey = RoleSpec("x", "UK", Lookup())
    assert family(small, nokey, "postings_yoy_role")[0]["status"] == "no_lookup_key"
    # the page fetched 30 days ago is stale under the rubric's 21-day limit
    old = obs([itjw(185.0, "2026-01-31"), itjw(154.0, "2025-01-31")])
    m = compute_metrics(old, [MLOPS], AS_OF, RUBRIC).set_index("metric")
    assert m.at["postings_yoy_role", "status"] == "stale"
    assert "30 d old > 21 d" in m.at["postings_yoy_role", "note"]


def test_layoff_decay_time_constant():
    assert decay_weight(90, 90) == pytest.approx(math.exp(-1))
    assert decay_weight(0, 90) == 1.0
    fresh = json.loads(family(obs([layoff("2026-03-02", 100.0), layoff("2025-01-01", 1.0),
                                    layoff("2024-12-01", 1.0)]), MLOPS, "layoff_headcount_change")[0]["inputs"])
    aged = json.loads(family(obs([layoff("2025-12-02", 100.0), layoff("2025-01-01", 1.0),
                                   layoff("2024-12-01", 1.0)]), MLOPS, "layoff_headcount_change")[0]["inputs"])
    assert (AS_OF - pd.Timestamp("2025-12-02")).days == 90
    assert aged["decayed_headcount_now"] / fresh["decayed_headcount_now"] == pytest.approx(math.exp(-1), rel=1e-4)


def test_layoffs_compare_with_the_year_before_and_match_industries():
    rows = [layoff("2026-02-01", 300.0), layoff("2025-02-01", 100.0), layoff("2025-06-01", None),
            layoff("2026-01-15", 5000.0, industry="Retail")]
    head, events = family(obs(rows), MLOPS, "layoff_headcount_change", "layoff_events_change")
    inputs = json.loads(head["inputs"])
    w = math.exp(-29 / 90)  # both events are 29 days before their window's end
    assert inputs["decayed_headcount_now"] == pytest.approx(300 * w, rel=1e-4)
    assert inputs["decayed_headcount_year_earlier"] == pytest.approx(100 * w, rel=1e-4)
    assert head["value"] == pytest.approx(300 * w / max(100 * w, 100) - 1)
    assert inputs["events_now"] == 2 and inputs["events_year_earlier"] == 1  # the unknown headcount counts as an event
    assert events["status"] == "ok" and "Retail" not in head["note"]


def test_bls_oews_needs_two_archived_years():
    one = family(obs([oews(2024, 133080.0)]), MLOPS, "salary_yoy_nominal_oews", "salary_yoy_real_oews")
    assert [m["status"] for m in one] == ["insufficient_history", "insufficient_history"]
    assert "1 annual period(s) held (2024)" in one[0]["note"]

    cpi = [cpi_month("2023-05", 304.0), cpi_month("2024-05", 313.12)]  # +3 %
    two = family(obs([oews(2023, 127260.0), oews(2024, 133080.0)] + cpi), MLOPS, "salary_yoy_nominal_oews",
                 "salary_yoy_real_oews")
    nominal, real = two
    assert nominal["status"] == "ok" and nominal["value"] == pytest.approx(133080 / 127260 - 1)
    assert real["status"] == "ok"
    assert real["value"] == pytest.approx((1 + nominal["value"]) / 1.03 - 1)
    assert json.loads(real["inputs"])["cpi"][0]["series"] == "fred:CPIAUCSL"
    assert {x["fetch_id"] for x in json.loads(real["lineage"])} == {"f-bls-2023", "f-bls-2024", "f-fred"}


def test_real_wage_says_when_no_cpi_covers_the_geography():
    rows = [itjw(70000.0, "2026-03-02", "median_salary", "GBP/year"), itjw(65000.0, "2025-03-02", "median_salary", "GBP/year"),
            itjw(120.0, "2026-03-02", "salaries_quoted"), itjw(100.0, "2025-03-02", "salaries_quoted"),
            cpi_month("2025-01", 300.0), cpi_month("2026-01", 309.0)]  # US CPI only
    m = compute_metrics(obs(rows), [MLOPS], AS_OF, RUBRIC).set_index("metric")
    assert m.at["salary_yoy_nominal_itjw", "status"] == "ok"
    assert m.at["salary_yoy_nominal_itjw", "sample_size"] == 100
    assert m.at["salary_yoy_real_itjw", "status"] == "no_cpi"
    assert "no CPI for UK" in m.at["salary_yoy_real_itjw", "note"]


def test_cpi_yoy_over_the_matching_months():
    rows = obs([cpi_month(f"2025-{m:02d}", 300.0 + m) for m in range(1, 13)]
               + [cpi_month(f"2024-{m:02d}", 290.0 + m) for m in range(1, 13)])
    cpi = Deflator(rows, RUBRIC)  # the rubric's max_lag_days is 120
    got = cpi.yoy(["fred:CPIAUCSL"], pd.Timestamp("2025-09-03"), pd.Timestamp("2026-03-02"))
    months = [9, 10, 11, 12]  # Sep-Dec 2025 are in the window and have a year-earlier month
    expected = sum(300.0 + m for m in months) / sum(290.0 + m for m in months) - 1
    assert got["yoy"] == pytest.approx(expected) and got["months"] == ["2025-09", "2025-10", "2025-11", "2025-12"]
    lagged = cpi.yoy(["fred:CPIAUCSL"], pd.Timestamp("2026-02-01"), pd.Timestamp("2026-03-02"))
    assert lagged["months"] == ["2025-12"]  # newest 12-month change within the lag
    assert cpi.yoy(["fred:CPIAUCSL"], pd.Timestamp("2026-09-01"), pd.Timestamp("2026-09-30")) is None


def test_indeed_sector_yoy_averages_the_role_sectors_364_days_apart():
    rows = []
    for sector, (now, before) in {"Software Development": (58.0, 64.0), "Mathematics": (66.0, 60.0)}.items():
        key = f"indeed:sector:GB:{sector}:total"
        rows += [daily("indeed", key, sector, "GB", "sector_postings_index", "index", "2026-02-27", now),
                 daily("indeed", key, sector, "GB", "sector_postings_index", "index", "2025-02-28", before),
                 daily("indeed", key, sector, "GB", "sector_postings_index", "index", "2025-03-07", 1.0)]
    rows.append(daily("indeed", "indeed:sector:US:Mathematics:total", "Mathematics", "US", "sector_postings_index",
                      "index", "2026-02-27", 400.0))
    sector, country = family(obs(rows), MLOPS, "postings_yoy_sector", "postings_yoy_country")
    assert sector["status"] == "ok"
    assert sector["value"] == pytest.approx(((58 / 64 - 1) + (66 / 60 - 1)) / 2)
    assert country["status"] == "no_data"


def test_ai_share_change_in_points():
    rows = obs([daily("indeed", "indeed:ai_share:GB", "GB", "GB", "ai_share_postings", "pct", "2026-03-01", 8.1),
                daily("indeed", "indeed:ai_share:GB", "GB", "GB", "ai_share_postings", "pct", "2025-03-02", 3.7)])
    (m,) = family(rows, MLOPS, "ai_share_pp_change")
    assert m["value"] == pytest.approx(4.4) and m["unit"] == "pp"
    assert "3.70 % → 8.10 % (+4.40 pp in a year)" in m["note"]


def test_expert_claims_decay_with_their_half_life():
    (m,) = family(obs([claim("2026-03-02", 1, 0), claim("2025-03-02", -1, 1)]), MLOPS, "expert_net_direction")
    # weights 1 and 0.5 (365 days = one half-life), plus the neutral prior of 1
    assert m["value"] == pytest.approx((1 - 0.5) / (1 + 0.5 + 1))
    assert m["sample_size"] == 2
    (none,) = family(obs([claim("2026-03-02", 1)]).iloc[0:0], MLOPS, "expert_net_direction")
    assert none["status"] == "no_data"


def test_compute_metrics_covers_every_rubric_metric_per_role_and_ignores_the_future():
    rows = obs([itjw(185.0, "2026-03-02"), itjw(154.0, "2025-03-02"), itjw(999.0, "2026-03-09")])
    lookups = {"mlops-engineer": {"itjobswatch": {"slug": "mlops"}}, "bare": {}}
    frame = compute_metrics(rows, lookups, AS_OF, RUBRIC)
    assert len(frame) == 2 * len(RUBRIC.metrics())
    assert set(frame["metric"]) == set(RUBRIC.metrics()) <= set(METRIC_NAMES)
    m = frame.set_index(["role_id", "metric"])
    assert m.at[("mlops-engineer", "postings_yoy_role"), "value"] == pytest.approx(185 / 154 - 1)
    assert (frame[frame["role_id"] == "bare"]["status"] == "no_lookup_key").sum() >= 8
    assert frame["rubric_version"].eq("rubric-v1").all()
    # validated rows given as such give the same answer
    again = compute_metrics(rows, lookups, AS_OF, RUBRIC, validated=True)
    pd.testing.assert_frame_equal(frame, again)
    assert role_keys(lookups)["role_id"].tolist() == ["mlops-engineer", "bare"]


def test_uk_and_gb_are_one_country_wherever_a_country_is_read():
    """core.geography holds the only UK -> GB alias: the Indeed requests and parser, the
    metrics' country lookups and the rubric's CPI table all answer the same for either spelling."""
    from core.geography import country_code, geography_aliases
    from scrapers.indeed.fetch import country_code as indeed_country_code

    for spelling in ("UK", "uk", " GB ", "gb"):
        assert country_code(spelling) == indeed_country_code(spelling) == "GB"
        assert geography_aliases(spelling) == {"UK", "GB"}
    assert geography_aliases("US") == {"US"} and geography_aliases(None) == set() == geography_aliases(" ")
    assert RUBRIC.cpi.series_for("GB") == RUBRIC.cpi.series_for("UK") != []
    # an Indeed GB series answers a role whose catalogue says UK, by geography or by series key
    rows = [daily("indeed", "indeed:aggregate:GB:total", "GB", "GB", "postings_index", "index", d, v)
            for d, v in (("2025-03-03", 80.0), ("2026-03-02", 88.0))]
    rows.append(daily("indeed", "indeed:aggregate:GB:new", "GB", None, "new_postings_index", "index", "2026-03-02", 9.0))
    levels = Levels(obs(rows), RUBRIC)
    for country in ("UK", "GB"):
        assert len(levels.rows("postings_index", country)) == 2
        assert len(levels.rows("new_postings_index", country)) == 1
