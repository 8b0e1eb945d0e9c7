"""Issue 14, wrong scores and false alerts: hostile content that answers 200 and still must not
move a score - through the real nightly flow against the simulated sources.

Five nights (D1 clean, then D2-D5) over one small world; the faults sit on different roles, so
they share the nights:

==========  ====================================================  ==========================
role        what the sources do                                   what must hold
==========  ====================================================  ==========================
NEAR_GREEN  D2: its IT Jobs Watch page is an access-denied page   0.9 above the Green line on D1;
            (200, parse_error); BLS answers an empty body          Job Posting Trends and Wage
                                                                   Trends carry, no zone alert
EMPTY       D3: its page answers 200 with an empty body           Job Posting Trends carries
FUTURE      D2: its page reads "6 months to 2 Mar 2030"           rejected at validation; D3's
            (and FRED CPIAUCSL gains a row for Jan 2030)           correct rows are accepted
STORED      a 2030 row stored before the fix (written after D1)   cannot freeze its series
COMPOUND    current postings x4.9 a night, D2-D5                  held every night, never stored
FALL        D2 only: current postings 185 -> 38                   held: score and zone unchanged
SHIFT       current postings x3 from D2 on (a real new level)     held D2-D3, accepted from D4
==========  ====================================================  ==========================

The near-green role is made so: a scratch night over the same world tells its D1 evidence,
barriers and growth, and its task table is then set for an AIJRI of 48.9 (Green, 0.9 above the
line) among the roles whose sector proxy alone would score Job Posting Trends lower than the
role's own count does. Everything here is `slow` (real servers, Prefect).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import catalogue_gen
from sim.simserver import SimServer
from sim.world import world_role
from tests.faults.conftest import FAST_INTERVALS, night
from tests.support.checks import json_rows, rows

pytestmark = pytest.mark.slow

D1 = date(2026, 6, 30)
NIGHTS = [D1 + timedelta(days=k) for k in range(5)]  # D1 .. D5
D2, D3, D4, D5 = NIGHTS[1:]
N_ROLES = 12
# fixed role indices (0-based into the catalogue); the near-green role is chosen among the rest
EMPTY, FUTURE, STORED, COMPOUND, FALL, SHIFT = 1, 2, 3, 4, 5, 6
FALL_FACTOR = 38 / 185
SHIFT_FACTOR = 3.0
COMPOUND_FACTOR = 4.9
FUTURE_END = date(2030, 3, 2)


def _target_tasks(evidence_total: float, barrier_total: float, growth: float, aijri: float) -> list[dict] | None:
    """Two tasks (scores 1 and 5) whose task resistance gives `aijri` with these modifiers."""
    raw = aijri / 100 * 7.93 + 0.54
    tr = raw / ((1 + 0.04 * evidence_total) * (1 + 0.02 * barrier_total) * (1 + 0.05 * growth))
    if not 1.2 < tr < 4.8:
        return None
    p = round((tr - 1) * 25, 6)  # TR = 6 - (p x 1 + (100 - p) x 5) / 100 = 1 + 4p/100
    return [{"task": "Synthetic task A (tuned)", "time_pct": p, "score": 1, "involvement": "NOT INVOLVED",
             "rationale": "Tuned so the role sits just above the Green line."},
            {"task": "Synthetic task B (tuned)", "time_pct": round(100 - p, 6), "score": 5,
             "involvement": "DISPLACEMENT", "rationale": "Tuned so the role sits just above the Green line."}]


def _choose_near_green(db: Path, roles) -> tuple[int, list[dict]]:
    """A role whose Job Posting Trends would fall when rebuilt from its sector proxy alone, and
    the task table that puts it at AIJRI 48.9 on D1."""
    from scoring.rubric import input_score, load_rubric

    rubric = load_rubric()
    spec = rubric.dimensions["job_posting_trends"].inputs
    fixed = {EMPTY, FUTURE, STORED, COMPOUND, FALL, SHIFT}
    for i, role in enumerate(roles):
        if i in fixed:
            continue
        [(jpt, origin)] = rows(db, "SELECT score, origin FROM evidence_history WHERE role_id = ? AND as_of = ?"
                                   " AND dimension = 'job_posting_trends'", [role.id, D1])
        proxy = {m: (s, v) for m, s, v in rows(db, "SELECT metric, status, value FROM metrics WHERE role_id = ?"
                                                   " AND as_of = ? AND metric IN ('postings_yoy_sector',"
                                                   " 'postings_yoy_country')", [role.id, D1])}
        status, value = proxy.get("postings_yoy_sector", (None, None))
        metric = "postings_yoy_sector"
        if status != "ok":
            metric = "postings_yoy_country"
            status, value = proxy.get(metric, (None, None))
        if origin != "refreshed" or status != "ok" or input_score(value, spec[metric])[0] >= jpt:
            continue
        [(ev, bar, growth)] = rows(db, "SELECT evidence_total, barrier_total, growth FROM aijri_results"
                                       " WHERE role_id = ? AND as_of = ?", [role.id, D1])
        tasks = _target_tasks(ev, bar, growth, 48.93)
        if tasks is not None:
            return i, tasks
    raise AssertionError("no role in the simulated world has a sector proxy below its own posting trend")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from warehouse.db import open_warehouse, transaction
    from warehouse.store import write

    tmp = tmp_path_factory.mktemp("hostile-scores")
    roles = catalogue_gen.write_catalogue(tmp / "roles", N_ROLES, seed=14, as_of=D1)
    with SimServer(roles, as_of=D1, intervals=FAST_INTERVALS, tolerance=0.5) as sim:
        # rubric-v1: the near-green role is tuned on its sector proxy, and the scores below were
        # worked out under v1 (rubric-v2's failed requests: tests/faults/test_rubric_v2_night.py)
        config = sim.write_settings(tmp / "settings.toml", read_timeout=1.0, retries=1, backoff_factor=0.01,
                                    flow={"rubric": "rubric-v1"})
        # the scratch night: what D1 makes of each role, to tune the near-green role's tasks
        night(tmp / "scratch", tmp / "roles", config, D1, sim.base_urls())
        near, tasks = _choose_near_green(tmp / "scratch" / "warehouse.duckdb", roles)
        path = tmp / "roles" / f"{roles[near].id}.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["tasks"] = tasks
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

        home = tmp / "home"
        db = home / "warehouse.duckdb"
        ids = {k: roles[i].id for k, i in (("near", near), ("empty", EMPTY), ("future", FUTURE),
                                           ("stored", STORED), ("compound", COMPOUND), ("fall", FALL),
                                           ("shift", SHIFT))}
        summaries = {D1: night(home, tmp / "roles", config, D1, sim.base_urls())}

        # A future-dated row stored before the fix (the fix rejects them at validation now).
        stored_series = f"itjobswatch:{roles[STORED].kind}:{roles[STORED].slug}"
        with open_warehouse(db) as con:
            (fetch_id,) = con.execute("SELECT fetch_id FROM observations WHERE series_key = ? AND metric = 'postings'"
                                      " ORDER BY period_end DESC LIMIT 1", [stored_series]).fetchone()
            with transaction(con):
                write(con, "observations", pd.DataFrame([{
                    "source": "itjobswatch", "series_key": stored_series, "subject": roles[STORED].slug,
                    "geography": "UK", "metric": "postings", "period_start": date(2029, 9, 3),
                    "period_end": FUTURE_END, "value": 999.0, "unit": "count", "detail": None,
                    "fetch_id": fetch_id, "run_id": "stored-before-the-fix"}]))

        plan = {
            D2: [("itjobswatch", "wrong_content", [ids["near"]], {"variant": "access_denied"}),
                 ("bls", "wrong_content", None, {"variant": "empty"}),
                 ("itjobswatch", "future_dated", [ids["future"]], {"end": FUTURE_END.isoformat()}),
                 ("fred", "future_dated", None, {"end": "2030-01-01"}),
                 ("itjobswatch", "scaled", [ids["compound"], ids["fall"], ids["shift"]],
                  {"by_role": ((ids["compound"], COMPOUND_FACTOR), (ids["fall"], FALL_FACTOR),
                               (ids["shift"], SHIFT_FACTOR))})],
            D3: [("itjobswatch", "wrong_content", [ids["empty"]], {"variant": "empty"})],
        }
        for k, day in enumerate(NIGHTS[1:], start=2):
            sim.clear_faults()
            for host, kind, on, params in plan.get(day, []):
                if host == "fred":
                    sim.set_fault(host, kind, paths=["CPIAUCSL"], **params)
                else:
                    sim.set_fault(host, kind, roles=on, **params)
            if day != D2:
                sim.set_fault("itjobswatch", "scaled", roles=[ids["compound"], ids["shift"]],
                              by_role=((ids["compound"], COMPOUND_FACTOR ** (k - 1)), (ids["shift"], SHIFT_FACTOR)))
            sim.set_as_of(day)
            summaries[day] = night(home, tmp / "roles", config, day, sim.base_urls())
        yield {"db": db, "roles": roles, "ids": ids, "summaries": summaries, "home": home,
               "stored_series": stored_series}


# --------------------------------------------------------------------------- helpers

def _aijri(world, key: str) -> dict[date, tuple[float, str]]:
    return {d: (a, z) for d, a, z in rows(world["db"], "SELECT as_of, aijri, zone FROM score_history"
                                                       " WHERE role_id = ? ORDER BY as_of", [world["ids"][key]])}


def _evidence(world, key: str, day: date, dimension: str) -> dict:
    [row] = json_rows(world["db"], "SELECT score, origin, status, rationale FROM evidence_history WHERE role_id = ?"
                                   " AND as_of = ? AND dimension = ?", [world["ids"][key], day, dimension])
    return row


def _metric(world, key: str, day: date, metric: str = "postings_yoy_role") -> dict:
    [row] = json_rows(world["db"], "SELECT status, value, observed_to, note FROM metrics WHERE role_id = ? AND"
                                   " as_of = ? AND metric = ? ORDER BY version DESC LIMIT 1",
                      [world["ids"][key], day, metric])
    return row


def _zone_alerts(world, key: str) -> list[dict]:
    return json_rows(world["db"], "SELECT as_of, from_state, to_state FROM alerts WHERE kind IN ('zone', 'sublabel')"
                                  " AND subject = ?", [world["ids"][key]])


def _role(world, key: str):
    return next(r for r in world["roles"] if r.id == world["ids"][key])


def _series(world, key: str) -> str:
    role = _role(world, key)
    return f"itjobswatch:{role.kind}:{role.slug}"


def _page_outcome(world, key: str, day: date) -> str:
    path = world_role(_role(world, key)).page_path
    [(outcome,)] = rows(world["db"], "SELECT outcome FROM fetches WHERE run_id = ? AND url LIKE ?",
                        [world["summaries"][day]["run_id"], "%" + path])
    return outcome


def _current_postings(world, key: str, table: str, day: date) -> list[tuple]:
    """(value, check) of the role's current-period postings fetched on night `day` (period ends day - 1)."""
    if table == "observations":
        return rows(world["db"], "SELECT value, NULL FROM observations WHERE series_key = ? AND metric = 'postings'"
                                 " AND period_end = ?", [_series(world, key), day - timedelta(days=1)])
    return rows(world["db"], "SELECT value, check_name FROM quarantine WHERE series_key = ? AND metric = 'postings'"
                             " AND period_end = ?", [_series(world, key), day - timedelta(days=1)])


