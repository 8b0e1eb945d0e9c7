"""The refresh's fast paths give exactly what the straightforward ones gave.

The nightly refresh validates per source (not per fetch), reads history without re-checking
it, computes every role at once, and works out what roles share (an Indeed country and its
sectors, a set of layoff industries, BLS series, CPI windows) once. These tests run a
synthetic multi-role world through both ways and compare the frames exactly:

* many roles at once vs one role at a time (nothing leaks from one role to the next);
* a history reaching past the night vs the history cut at the night;
* each row's lineage entry, built per column, vs json.dumps of the row;
* `validate_observations` vs validating each (source, fetch) batch on its own;
* `coerce_observations` vs full validation on rows that are valid;
* the metrics whatever order the rows arrive in (tonight's parse order, or storage order).
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.catalogue import Lookup
from scoring.metrics import RoleSpec, compute_metrics
from scoring.metrics.frame import lineage_entries
from scoring.observations import OBSERVATION_COLUMNS, SOURCE_MODELS, Observations
from scoring.validation import (coerce_observations, empty_observations, empty_quarantine, validate_batch,
                                validate_observations)
from scoring.rubric import load_rubric
from sim import catalogue_gen

# `_awkward_batches` holds day-first text dates on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Parsing dates in %d/%m/%Y format:UserWarning")

REPO = Path(__file__).resolve().parents[2]
RUBRIC = load_rubric(version="rubric-v1")  # these pin rubric-v1, which stays selectable
AS_OF = pd.Timestamp("2026-06-30")
DAY = timedelta(days=1)


# --- a synthetic world -------------------------------------------------------------------------
def _row(source, series_key, subject, geography, metric, start, end, value, unit, fetch, detail=None) -> dict:
    return {"source": source, "series_key": series_key, "subject": subject, "geography": geography,
            "metric": metric, "period_start": start, "period_end": end, "value": value, "unit": unit,
            "detail": detail, "fetch_id": fetch}


def _itjw_page(r: random.Random, spec: RoleSpec, i: int, end: pd.Timestamp, fetch: str, scale: float,
               year_earlier: bool = True) -> list[dict]:
    """One role's IT Jobs Watch page: the newest 6 months, the same a year and two years earlier."""
    key = spec.lookup.itjobswatch
    subject = r.choice([key.slug, key.slug.upper(), key.slug.replace(" ", "%20"), key.slug.replace(" ", "+")])
    series = f"itjobswatch:{key.kind}:{key.slug}"
    pay, unit = ("median_daily_rate", "GBP/day") if key.kind == "contract" else ("median_salary", "GBP/year")
    base_pay = 550.0 if key.kind == "contract" else 60000.0
    rows = []
    ends = [end, end - timedelta(days=365 + r.randint(-4, 4)), end - timedelta(days=730)]
    if i % 7 == 3:
        ends = ends[:1]  # no year-earlier period: insufficient history
    elif not year_earlier:
        ends = [ends[0], ends[2]]
    for k, e in enumerate(ends):
        s = e - timedelta(days=182)
        if k and i % 6 == 0:  # older periods under a key naming no kind: still this role's rows
            series = f"itjobswatch:{key.slug}"
        postings = float(r.choice([8, 15, 40, 120, 300])) if k == 0 else float(r.randint(20, 300))
        rows.append(_row("itjobswatch", series, subject, "UK", "postings", s, e, round(postings * scale), "count",
                         fetch))
        quoted = float(r.randint(5, int(postings)))
        rows.append(_row("itjobswatch", series, subject, "UK", "salaries_quoted", s, e, quoted, "count", fetch))
        median = None if (i % 11 == 5 and k == 1) else round(base_pay * (1 + 0.04 * r.random()) * scale, 0)
        rows.append(_row("itjobswatch", series, subject, "UK", pay, s, e, median, unit, fetch))
    if i % 4 == 2 and len(ends) > 1:  # a second year-earlier candidate on the page: the nearest one is used
        e = ends[1] + timedelta(days=3 if ends[1] < end - timedelta(days=365) else -3)
        rows.append(_row("itjobswatch", series, subject, "UK", "postings", e - timedelta(days=182), e,
                         float(r.randint(20, 300)), "count", fetch))
        rows.append(_row("itjobswatch", series, subject, "UK", pay, e - timedelta(days=182), e,
                         round(base_pay * scale * 0.97, 0), unit, fetch))
    if i % 5 == 1:  # the same slug under the other kind: never read for this role
        other = "permanent" if key.kind == "contract" else "contract"
        rows.append(_row("itjobswatch", f"itjobswatch:{other}:{key.slug}", subject, "UK", "postings",
                         end - timedelta(days=182), end, 999.0, "count", fetch))
    return rows


