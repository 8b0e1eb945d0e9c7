"""Plausibility guards: overnight jumps, salary bands, thin salary samples, dates running backwards."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pandera.pandas as pa

from scoring.guards import plausibility
from scoring.models import Quarantine
from scoring.validation import validate_observations
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
    from scoring.observations import SOURCE_METRICS, ItJobsWatchObservations, salary_bands
    from scoring.validation import coerce_observations

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


# --- issue 14: the jump guard against recent accepted history, held levels, future dates ----------
def nights(values, last="2026-03-01", fetch="n"):
    """One current-period postings row per night, the last one ending on `last`."""
    end = pd.Timestamp(last)
    return [itjw(v, end - timedelta(days=len(values) - 1 - k), fetch=f"{fetch}{k}") for k, v in enumerate(values)]


def held(values, last):
    """Rows the jump guard held on earlier nights, as `warehouse.queries.jump_held_values` gives them."""
    rows = nights(values, last)
    return pd.DataFrame([{k: r[k] for k in ("series_key", "metric", "period_end", "value")} for r in rows])


def checks(tonight, history, held_back=None, as_of=None):
    _, q = plausibility(valid(tonight), valid(history) if history else None, RUBRIC, held_back=held_back, as_of=as_of)
    return q["check_name"].tolist()


def test_a_value_is_judged_against_the_recent_median_not_last_night():
    # x4.9 last night got in under the old x5 rule; x4.9 again must not ride on it
    history = nights([185.0, 186.0, 184.0, 185.0, 906.0])
    assert checks([itjw(4440.0, "2026-03-02")], history) == ["plausibility:overnight_jump"]
    _, q = plausibility(valid([itjw(4440.0, "2026-03-02")]), valid(history), RUBRIC)
    case = json.loads(q["failure"].iloc[0])["cases"][0]
    assert case["reference"] == 185.0 and case["reference_values"] == 5 and case["reference_period_end"] == "2026-03-01"
    # values older than jump_max_gap_days (the page's year-earlier column) are no reference
    old = [itjw(20.0, "2025-12-01", fetch="old")]
    assert checks([itjw(185.0, "2026-03-02")], old) == []


def test_a_one_night_fall_is_held():
    history = nights([185.0, 186.0, 184.0, 185.0, 185.0])
    assert checks([itjw(38.0, "2026-03-02")], history) == ["plausibility:overnight_jump"]   # x0.205 (x5 let it in)
    assert checks([itjw(120.0, "2026-03-02")], history) == []                             # -35 %: a move, not a fault


def test_a_new_level_is_accepted_once_confirmed_by_the_nights_before():
    history = nights([185.0, 186.0, 184.0, 185.0, 185.0], last="2026-02-27")
    tonight = [itjw(558.0, "2026-03-02")]
    assert checks(tonight, history) == ["plausibility:overnight_jump"]                    # first night at x3
    assert checks(tonight, history, held([555.0], "2026-03-01")) == ["plausibility:overnight_jump"]  # one is not two
    assert checks(tonight, history, held([555.0, 560.0], "2026-03-01")) == []              # third night: confirmed
    # the nights before must agree with tonight and sit on the same side of the band
    assert checks(tonight, history, held([555.0, 2000.0], "2026-03-01")) == ["plausibility:overnight_jump"]
    assert checks(tonight, history, held([60.0, 61.0], "2026-03-01")) == ["plausibility:overnight_jump"]
    # compounding never agrees with the night before
    assert checks([itjw(4440.0, "2026-03-02")], history, held([185.0 * 4.9, 185.0 * 4.9 ** 2], "2026-03-01")) \
        == ["plausibility:overnight_jump"]
    # once accepted, the next nights confirm on the accepted value and then on the median itself
    after = history + [itjw(558.0, "2026-03-02", fetch="c")]
    assert checks([itjw(557.0, "2026-03-03")], after, held([555.0, 560.0], "2026-03-01")) == []
    settled = nights([185.0, 185.0, 558.0, 557.0, 556.0], last="2026-03-04")
    assert checks([itjw(559.0, "2026-03-05")], settled) == []


def test_a_held_value_for_a_period_already_accepted_confirms_nothing():
    history = nights([185.0] * 7, last="2026-03-01")  # the two periods before tonight were accepted
    assert checks([itjw(558.0, "2026-03-02")], history, held([555.0, 560.0], "2026-03-01")) \
        == ["plausibility:overnight_jump"]


def test_a_future_dated_row_is_rejected_and_a_stored_one_freezes_nothing():
    night = pd.Timestamp("2026-03-02")
    future = [itjw(185.0, "2030-03-02"), itjw(154.0, "2029-03-02")]
    assert checks(future, None, as_of=night) == ["plausibility:future_period"] * 2
    assert checks([itjw(185.0, "2026-03-05")], None, as_of=night) == []  # within future_tolerance_days
    assert checks(future, None) == []  # without the night there is nothing to compare with
    # a future row stored before the check existed: tonight's correctly dated rows still pass
    stored = nights([185.0, 184.0]) + [itjw(999.0, "2030-03-02", fetch="stored")]
    tonight = [itjw(185.0, "2026-03-02"), itjw(154.0, "2025-03-02")]
    assert checks(tonight, stored) == ["plausibility:period_end_backwards"] * 2  # what froze the series
    assert checks(tonight, stored, as_of=night) == []
    # and tonight's future rows do not hide a stale payload from the backwards check
    stale = [itjw(180.0, "2026-02-20"), itjw(185.0, "2030-03-02")]
    assert sorted(checks(stale, nights([185.0, 184.0]), as_of=night)) == ["plausibility:future_period",
                                                                          "plausibility:period_end_backwards"]