# --------------------------------------------------------------------------- 1. failed role-level inputs carry

def test_the_near_green_role_starts_just_above_the_line(world):
    aijri, zone = _aijri(world, "near")[D1]
    assert zone == "Green" and 48.0 <= aijri <= 49.5, aijri


def test_an_access_denied_page_carries_the_dimensions_it_fed_and_raises_no_alert(world):
    assert _page_outcome(world, "near", D2) == "parse_error"
    before = _evidence(world, "near", D1, "job_posting_trends")
    jpt = _evidence(world, "near", D2, "job_posting_trends")
    assert jpt["origin"] == "carried", jpt
    assert jpt["score"] == before["score"], (before, jpt)
    assert "postings_yoy_role" in jpt["status"], jpt
    wage = _evidence(world, "near", D2, "wage_trends")
    assert wage["origin"] == "carried" and "request_failed" in wage["status"], wage
    assert _aijri(world, "near")[D2] == _aijri(world, "near")[D1]
    assert [a for a in _zone_alerts(world, "near") if a["as_of"] <= D3] == []


def test_an_empty_body_carries_job_posting_trends(world):
    assert _page_outcome(world, "empty", D3) == "parse_error"
    jpt = _evidence(world, "empty", D3, "job_posting_trends")
    assert jpt["origin"] == "carried" and "postings_yoy_role" in jpt["status"], jpt
    assert jpt["score"] == _evidence(world, "empty", D2, "job_posting_trends")["score"]
    assert _aijri(world, "empty")[D3] == _aijri(world, "empty")[D2]