def synthetic_world(specs: list[RoleSpec], as_of: pd.Timestamp = AS_OF,
                    seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, tonight) raw observations for the roles' lookup keys, every source, with the
    awkward cases in: spelled-differently slugs, other-kind pages, missing and unpublished
    periods, repeated rows across fetches (tonight wins), events with unknown headcounts."""
    r = random.Random(seed)
    history, tonight = [], []
    for i, spec in enumerate(specs):
        if spec.lookup.itjobswatch is None:
            continue
        end = as_of - timedelta(days=r.randint(0, 3))
        history += _itjw_page(random.Random(f"{seed}-{i}"), spec, i, end - DAY, f"itjw-h-{i}", 1.0)
        if i % 4 == 0:  # fetched twice yesterday, and tonight's page lacks the year-earlier period:
            # the year-earlier row is then the later of yesterday's two equal-keyed rows
            history += _itjw_page(random.Random(f"{seed}-{i}"), spec, i, end - DAY, f"itjw-h2-{i}", 1.01)
        if i % 9 != 4:  # some pages are not fetched tonight: their rows come from history only
            tonight += _itjw_page(random.Random(f"{seed}-{i}"), spec, i, end, f"itjw-t-{i}", 1.02,
                                  year_earlier=i % 4 != 0)

    countries = sorted({s.lookup.indeed.country for s in specs if s.lookup.indeed} | {"GB", "US"})
    sectors = sorted({x for s in specs if s.lookup.indeed for x in s.lookup.indeed.sectors})
    for cc in countries:
        for d in range(3, 420, 7):
            day = as_of - timedelta(days=d)
            target = history if d > 60 else tonight
            fetch = "indeed-h" if target is history else "indeed-t"
            target.append(_row("indeed", f"indeed:aggregate:{cc}:total", cc, cc, "postings_index", day, day,
                               round(100 + 20 * r.random(), 2), "index", fetch, "SA"))
            target.append(_row("indeed", f"indeed:ai_share:{cc}", cc, cc, "ai_share_postings", day, day,
                               round(2 + 6 * r.random(), 2), "pct", fetch))
            for sector in sectors:
                subject = sector.upper() if (d // 7) % 13 == 0 else sector
                target.append(_row("indeed", f"indeed:sector:{cc}:{sector}:total", subject, cc, "sector_postings_index",
                                   day, day, round(60 + 60 * r.random(), 2), "index", fetch))
        for m in range(1, 14):
            start = (as_of - pd.DateOffset(months=m)).replace(day=1)
            tonight.append(_row("indeed", f"indeed:wage_growth:{cc}", cc, cc, "posted_wage_growth_yoy", start,
                                start + pd.offsets.MonthEnd(0), round(0.01 + 0.05 * r.random(), 4), "fraction",
                                "indeed-t"))

    # Series k carries the median, the mean (k % 4 == 1) or both (k % 4 == 2), one year only
    # (k % 6 == 2), an unpublished latest median (k % 5 == 3), a re-published year (k % 3 == 0).
    # Medians go in first, so a series with both must pick the median over the later group.
    for metric in ("oews_annual_median", "oews_annual_mean"):
        for sid in sorted({x for s in specs for x in s.lookup.bls_series}):
            k = int(sid[-4:-2]) if sid[-4:-2].isdigit() else 0
            carries = {1: ["oews_annual_mean"], 2: ["oews_annual_median", "oews_annual_mean"]}
            if metric not in carries.get(k % 4, ["oews_annual_median"]):
                continue
            for year in [2025] if k % 6 == 2 else [2023, 2024, 2025]:
                value = 90000.0 + 1000 * k + 2500 * (year - 2023) + (3000.0 * (year - 2022) if "mean" in metric else 0)
                if k % 5 == 3 and year == 2025:
                    value = None
                may1, may31 = pd.Timestamp(year, 5, 1), pd.Timestamp(year, 5, 31)
                history.append(_row("bls", f"bls:{sid}", sid, "US", metric, may1, may31, value, "USD/year",
                                    f"bls-{year}"))
                if k % 3 == 0 and year == 2025:
                    history.append(_row("bls", f"bls:{sid}", sid, "US", metric, may1, may31, 95000.0 + 1000 * k,
                                        "USD/year", "bls-2025b"))

    for series, subject, geo, level in (("fred:CPIAUCSL", "CPIAUCSL", "US", 300.0),
                                        ("fred:GBRCPIALLMINMEI", "GBRCPIALLMINMEI", "GB", 130.0)):
        for m in range(2, 44):
            start = (as_of - pd.DateOffset(months=m)).replace(day=1)
            history.append(_row("fred", series, subject, geo, "cpi_index", start, start + pd.offsets.MonthEnd(0),
                                round(level * (1.0025 ** (44 - m)), 3), "index", "fred-h"))

    industries = list(catalogue_gen.INDUSTRIES)
    for k in range(160):
        day = as_of - timedelta(days=r.randint(0, 760))
        industry = r.choice(industries)
        detail = industry.lower() if k % 17 == 0 else industry
        headcount = None if k % 13 == 0 else float(r.randint(10, 3000))
        row = _row("layoffs", f"layoffs:Co{k % 90}:{day.date()}", f"Co{k % 90}", "US", "layoff_headcount", day, day,
                   headcount, "count", "layoffs-t", detail)
        (tonight if k % 3 else history).append(row)
        if k % 10 == 0:  # re-published with a corrected headcount: tonight's row wins
            tonight.append(dict(row, value=(headcount or 0.0) + 5.0, fetch_id="layoffs-t"))

    for i, spec in enumerate(specs):
        if i % 3 != 0:
            continue
        for j in range(1 + i % 3):
            day = as_of - timedelta(days=30 + 97 * j + i)
            claim = _row("claims", f"claims:{spec.role_id}-{j}", spec.role_id, "global", "expert_claim", day, day,
                         float((i + j) % 3 - 1), "direction", "claims-h", json.dumps({"claim": f"c{j}"}))
            history.append(claim)
            if i % 6 == 0 and j == 0:  # the claim re-read tonight with another direction: tonight's counts
                tonight.append(dict(claim, value=float((i + j + 1) % 3 - 1), fetch_id="claims-t"))
    return pd.DataFrame(history), pd.DataFrame(tonight)


NO_DATA = "no-data"  # a role whose keys the world serves nothing for


def _specs() -> list[RoleSpec]:
    """Generated roles plus hand-made ones: shared BLS series, no keys at all, a UK CPI series."""
    specs = [RoleSpec(r.id, "UK", Lookup.model_validate(r.lookup())) for r in catalogue_gen.sim_roles(18, seed=2)]
    extra = [
        RoleSpec("shares-bls-a", "UK", Lookup.model_validate({"bls_series": [specs[0].lookup.bls_series[0]],
                                                             "layoff_industries": ["Data", "AI"]})),
        RoleSpec("shares-bls-b", "US", Lookup.model_validate({"bls_series": [specs[0].lookup.bls_series[0]],
                                                             "cpi_series": "bls:CUUR0000SA0"})),  # other CPI first
        RoleSpec("shares-bls-c", "US", Lookup.model_validate({"bls_series": [specs[0].lookup.bls_series[0],
                                                                             specs[1].lookup.bls_series[0]]})),
        RoleSpec("no-keys", "UK", Lookup()),
        # keys with no data at all (their metrics are where quarantined rows show)
        RoleSpec(NO_DATA, "UK", Lookup.model_validate({
            "itjobswatch": {"slug": "QA+Tester%20Lead"}, "indeed": {"country": "FR", "sectors": ["Mathematics"]},
            "bls_series": ["OEUN0000000000000999999"], "layoff_industries": ["Nothing Here"]})),
        RoleSpec("uk-cpi", "UK", Lookup.model_validate({
            "itjobswatch": {"slug": specs[2].lookup.itjobswatch.slug, "kind": specs[2].lookup.itjobswatch.kind},
            "cpi_series": "GBRCPIALLMINMEI", "indeed": {"country": "GB", "sectors": ["Mathematics", "Nope"]},
            "layoff_industries": ["AI", "Data"]})),
    ]
    return specs + extra


def _valid(frame: pd.DataFrame) -> pd.DataFrame:
    good, quarantine = validate_observations(frame, "t")
    assert quarantine.empty, quarantine["check_name"].tolist()
    return good


@pytest.fixture(scope="module")
def world():
    specs = _specs()
    history, tonight = synthetic_world([s for s in specs if s.role_id != NO_DATA])
    held, good = _valid(history), _valid(tonight)
    return specs, history, tonight, pd.concat([held, good], ignore_index=True)


def _quarantine(specs: list[RoleSpec]) -> pd.DataFrame:
    """Quarantined rows touching a few roles' keys (so some metrics turn `quarantined`)."""
    bad = [
        _row("itjobswatch", "itjobswatch:permanent:x", specs[3].lookup.itjobswatch.slug.upper(), "UK", "postings",
             AS_OF - timedelta(days=182), AS_OF, -5.0, "count", "q1"),
        _row("claims", "claims:q", specs[1].role_id, "global", "expert_claim", AS_OF, AS_OF, 2.0, "direction", "q2"),
        _row("bls", f"bls:{specs[4].lookup.bls_series[0]}", "x", "US", "oews_annual_median", pd.Timestamp(2025, 5, 1),
             pd.Timestamp(2025, 5, 31), -1.0, "USD/year", "q3"),
        _row("indeed", "indeed:sector:GB:Mathematics:total", "Mathematics", None, "sector_postings_index", AS_OF,
             AS_OF, 900.0, "index", "q4"),
        _row("layoffs", "layoffs:Bad:1", "Bad", "US", "layoff_headcount", AS_OF, AS_OF, -1.0, "count", "q5", "AI"),
        _row("itjobswatch", "itjobswatch:permanent:qa", "qa tester lead", "UK", "postings",
             AS_OF - timedelta(days=182), AS_OF, -5.0, "count", "q6"),
        _row("indeed", "indeed:sector:FR:Mathematics:total", "Mathematics", None, "sector_postings_index", AS_OF,
             AS_OF, -1.0, "index", "q7"),
        _row("indeed", "indeed:aggregate:x", "FR", None, "postings_index", AS_OF, AS_OF, -1.0, "index", "q7"),
        _row("bls", "bls:OEUN0000000000000999999", "y", "US", "oews_annual_mean", pd.Timestamp(2025, 5, 1),
             pd.Timestamp(2025, 5, 31), -1.0, "USD/year", "q8"),
    ]
    good, quarantine = validate_observations(pd.DataFrame(bad), "t")
    assert good.empty and len(quarantine) == len(bad)
    return quarantine


