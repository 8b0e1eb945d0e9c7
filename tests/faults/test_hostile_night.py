"""Hostile nights (issue 14): what a night does with input and events meant to hang it, mis-score it
or hide its failure - through the real nightly flow against the simulated sources.

* a FIFO, an oversized file and a FIFO in place of `expert-claims.yaml` in the catalogue: catalogue
  errors naming them, and the night goes on without them (a child process, so a hang cannot hang the suite);
* SIGTERM to a nightly child (`sim.nightrun`) blocked in plan, while fetching and while refreshing:
  it ends promptly (the host stops being asked), exit code 143, the run `interrupted`, nothing lost,
  and the rerun completes;
* two role files with the same id: neither changes the role, both are named, no zone alert;
* a future as-of: refused (flow and CLI); forced, it never becomes latest (warehouse, copy, site) nor
  moves the alert cursor past a later ordinary night's crossing;
* the raw archive unwritable while fetching (`raw/` replaced by a directory whose 256 prefix entries
  are files, which stops root too): `jobzone run` prints one line, exits 3, the run is `failed`, the
  publication stands, and the next night recovers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from core.errors import JobzoneError
from sim import catalogue_gen
from sim.nightrun import child_env, command
from sim.simserver import SimServer
from tests.faults.conftest import FAST_INTERVALS, night
from tests.support.checks import lost_or_changed, rows, snapshot, tree_digest
from tests.support.child import run_child
from tests.support.samples import demo_samples_copy

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TODAY = date.today()
#: a child's hang-stop: far beyond any night here, it only ends a child that ignored what it was sent
HANG_STOP = 240.0


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """One real Prefect server for every child (an ephemeral one costs ~15 s per child)."""
    from flows.server import local_prefect_server

    with local_prefect_server(log_path=tmp_path_factory.mktemp("prefect") / "server.log", timeout=120) as url:
        yield url


def _child(cmd: list[str], env: dict[str, str], *, term_on: str | None = None) -> tuple[int, list[str]]:
    """Run a child to its end; with `term_on`, SIGTERM it once a line starting with that text appears."""
    seen: list[str] = []
    sent_after: list[int] = []

    def on_line(proc, line: str) -> None:
        seen.append(line)
        if term_on and line.startswith(term_on) and not sent_after:
            proc.send_signal(signal.SIGTERM)
            sent_after.append(len(seen))

    code, lines = run_child(cmd, env, cwd=REPO, hang_stop=HANG_STOP, on_line=on_line)
    if sent_after:  # the transcript says where the signal went in
        lines.insert(sent_after[0], "SIGTERM sent")
    return code, lines


def _result(lines: list[str]) -> dict:
    assert lines and lines[-1].startswith("RESULT "), "\n".join(lines[-30:])
    return json.loads(lines[-1][len("RESULT "):])


# --------------------------------------------------------------------------- 1. files that would hang a night

def test_fifos_and_an_oversized_file_in_the_catalogue_are_errors_and_the_night_goes_on(tmp_path, prefect_api):
    roles = catalogue_gen.write_catalogue(tmp_path / "roles", 4, seed=51, as_of=TODAY - timedelta(days=3))
    os.mkfifo(tmp_path / "roles" / "zz-stray.yaml")  # nobody ever writes to it: a read would wait for ever
    (tmp_path / "roles" / "big.yaml").write_text("# padding\n" * 300_000)  # 3 MB
    (tmp_path / "roles" / "expert-claims.yaml").unlink()
    os.mkfifo(tmp_path / "roles" / "expert-claims.yaml")
    day = TODAY - timedelta(days=2)
    with SimServer(roles, as_of=day, intervals=FAST_INTERVALS) as sim:
        config = sim.write_settings(tmp_path / "settings.toml", read_timeout=1.0)
        env = child_env(tmp_path / "ph", {"PREFECT_API_URL": prefect_api})
        code, lines = _child(command(tmp_path / "home", tmp_path / "roles", config, day.isoformat(),
                                     sim.base_urls()), env)
    assert code == 0, "\n".join(lines[-30:])
    summary = _result(lines)
    assert summary["status"] == "degraded"
    errors = "\n".join(summary["catalogue_errors"])
    assert "zz-stray.yaml: not a regular file" in errors, errors
    assert "big.yaml: " in errors and "over the" in errors, errors
    assert "expert-claims.yaml: not a regular file" in errors, errors
    scored = {r for (r,) in rows(tmp_path / "home" / "warehouse.duckdb", "SELECT role_id FROM aijri_results")}
    assert scored == {r.id for r in roles}


@pytest.fixture(scope="module")
def term_base(tmp_path_factory, prefect_api):
    """A home after one good night, and a world whose IT Jobs Watch host is slow enough to be caught fetching."""
    tmp = tmp_path_factory.mktemp("sigterm")
    d0, d1 = TODAY - timedelta(days=3), TODAY - timedelta(days=2)
    roles = catalogue_gen.write_catalogue(tmp / "roles", 16, seed=52, as_of=d0)
    with SimServer(roles, as_of=d0, intervals={**FAST_INTERVALS, "itjobswatch": 0.5}) as sim:
        config = sim.write_settings(tmp / "settings.toml", read_timeout=1.0)
        env = child_env(tmp / "ph", {"PREFECT_API_URL": prefect_api})
        code, lines = _child(command(tmp / "base", tmp / "roles", config, d0.isoformat(), sim.base_urls()), env)
        assert code == 0, "\n".join(lines[-30:])
        sim.set_as_of(d1)
        yield {"tmp": tmp, "roles": roles, "sim": sim, "config": config, "env": env, "d1": d1}


#: (where, how): pause the child at a stage report and SIGTERM it there, or SIGTERM it on a line
TERM_POINTS = {"plan": ("pause", "plan:running"), "fetching": ("line", "itjobswatch"),
               "refresh": ("pause", "refresh:running")}


@pytest.mark.parametrize("point", list(TERM_POINTS))
def test_sigterm_at_any_point_ends_the_night_promptly_recorded_as_interrupted(term_base, point):
    how, where = TERM_POINTS[point]
    tmp, sim, d1 = term_base["tmp"], term_base["sim"], term_base["d1"]
    home = tmp / f"home-{point}"
    shutil.copytree(tmp / "base", home)
    db = home / "warehouse.duckdb"
    before = snapshot(db)
    published = {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")}
    cmd = command(home, tmp / "roles", term_base["config"], d1.isoformat(), sim.base_urls(),
                  pause_at=where if how == "pause" else None)
    term_on = "PAUSED" if how == "pause" else f"STAGE fetch {sim.netloc('itjobswatch')} running"
    sim.reset_hits()
    code, lines = _child(cmd, term_base["env"], term_on=term_on)
    assert "SIGTERM sent" in lines, "\n".join(lines[-30:])
    # 143 = 128 + SIGTERM: the documented exit code of an interrupted night (README, Commands)
    assert code == 143, f"exit code {code}\n" + "\n".join(lines[-30:])
    runs = rows(db, "SELECT run_id, status, summary FROM runs WHERE as_of = ?", [d1])
    assert [s for _, s, _ in runs] == ["interrupted"], runs
    assert "SIGTERM" in runs[0][2]
    assert lost_or_changed(before, snapshot(db)) == {}
    assert {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")} == published
    run_id = runs[0][0]
    for table in ("observations", "evidence_scores", "aijri_results"):  # the refresh never committed
        assert rows(db, f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id]) == [(0,)], table
    if point == "fetching":
        # Promptly: the host stops being asked at its next request, far short of every role's page.
        pages = [h for h in sim.hits("itjobswatch") if h.path.endswith(".do")]
        assert len(pages) < len(term_base["roles"]) // 2, len(pages)
    code, lines = _child(command(home, tmp / "roles", term_base["config"], d1.isoformat(), sim.base_urls()),
                         term_base["env"])
    assert code == 0 and _result(lines)["status"] in ("completed", "degraded"), "\n".join(lines[-30:])
    assert rows(db, "SELECT count(*) FROM aijri_results WHERE as_of = ?", [d1]) == [(len(term_base["roles"]),)]


# --------------------------------------------------------------------------- 2. two files, one id

def test_two_role_files_with_one_id_leave_that_role_standing_and_alert_nothing(tmp_path):
    d1, d2, d3 = TODAY - timedelta(days=3), TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    roles = catalogue_gen.write_catalogue(tmp_path / "roles", 5, seed=53, as_of=d1)
    target = roles[0]
    home, db = tmp_path / "home", tmp_path / "home" / "warehouse.duckdb"
    with SimServer(roles, as_of=d1, intervals=FAST_INTERVALS) as sim:
        config = sim.write_settings(tmp_path / "settings.toml", read_timeout=1.0)
        night(home, tmp_path / "roles", config, d1, sim.base_urls())
        standing = rows(db, "SELECT as_of, aijri, zone FROM latest_scores WHERE role_id = ?", [target.id])
        # A stray older copy that sorts first ('-' < '.'), every task fully automatable.
        doc = yaml.safe_load((tmp_path / "roles" / f"{target.id}.yaml").read_text())
        for task in doc["tasks"]:
            task.update(score=5, involvement="DISPLACEMENT")
        for dim in doc["evidence"].values():
            dim["score"] = -2
        stray = tmp_path / "roles" / f"{target.id}-old.yaml"
        stray.write_text(yaml.safe_dump(doc, sort_keys=False))
        sim.set_as_of(d2)
        second = night(home, tmp_path / "roles", config, d2, sim.base_urls())
        during = rows(db, "SELECT as_of, aijri, zone FROM latest_scores WHERE role_id = ?", [target.id])
        stray.unlink()
        sim.set_as_of(d3)
        third = night(home, tmp_path / "roles", config, d3, sim.base_urls())
    assert second["status"] == "degraded"
    named = [e for e in second["catalogue_errors"] if "duplicate id" in e]
    assert named and f"{target.id}-old.yaml" in named[0] and f"{os.sep}{target.id}.yaml" in named[0], \
        second["catalogue_errors"]
    assert target.id not in second["score"]["scores"]
    assert during == standing  # its standing result stays the latest
    assert rows(db, "SELECT count(*) FROM aijri_results WHERE role_id = ? AND as_of = ?", [target.id, d2]) == [(0,)]
    assert rows(db, "SELECT count(*) FROM evidence_scores WHERE role_id = ? AND as_of = ?", [target.id, d2]) == [(0,)]
    assert rows(db, "SELECT count(*) FROM alerts WHERE subject = ?", [target.id]) == [(0,)]
    others = {r.id for r in roles} - {target.id}
    assert {r for (r,) in rows(db, "SELECT role_id FROM aijri_results WHERE as_of = ?", [d2])} == others
    assert third["status"] == "completed" and target.id in third["score"]["scores"]
    # The standing result was the one in force until the stray went: the role's history has no d2.
    assert [d for (d,) in rows(db, "SELECT as_of FROM score_history WHERE role_id = ? ORDER BY as_of", [target.id])] \
        == [standing[0][0], d3]


# --------------------------------------------------------------------------- 3. a future as-of

@pytest.fixture(scope="module")
def future_world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("future")
    d1 = TODAY - timedelta(days=2)
    roles = catalogue_gen.write_catalogue(tmp / "roles", 5, seed=54, as_of=d1)
    with SimServer(roles, as_of=d1, intervals=FAST_INTERVALS) as sim:
        config = sim.write_settings(tmp / "settings.toml", read_timeout=1.0)
        night(tmp / "base", tmp / "roles", config, d1, sim.base_urls())
        yield {"tmp": tmp, "roles": roles, "sim": sim, "config": config, "d1": d1}


def test_a_future_as_of_is_refused_and_changes_nothing(future_world, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(future_world["tmp"] / "base", home)
    before = snapshot(home / "warehouse.duckdb")
    future = TODAY + timedelta(days=30)
    with pytest.raises(JobzoneError, match=f"as_of {future}.*in the future"):
        night(home, future_world["tmp"] / "roles", future_world["config"], future, future_world["sim"].base_urls())
    assert snapshot(home / "warehouse.duckdb") == before
    for args in (["run", "--demo", "--as-of", str(future)], ["score", "--as-of", str(future)]):
        out = CliRunner().invoke(_app(), ["--home", str(home), *args])
        assert out.exit_code == 2, out.output
        assert out.stderr.count("\n") == 1 and out.stderr.startswith(f"error: --as-of {future}: "), out.stderr
    assert snapshot(home / "warehouse.duckdb") == before


def _app():
    from cli.app import app

    return app


def test_a_forced_future_night_never_becomes_latest_nor_moves_the_alert_cursor(future_world, tmp_path):
    from flows.nightly import nightly

    tmp, sim, roles = future_world["tmp"], future_world["sim"], future_world["roles"]
    home, db = tmp_path / "home", tmp_path / "home" / "warehouse.duckdb"
    shutil.copytree(tmp / "base", home)
    catalogue = tmp_path / "roles"
    shutil.copytree(tmp / "roles", catalogue)
    before = snapshot(db)
    published = {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")}
    future, d2 = TODAY + timedelta(days=30), TODAY - timedelta(days=1)
    sim.set_as_of(future)
    forced = nightly(home=str(home), catalogue=str(catalogue), config=str(future_world["config"]),
                     as_of=future.isoformat(), base_urls=sim.base_urls(), force_as_of=True)
    # Its results are in a what-if home of its own; the shared warehouse and publication are untouched.
    what_if = Path(forced["what_if_home"])
    assert what_if != home and rows(what_if / "warehouse.duckdb", "SELECT count(*) FROM aijri_results"
                                    " WHERE as_of = ?", [future]) == [(len(roles),)]
    assert snapshot(db) == before
    assert {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")} == published

    # The next ordinary night: one role moved far across a zone boundary by an analyst's edit.
    (rid, zone), = rows(db, "SELECT role_id, zone FROM latest_scores ORDER BY aijri DESC LIMIT 1")
    path = catalogue / f"{rid}.yaml"
    doc = yaml.safe_load(path.read_text())
    for task in doc["tasks"]:
        task.update(score=5 if zone != "Red" else 1, involvement="DISPLACEMENT" if zone != "Red" else "NOT INVOLVED")
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    sim.set_as_of(d2)
    ordinary = night(home, catalogue, future_world["config"], d2, sim.base_urls())
    assert ordinary["status"] in ("completed", "degraded")
    for where in (db, home / "published" / "warehouse.duckdb"):
        assert {d for (d,) in rows(where, "SELECT DISTINCT as_of FROM latest_scores")} == {d2}, where
    index = json.loads((home / "site" / "index.json").read_text())
    assert str(future) not in json.dumps(index) and str(d2) in json.dumps(index)
    alerts = rows(db, "SELECT subject, as_of, from_state, to_state FROM alerts WHERE kind = 'zone'")
    assert [(s, a) for s, a, _, _ in alerts] == [(rid, d2)], alerts
    assert rows(db, "SELECT max(as_of) FROM runs WHERE status IN ('completed', 'degraded')") == [(d2,)]


# --------------------------------------------------------------------------- 4. the archive unwritable

def test_an_unwritable_raw_archive_fails_the_run_in_one_line_and_the_next_night_recovers(tmp_path, prefect_api):
    home = tmp_path / "home"
    env = child_env(tmp_path / "ph", {"PREFECT_API_URL": prefect_api})
    cli = [sys.executable, "-m", "cli", "--home", str(home), "run", "--demo"]
    first = subprocess.run(cli, env=env, capture_output=True, text=True, cwd=str(REPO), timeout=HANG_STOP)
    assert first.returncode == 4, first.stderr[-3000:]  # the demo night is degraded (two 404s): exit 4
    published = {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")}
    samples = demo_samples_copy(tmp_path / "samples")
    page = samples / "itjobswatch" / "mlops_permanent_uk_2026-03-02.html"
    page.write_text(page.read_text().replace('<td class="fig">185</td>', '<td class="fig">190</td>', 1))
    # The archive full: every sha256 prefix directory is taken by a file, so no body can be stored
    # (chmod would not stop root). The night-1 archive is kept aside, not lost.
    (home / "raw").rename(tmp_path / "raw-kept")
    (home / "raw").mkdir()
    for i in range(256):
        (home / "raw" / f"{i:02x}").write_bytes(b"")
    night2 = cli + ["--samples", str(samples), "--as-of", "2026-03-03"]
    failed = subprocess.run(night2, env=env, capture_output=True, text=True, cwd=str(REPO), timeout=HANG_STOP)
    errors = [ln for ln in failed.stderr.splitlines() if ln.startswith("error:")]
    assert failed.returncode == 3, failed.stderr[-3000:]
    assert len(errors) == 1 and "Traceback" not in failed.stderr + failed.stdout, failed.stderr[-3000:]
    assert "fetch" in errors[0] and str(home / "raw") in errors[0], errors[0]
    (status, summary), = rows(home / "warehouse.duckdb", "SELECT status, summary FROM runs WHERE as_of = ?",
                              [date(2026, 3, 3)])
    assert status == "failed" and str(home / "raw") in summary
    assert {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")} == published

    shutil.rmtree(home / "raw")
    (tmp_path / "raw-kept").rename(home / "raw")
    again = subprocess.run(night2, env=env, capture_output=True, text=True, cwd=str(REPO), timeout=HANG_STOP)
    assert again.returncode == 4, again.stderr[-3000:]
    statuses = sorted(s for (s,) in rows(home / "warehouse.duckdb", "SELECT status FROM runs WHERE as_of = ?",
                                         [date(2026, 3, 3)]))
    assert statuses == ["degraded", "failed"]
    assert rows(home / "warehouse.duckdb", "SELECT count(*) FROM observations WHERE source = 'itjobswatch'"
                " AND subject = 'mlops' AND metric = 'postings' AND value = 190") == [(1,)]