def test_a_failed_bls_answer_carries_every_roles_wage_trends(world):
    """Not only IT Jobs Watch: the OEWS answer (a role-level input of Wage Trends) failed for all."""
    outcomes = {o for (o,) in rows(world["db"], "SELECT outcome FROM fetches WHERE run_id = ? AND source = 'bls'",
                                   [world["summaries"][D2]["run_id"]])}
    assert outcomes == {"parse_error"}
    for role in world["roles"]:
        [(origin, status)] = rows(world["db"], "SELECT origin, status FROM evidence_history WHERE role_id = ? AND"
                                               " as_of = ? AND dimension = 'wage_trends'", [role.id, D2])
        assert origin == "carried" and "salary_yoy" in status and "oews" in status, (role.id, origin, status)


def test_no_zone_alert_comes_from_a_failed_request(world):
    for key in ("near", "empty"):
        assert _zone_alerts(world, key) == [], key


# --------------------------------------------------------------------------- 2. future-dated payloads

def test_a_future_dated_page_is_rejected_at_validation(world):
    stored = rows(world["db"], "SELECT count(*) FROM observations WHERE period_end > ?", [D5 + timedelta(days=7)])
    assert stored == [(1,)], "only the row planted as stored before the fix is in the future"
    checks = {c for (c,) in rows(world["db"], "SELECT check_name FROM quarantine WHERE series_key = ? AND"
                                              " period_end = ?", [_series(world, "future"), FUTURE_END])}
    assert checks == {"plausibility:future_period"}, checks
    fred = {c for (c,) in rows(world["db"], "SELECT check_name FROM quarantine WHERE series_key = 'fred:CPIAUCSL'"
                                            " AND period_end > ?", [D5])}
    assert fred == {"plausibility:future_period"}, fred