# --- many roles at once == one role at a time --------------------------------------------------
def test_metrics_for_many_roles_equal_each_role_on_its_own(world):
    specs, _, _, combined = world
    quarantine = _quarantine(specs)
    together = compute_metrics(combined, specs, AS_OF, RUBRIC, quarantine=quarantine, validated=True)
    alone = pd.concat([compute_metrics(combined, [spec], AS_OF, RUBRIC, quarantine=quarantine, validated=True)
                       for spec in specs], ignore_index=True)
    pd.testing.assert_frame_equal(together, alone, check_exact=True)
    # the world reaches the interesting statuses, so the comparison means something
    statuses = set(together["status"])
    assert {"ok", "no_lookup_key", "insufficient_history", "quarantined"} <= statuses
    ok = set(together.loc[together["status"] == "ok", "metric"])
    assert {"postings_yoy_role", "salary_yoy_real_itjw", "salary_yoy_real_oews", "postings_yoy_sector",
            "layoff_headcount_change", "expert_net_direction"} <= ok


def test_the_history_after_the_night_is_not_read(world):
    specs, _, _, combined = world
    for as_of in (AS_OF - timedelta(days=400), AS_OF - timedelta(days=45), AS_OF):
        everything = compute_metrics(combined, specs, as_of, RUBRIC, validated=True)
        cut = compute_metrics(combined[combined["period_end"] <= as_of], specs, as_of, RUBRIC, validated=True)
        pd.testing.assert_frame_equal(everything, cut, check_exact=True)


