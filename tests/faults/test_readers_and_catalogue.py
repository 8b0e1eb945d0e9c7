"""An analyst process holding the published copy open through a night, and a role file made invalid
mid-week - through the real nightly flow against the simulated sources.

Nights: D1 good; D2 good while another process holds `published/warehouse.duckdb` open and keeps
querying it; D3 with one role file broken by an analyst's edit; D4 with the file fixed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.faults.conftest import FAST_INTERVALS, night
from sim import catalogue_gen
from tests.support.checks import lost_or_changed, rows, snapshot
from sim.simserver import SimServer

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
D1 = date(2026, 6, 30)
D2, D3, D4 = (D1 + timedelta(days=k) for k in (1, 2, 3))
BROKEN = 3  # index of the role whose file the analyst breaks on D3


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("readers")
    roles = catalogue_gen.write_catalogue(tmp / "roles", 6, seed=31, as_of=D1)
    home = tmp / "home"
    copy = home / "published" / "warehouse.duckdb"
    out: dict = {"tmp": tmp, "roles": roles, "home": home, "db": home / "warehouse.duckdb", "copy": copy}
    with SimServer(roles, as_of=D1, intervals=FAST_INTERVALS) as sim:
        config = sim.write_settings(tmp / "settings.toml", read_timeout=1.0)

        def run(day: date) -> dict:
            sim.set_as_of(day)
            return night(home, tmp / "roles", config, day, sim.base_urls())

        out["n1"] = run(D1)
        stop = tmp / "stop-reader"
        reader = subprocess.Popen([sys.executable, "-m", "tests.support.analyst_reader", str(copy), str(stop)],
                                  cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert reader.stdout is not None and reader.stdout.readline().strip() == "READY"
            out["n2"] = run(D2)
        finally:
            stop.touch()
            stdout, stderr = reader.communicate(timeout=60)
        out["reader"] = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else {"stderr": stderr}

        out["before_broken"] = snapshot(out["db"])
        role_file = tmp / "roles" / f"{roles[BROKEN].id}.yaml"
        good_text = role_file.read_text()
        catalogue_gen.break_role_file(tmp / "roles", roles[BROKEN])
        out["n3"] = run(D3)
        out["after_broken"] = snapshot(out["db"])
        out["site_after_broken"] = sorted(str(p.relative_to(home / "site")) for p in (home / "site").rglob("*.html"))
        out["copy_after_broken"] = rows(copy, "SELECT role_id, as_of FROM latest_scores ORDER BY role_id")
        role_file.write_text(good_text)
        out["n4"] = run(D4)
    yield out
    shutil.rmtree(tmp, ignore_errors=True)


def test_a_night_completes_while_an_analyst_holds_the_copy_open(world):
    assert world["n2"]["status"] == "completed"
    reader = world["reader"]
    assert reader.get("errors") == [], reader
    assert reader["queries"] > 0 and reader["still_open_ok"]


def test_the_open_session_keeps_a_consistent_snapshot_and_new_sessions_see_the_new_night(world):
    reader = world["reader"]
    n_roles = len(world["roles"])
    # every answer the open connection got is one whole night: the old copy, or (after its own swap) none other
    assert all(newest in (str(D1), str(D2)) and latest_n == n_roles for _, newest, latest_n, _ in reader["seen"])
    assert len({newest for _, newest, _, _ in reader["seen"]}) == 1, "one open session, one snapshot"
    assert reader["new_connection"][1] == str(D2)


def test_a_broken_role_file_skips_that_role_only(world):
    n3 = world["n3"]
    broken = world["roles"][BROKEN].id
    assert n3["status"] == "degraded"
    assert any(broken in e for e in n3["catalogue_errors"])
    scored = {r for (r,) in rows(world["db"], "SELECT role_id FROM aijri_results WHERE as_of = ?", [D3])}
    assert scored == {r.id for r in world["roles"]} - {broken}


def test_the_skipped_roles_history_stands(world):
    assert lost_or_changed(world["before_broken"], world["after_broken"]) == {}
    broken = world["roles"][BROKEN].id
    history = rows(world["db"], "SELECT as_of FROM score_history WHERE role_id = ? ORDER BY as_of", [broken])
    assert [d for (d,) in history][:2] == [D1, D2]
    latest = dict(world["copy_after_broken"])
    assert latest[broken] == D2, "the analyst copy still shows the role's last good score"
    assert {d for r, d in latest.items() if r != broken} == {D3}


def test_the_skipped_roles_page_stays_published(world):
    broken = world["roles"][BROKEN].id
    assert any(broken in p for p in world["site_after_broken"]), world["site_after_broken"]


def test_fixing_the_file_brings_the_role_back(world):
    assert world["n4"]["status"] == "completed"
    broken = world["roles"][BROKEN].id
    assert rows(world["db"], "SELECT count(*) FROM aijri_results WHERE role_id = ? AND as_of = ?",
                [broken, D4])[0][0] == 1