def test_a_future_dated_payload_never_freezes_its_series(world):
    backwards = json_rows(world["db"], "SELECT series_key, period_end, run_id FROM quarantine"
                                       " WHERE check_name LIKE '%backwards%'")
    assert backwards == []
    for key, day in (("future", D3), ("stored", D2), ("stored", D5)):
        m = _metric(world, key, day)
        assert m["status"] == "ok" and m["observed_to"] == day - timedelta(days=1), (key, day, m)
    for day in NIGHTS[1:]:
        assert _current_postings(world, "stored", "observations", day), day


# --------------------------------------------------------------------------- 3. the jump guard

def test_a_count_compounding_by_4_9_a_night_is_held_every_night(world):
    for day in NIGHTS[1:]:
        assert _current_postings(world, "compound", "observations", day) == [], day
        held = _current_postings(world, "compound", "quarantine", day)
        assert held and all("overnight_jump" in c for _, c in held), (day, held)
    [(peak,)] = rows(world["db"], "SELECT max(value) FROM observations WHERE series_key = ? AND metric = 'postings'"
                                  " AND period_end >= ?", [_series(world, "compound"), D1 - timedelta(days=1)])
    [(base, _)] = _current_postings(world, "compound", "observations", D1)
    assert peak == base, (peak, base)  # nothing above D1's level was ever stored
    scores = _aijri(world, "compound")
    assert {scores[d] for d in NIGHTS} == {scores[D1]}
    assert _zone_alerts(world, "compound") == []


def test_a_one_night_fall_is_held_and_moves_no_score(world):
    held = _current_postings(world, "fall", "quarantine", D2)
    assert held and all("overnight_jump" in c for _, c in held), held
    assert _current_postings(world, "fall", "observations", D2) == []
    assert _current_postings(world, "fall", "observations", D3), "the next good night is accepted"
    m = _metric(world, "fall", D2)
    assert m["status"] == "ok" and m["value"] == _metric(world, "fall", D1)["value"], m
    assert _aijri(world, "fall")[D2] == _aijri(world, "fall")[D1]
    assert _zone_alerts(world, "fall") == []


def test_a_confirmed_level_shift_is_accepted_after_three_nights(world):
    for day in (D2, D3):
        assert _current_postings(world, "shift", "observations", day) == [], day
        assert _current_postings(world, "shift", "quarantine", day), day
    assert _aijri(world, "shift")[D3] == _aijri(world, "shift")[D1]
    for day in (D4, D5):
        [(value, _)] = _current_postings(world, "shift", "observations", day)
        [(old, _)] = _current_postings(world, "shift", "observations", D1)
        assert value / old == pytest.approx(SHIFT_FACTOR, rel=0.05), (day, value, old)
        assert _current_postings(world, "shift", "quarantine", day) == [], day
        m = _metric(world, "shift", day)
        assert m["status"] == "ok" and m["observed_to"] == day - timedelta(days=1), (day, m)
    assert _metric(world, "shift", D4)["value"] > _metric(world, "shift", D1)["value"] + 1.0