def test_lineage_entries_built_per_column_equal_json_of_each_row(world):
    *_, combined = world
    frame = combined.assign(period_start=combined["period_start"].where(combined.index % 7 != 0),  # some NaT
                            fetch_id=combined["fetch_id"].where(combined.index % 5 != 0))  # some missing
    def entry(r) -> str:
        def day(v):
            return None if pd.isna(v) else pd.Timestamp(v).date().isoformat()
        return json.dumps({"source": r.source, "series_key": r.series_key, "subject": r.subject, "metric": r.metric,
                           "period_start": day(r.period_start), "period_end": day(r.period_end),
                           "fetch_id": None if pd.isna(r.fetch_id) else str(r.fetch_id)}, sort_keys=True)
    assert list(lineage_entries(frame)) == [entry(r) for r in frame.itertuples()]


# --- validation per source == per fetch --------------------------------------------------------
def _per_fetch(df: pd.DataFrame, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """validate_observations as it was: one pandera pass per (source, fetch_id) batch."""
    df = df.reset_index(drop=True)
    source = df["source"].astype(object).where(df["source"].notna(), "<null>").astype(str)
    fetch = df["fetch_id"].astype(object).where(df["fetch_id"].notna(), "<null>").astype(str)
    goods, quarantines = [], []
    for (name, _), batch in df.groupby([source, fetch], sort=True):
        good, quarantine = validate_batch(batch, SOURCE_MODELS.get(name, Observations), run_id)
        goods += [good] if len(good) else []
        quarantines += [quarantine] if len(quarantine) else []
    good = pd.concat(goods).sort_index().reset_index(drop=True) if goods else empty_observations()
    return good, pd.concat(quarantines, ignore_index=True) if quarantines else empty_quarantine()


def _awkward_batches() -> pd.DataFrame:
    """Failures that depend on how rows are batched, among clean fetches of the same sources."""
    end, start = AS_OF, AS_OF - timedelta(days=182)
    def itjw(slug, metric, value, fetch):
        return _row("itjobswatch", f"itjobswatch:permanent:{slug}", slug, "UK", metric, start, end, value, "count",
                    fetch)
    rows = [
        # salaries quoted above the postings of *another* fetch only: fine per fetch
        itjw("a", "salaries_quoted", 50.0, "f-a1"), itjw("a", "postings", 10.0, "f-a2"),
        # above its own fetch's postings, below a later fetch's: a failure per fetch
        itjw("b", "postings", 10.0, "f-b1"), itjw("b", "salaries_quoted", 50.0, "f-b1"),
        itjw("b", "postings", 100.0, "f-b2"),
        itjw("c", "postings", -3.0, "f-c"), itjw("c", "postings", 7.0, "f-c"),     # one bad row in a fetch
        itjw("d", "postings", "lots", "f-d"), itjw("d", "salaries_quoted", 1.0, None),  # no coercion; no fetch id
        _row("indeed", "indeed:aggregate:GB:new", "GB", "GB", "postings_index", end, end, 90.0, "index", "f-i1"),
        _row("indeed", "indeed:aggregate:GB:total", "GB", "GB", "postings_index", end, end, 90.0, "index", "f-i2"),
        # text dates: pandas guesses the format from the first one, so they parse fetch by fetch
        # (13/02 makes a batch day-first; 01/02 alone is read month-first)
        _row("warn", "warn:X", "X", "US", "layoff_headcount", "13/02/2026", "13/02/2026", 5.0, "count", "f-w1"),
        _row("warn", "warn:Y", "Y", "US", "layoff_headcount", "01/02/2026", "01/02/2026", 5.0, "count", "f-w2"),
        _row("warn", "warn:Z", "Z", "US", "layoff_headcount", end, end, 1.5, "count", "f-w3"),
        # two sources sharing the common model, validated in one pass: a bad row in each, clean
        # fetches beside them
        _row("ons", "ons:D7BT", "D7BT", "UK", "cpi_index", end, end, 142.5, "index", "f-o1"),
        _row("ons", "ons:D7BT", "D7BT", "UK", "cpi_index", start, start, -1.0, "index", "f-o2"),
        _row("bls_ep", "bls_ep:15-1252", "15-1252", "US", "ep_change_pct", end, end, 15.8, "pct", "f-e1"),
        _row("bls_ep", "bls_ep:15-1252", "15-1252", "US", "ep_change_pct", end, end, 15.8, "index", "f-e2"),
    ]
    return pd.DataFrame(rows)


def test_validation_per_source_equals_validation_per_fetch(world):
    _, history, tonight, _ = world
    frame = pd.concat([tonight, history, _awkward_batches()], ignore_index=True)
    got = validate_observations(frame, "r")
    expected = _per_fetch(frame, "r")
    assert len(expected[1]) >= 7  # the awkward rows do fail
    assert {"f-o2", "f-e2"} <= set(expected[1]["fetch_id"])
    pd.testing.assert_frame_equal(got[0], expected[0], check_exact=True)
    pd.testing.assert_frame_equal(got[1], expected[1], check_exact=True)


def test_a_clean_night_is_one_pandera_pass_per_model_not_per_source(world, monkeypatch):
    import pandera.pandas as pa

    _, history, tonight, _ = world
    frame = pd.concat([tonight, history], ignore_index=True)
    frame = pd.concat([frame, pd.DataFrame([
        _row("ons", "ons:D7BT", "D7BT", "UK", "cpi_index", AS_OF, AS_OF, 142.5, "index", "f-o1"),
        _row("bls_ep", "bls_ep:15-1252", "15-1252", "US", "ep_change_pct", AS_OF, AS_OF, 15.8, "pct", "f-e1")])],
        ignore_index=True)
    passes = []
    real = pa.DataFrameModel.validate.__func__
    monkeypatch.setattr(pa.DataFrameModel, "validate",
                        classmethod(lambda cls, *a, **k: passes.append(cls.__name__) or real(cls, *a, **k)))
    good, quarantine = validate_observations(frame, "r")
    assert quarantine.empty and len(good) == len(frame)
    models = {SOURCE_MODELS[s].__name__ for s in frame["source"].unique()}
    assert sorted(passes) == sorted(models) and len(models) < frame["source"].nunique()


# --- history: coerced, not re-validated ------------------------------------------------------------
def test_coercing_held_rows_equals_validating_them(world, tmp_path):
    _, history, _, _ = world
    held = _valid(history)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:  # as night.refresh reads them back
        con.register("held", held.assign(run_id="r0"))
        raw = con.execute(f"SELECT {', '.join(OBSERVATION_COLUMNS)}, run_id FROM held").df()
    for frame in (raw, history, history.drop(columns=["geography", "detail"])):
        pd.testing.assert_frame_equal(coerce_observations(frame), validate_observations(frame, "r", per_fetch=False)[0],
                                      check_exact=True)
    with pytest.raises(ValueError):
        coerce_observations(history.drop(columns=["unit"]))


# --- order independence -------------------------------------------------------------------------
def test_metrics_do_not_depend_on_the_order_rows_arrive_in(world):
    # Tonight's rows come in parse order, a rerun's come from storage: the stored inputs (and so
    # the history's content hash) must be the same either way.
    specs, _, _, combined = world
    # Shuffle the observations, but keep repeated keys in their order: the later of two rows for
    # the same observation is the newer one, and that is meant to win.
    key = ["source", "series_key", "subject", "metric", "period_start", "period_end", "detail"]
    groups = pd.util.hash_pandas_object(combined[key], index=False)
    rank = groups.map(dict(zip(groups.unique(), random.Random(3).sample(range(groups.nunique()), groups.nunique()))))
    shuffled = combined.assign(_rank=rank, _pos=range(len(combined))).sort_values(["_rank", "_pos"])
    shuffled = shuffled.drop(columns=["_rank", "_pos"]).reset_index(drop=True)
    ordered = compute_metrics(combined, specs, AS_OF, RUBRIC, validated=True).sort_values(["role_id", "metric"])
    again = compute_metrics(shuffled, specs, AS_OF, RUBRIC, validated=True).sort_values(["role_id", "metric"])
    layoffs = ordered["metric"].str.startswith("layoff")
    assert layoffs.any()
    assert list(ordered["inputs"]) == list(again["inputs"])
    assert list(ordered["value"].fillna(-999)) == list(again["value"].fillna(-999))
