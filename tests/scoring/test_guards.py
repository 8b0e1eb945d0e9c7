"""Plausibility guards: overnight jumps, salary bands, thin salary samples, dates running backwards."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pandera.pandas as pa

from scoring.guards import plausibility
from scoring.models import Quarantine, validate_observations
from scoring.rubric import load_rubric

RUBRIC = load_rubric()


def valid(rows: list[dict]) -> pd.DataFrame:
    good, quarantine = validate_observations(pd.DataFrame(rows), "t")
    assert quarantine.empty
    return good


def itjw(value, end, metric="postings", unit="count", fetch="tonight"):
    end = pd.Timestamp(end)
    return {"source": "itjobswatch", "series_key": "itjobswatch:permanent:mlops", "subject": "mlops", "geography": "UK",
            "metric": metric, "period_start": end - pd.DateOffset(months=6) + timedelta(days=1), "period_end": end,
            "value": value, "unit": unit, "detail": None, "fetch_id": fetch}


def indeed(day, value, fetch="tonight"):
    day = pd.Timestamp(day)
    return {"source": "indeed", "series_key": "indeed:aggregate:GB:total", "subject": "GB", "geography": "GB",
            "metric": "postings_index", "period_start": day, "period_end": day, "value": value, "unit": "index",
            "detail": "SA", "fetch_id": fetch}


HISTORY = valid([itjw(184.0, "2026-03-01", fetch="yesterday"), itjw(154.0, "2025-03-01", fetch="yesterday")])


def test_a_count_fifty_times_its_history_is_quarantined():
    tonight = valid([itjw(185.0 * 50, "2026-03-02"), itjw(154.0, "2025-03-02")])
    good, quarantine = plausibility(tonight, HISTORY, RUBRIC, run_id="run-7")
    assert list(good["value"]) == [154.0]
    assert len(quarantine) == 1
    q = quarantine.iloc[0]
    assert q["check_name"] == "plausibility:overnight_jump" and q["value"] == 9250.0
    assert (q["run_id"], q["fetch_id"], q["source"]) == ("run-7", "tonight", "itjobswatch")
    failure = json.loads(q["failure"])["cases"][0]
    assert failure["reference"] == 184.0 and failure["reference_period_end"] == "2026-03-01"
    Quarantine.validate(quarantine)


def test_ordinary_moves_and_small_counts_pass():
    tonight = valid([itjw(240.0, "2026-03-02"), itjw(154.0, "2025-03-02")])  # +30 % overnight is odd but not x5
    assert plausibility(tonight, HISTORY, RUBRIC)[1].empty
    small_history = valid([itjw(2.0, "2026-03-01", fetch="y")])
    assert plausibility(valid([itjw(9.0, "2026-03-02")]), small_history, RUBRIC)[1].empty  # below jump_min_base
    # the same period already held is the reference when present
    same = valid([indeed("2026-02-27", 76.9, fetch="y"), indeed("2026-02-28", 77.0, fetch="y")])
    assert plausibility(valid([indeed("2026-02-28", 77.1)]), same, RUBRIC)[1].empty
    _, q = plausibility(valid([indeed("2026-02-28", 0.5)]), same, RUBRIC)
    assert q["check_name"].tolist() == ["plausibility:overnight_jump"]


def test_a_salary_outside_the_band_is_quarantined():
    five = {"source": "bls", "series_key": "bls:OEUN000000000000015125213", "subject": "OEUN000000000000015125213",
            "geography": "US", "metric": "oews_annual_median", "period_start": pd.Timestamp("2025-05-01"),
            "period_end": pd.Timestamp("2025-05-31"), "value": 5.0, "unit": "USD/year", "detail": None,
            "fetch_id": "tonight"}
    good, quarantine = plausibility(valid([five]), None, RUBRIC)
    assert good.empty and quarantine["check_name"].tolist() == ["plausibility:salary_band"]
    assert json.loads(quarantine["failure"].iloc[0])["cases"][0]["band"] == [15000.0, 500000.0]


def test_a_median_resting_on_too_few_salaries_is_quarantined():
    tonight = valid([itjw(65000.0, "2026-03-02", "median_salary", "GBP/year"), itjw(12.0, "2026-03-02", "salaries_quoted"),
                     itjw(61000.0, "2025-03-02", "median_salary", "GBP/year"), itjw(80.0, "2025-03-02", "salaries_quoted")])
    good, quarantine = plausibility(tonight, None, RUBRIC)
    assert quarantine["check_name"].tolist() == ["plausibility:min_salaries_quoted"]
    assert pd.Timestamp(quarantine["period_end"].iloc[0]) == pd.Timestamp("2026-03-02")
    assert len(good) == 3


def test_dates_running_backwards_quarantine_the_stale_series():
    held = valid([indeed("2026-02-27", 76.9, fetch="y"), indeed("2026-02-28", 77.0, fetch="y")])
    stale = valid([indeed("2026-02-20", 76.0, fetch="old"), indeed("2026-02-21", 76.1, fetch="old")])
    good, quarantine = plausibility(stale, held, RUBRIC)
    assert good.empty and len(quarantine) == 2
    assert set(quarantine["check_name"]) == {"plausibility:period_end_backwards"}
    assert json.loads(quarantine["failure"].iloc[0])["cases"][0]["newest_held"] == "2026-02-28"
    # an event log may add an old event late
    event = {"source": "layoffs", "series_key": "layoffs:Acme:1", "subject": "Acme", "geography": "US",
             "metric": "layoff_headcount", "period_start": pd.Timestamp("2025-01-01"),
             "period_end": pd.Timestamp("2025-01-01"), "value": 10.0, "unit": "count", "detail": "AI", "fetch_id": "n"}
    later = dict(event, series_key="layoffs:Acme:1", period_start=pd.Timestamp("2026-01-01"),
                 period_end=pd.Timestamp("2026-01-01"))
    assert plausibility(valid([event]), valid([later]), RUBRIC)[1].empty


def test_the_schema_check_and_the_guard_apply_one_salary_band_at_both_edges():
    """rubric.toml [guards.salary_band] is the only definition of the band: the IT Jobs Watch
    schema check and the plausibility guard accept its edges and reject just past them alike.
    A second band (in the models, or anywhere the schema check reads) would split them."""
    from scoring.guards import salary_band
    from scoring.models import SOURCE_METRICS, ItJobsWatchObservations, coerce_observations, salary_bands

    g = RUBRIC.guards
    assert salary_bands() == g.salary_band  # the schema check reads the rubric's own table
    pairs = [(m, u) for m in g.salary_band_metrics for u in (SOURCE_METRICS["itjobswatch"].get(m) or ())
             if u in g.salary_band]
    assert {u for _, u in pairs} == {"GBP/year", "GBP/day"}  # both IT Jobs Watch pay units are covered
    for metric, unit in pairs:
        lo, hi = g.salary_band[unit]
        for value, inside in ((lo, True), (hi, True), (lo - 0.01, False), (hi + 0.01, False)):
            row = itjw(value, "2026-03-02", metric, unit)
            try:
                ItJobsWatchObservations.validate(pd.DataFrame([row]), lazy=True)
                schema_ok = True
            except pa.errors.SchemaErrors as exc:
                assert set(exc.failure_cases["check"].astype(str)) == {"itjobswatch_median_pay_in_sane_band"}
                schema_ok = False
            obs = coerce_observations(pd.DataFrame([row])).assign(_pos=[0])
            guard_ok = not salary_band(obs, RUBRIC)
            assert schema_ok == guard_ok == inside, (metric, unit, value, schema_ok, guard_ok)
