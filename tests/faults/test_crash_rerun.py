"""`kill -9` of the nightly at five chosen points and three random moments, then a rerun of the same night.

The nightly runs in a child process (`python -m sim.nightrun`, the real
`flows.nightly.nightly`), which reports each stage on stdout; `--pause-at <stage>:<status>` makes
it stop right after reporting that stage, and the test SIGKILLs it there; `JOBZONE_CRASH_AT`
makes the child SIGKILL itself at a crash point inside a step (`core.faults.crash_point`):

* `refresh:running`            - the fetch log is committed, tonight's observations/evidence are not;
* `refresh:after-observations` - inside the refresh transaction, after the observations write;
* `score:done`                 - evidence and AIJRI results committed, nothing published;
* `alert:running`              - scored, the night's alert neither recorded nor delivered, nothing published;
* `publish:between-swaps`      - the alert delivered and the run closed (a night publishes its final
                                 records), the analyst copy swapped in, the marts and the site not yet.

and three kills from outside at random moments: uniform over the first 80 % of the same night's
working span (first stage report to result, measured by running it cleanly on a copy), seeded: the
seed is in every failure message, and `JOBZONE_KILL_SEED=<seed>` replays it.

Every scenario starts from a copy of the same home after one good night. Afterwards: nothing
already in the warehouse was lost or changed, the previously published site and analyst copy are
untouched until a night completes, and the rerun completes with no duplicate AIJRI history, no
duplicate observations and the night's alert delivered exactly once.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.faults.conftest import FAST_INTERVALS
from sim import catalogue_gen
from tests.support.checks import lost_or_changed, one_per_key, rows, snapshot, tree_digest
from sim.nightrun import child_env, command
from sim.simserver import SimServer
from tests.support.webhook import Webhook

pytestmark = pytest.mark.slow

D0 = date(2026, 6, 30)
D1 = D0 + timedelta(days=1)
#: (how, where): `pause` = SIGKILL from outside after the child reports that stage; `crash` = the child
#: SIGKILLs itself at that `JOBZONE_CRASH_AT` crash point (inside a transaction, between two renames)
KILL_SEED = int(os.environ.get("JOBZONE_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
KILL_POINTS = (("pause", "refresh:running"), ("crash", "refresh:after-observations"), ("pause", "score:done"),
               ("pause", "alert:running"), ("crash", "publish:between-swaps"),
               ("random", "random-1"), ("random", "random-2"), ("random", "random-3"))
#: points at which nothing of tonight may be published yet
BEFORE_PUBLISH = ("refresh:running", "refresh:after-observations", "score:done", "alert:running")
#: points at which the night's alert is delivered and its run closed already (it was publishing)
AFTER_CLOSE = ("publish:between-swaps",)


def _run_child(cmd: list[str], env: dict[str, str], pause: bool, timeout: float = 180.0,
               kill_after: float | None = None, stamps: list[float] | None = None) -> tuple[int, list[str]]:
    """Run a nightly child; with `pause`, SIGKILL it as soon as it reports PAUSED; with
    `kill_after`, SIGKILL it that many seconds after it started, wherever it is. `stamps`
    receives each output line's time since the start."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=str(Path(__file__).resolve().parents[2]))
    lines: list[str] = []
    assert proc.stdout is not None
    timer = threading.Timer(kill_after, proc.send_signal, (signal.SIGKILL,)) if kill_after is not None else None
    if timer is not None:
        timer.start()
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if stamps is not None:
                stamps.append(time.monotonic() - started)
            if pause and line.startswith("PAUSED"):
                os.kill(proc.pid, signal.SIGKILL)
                break
        code = proc.wait(timeout=timeout)
    finally:
        if timer is not None:
            timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, lines


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """One real Prefect server for every child (an ephemeral one would cost ~15 s per child)."""
    from flows.server import local_prefect_server

    log = tmp_path_factory.mktemp("prefect-server") / "server.log"
    with local_prefect_server(log_path=log, timeout=120) as url:
        yield url


@pytest.fixture(scope="module")
def base(tmp_path_factory, prefect_api):
    tmp = tmp_path_factory.mktemp("crash")
    roles = catalogue_gen.write_catalogue(tmp / "roles", 8, seed=21, as_of=D0)
    with SimServer(roles, as_of=D0, intervals=FAST_INTERVALS) as sim:
        config = sim.write_settings(tmp / "settings.toml", read_timeout=1.0, alerts={"source_failure_nights": 1})
        env = child_env(tmp / "prefect-home", {"PREFECT_API_URL": prefect_api})
        env.pop("JOBZONE_ALERT_URLS", None)
        home = tmp / "base-home"
        code, lines = _run_child(command(home, tmp / "roles", config, D0.isoformat(), sim.base_urls()), env, False)
        assert code == 0 and lines[-1].startswith("RESULT "), "\n".join(lines[-20:])
        # The crashed night: the world moved on a day, and the WARN feed is broken (a source alert to deliver).
        sim.advance(1)
        sim.set_fault("github", "layout", paths=["consolidated.csv"])
        # Random kills need that night's working span (first stage report to result; before it is
        # start-up): measured on a throwaway copy, since it is shorter than the first night.
        calibration = tmp / "calibration-home"
        shutil.copytree(home, calibration)
        stamps: list[float] = []
        code, lines = _run_child(command(calibration, tmp / "roles", config, D1.isoformat(), sim.base_urls()), env,
                                 False, stamps=stamps)
        assert code == 0 and lines[-1].startswith("RESULT "), "\n".join(lines[-20:])
        first = next(t for t, ln in zip(stamps, lines) if ln.startswith("STAGE "))
        night_span = (first, stamps[-1])
        yield {"tmp": tmp, "roles": roles, "sim": sim, "config": config, "env": env, "home": home,
               "night_span": night_span}


@pytest.fixture(scope="module", params=KILL_POINTS, ids=[p for _, p in KILL_POINTS])
def crashed(request, base):
    how, point = request.param
    tmp: Path = base["tmp"]
    home = tmp / f"home-{point.replace(':', '-')}"
    shutil.copytree(base["home"], home)
    before = snapshot(home / "warehouse.duckdb")
    published = {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")}
    with Webhook() as hook:
        env = dict(base["env"], JOBZONE_ALERT_URLS=hook.apprise_url("crash-test-token"))
        note = ""
        if how == "pause":
            cmd = command(home, tmp / "roles", base["config"], D1.isoformat(), base["sim"].base_urls(), pause_at=point)
            code, lines = _run_child(cmd, env, pause=True)
            assert any(ln.startswith("PAUSED") for ln in lines), "\n".join(lines[-20:])
        elif how == "crash":
            cmd = command(home, tmp / "roles", base["config"], D1.isoformat(), base["sim"].base_urls())
            code, lines = _run_child(cmd, dict(env, JOBZONE_CRASH_AT=point), pause=False)
        else:
            first, end = base["night_span"]
            delay = first + (end - first) * random.Random(f"{KILL_SEED}-{point}").uniform(0.0, 0.8)
            note = f"JOBZONE_KILL_SEED={KILL_SEED}: killed {delay:.2f} s after start (night from {first:.1f} to {end:.1f} s)"
            cmd = command(home, tmp / "roles", base["config"], D1.isoformat(), base["sim"].base_urls())
            code, lines = _run_child(cmd, env, pause=False, kill_after=delay)
        assert code == -signal.SIGKILL, note + "\n" + "\n".join(lines[-20:])
        stages = [":".join(ln.split()[1:3]) for ln in lines if ln.startswith("STAGE ")]
        note += f" (last stage reported: {stages[-1] if stages else 'none'})"
        after_kill = snapshot(home / "warehouse.duckdb")
        published_after_kill = {"site": tree_digest(home / "site"), "published": tree_digest(home / "published")}
        delivered_after_kill = len(hook.delivered)
        code, rerun_lines = _run_child(command(home, tmp / "roles", base["config"], D1.isoformat(),
                                               base["sim"].base_urls()), env, False)
        assert code == 0 and rerun_lines[-1].startswith("RESULT "), "\n".join(rerun_lines[-30:])
        summary = json.loads(rerun_lines[-1][len("RESULT "):])
        yield {"point": point, "stages": stages, "note": note, "home": home, "db": home / "warehouse.duckdb", "before": before,
               "after_kill": after_kill, "after": snapshot(home / "warehouse.duckdb"), "published": published,
               "published_after_kill": published_after_kill, "summary": summary, "hook": hook,
               "delivered_after_kill": delivered_after_kill, "roles": base["roles"]}


def test_the_kill_loses_and_changes_nothing(crashed):
    assert lost_or_changed(crashed["before"], crashed["after_kill"]) == {}, crashed["note"]
    assert lost_or_changed(crashed["after_kill"], crashed["after"]) == {}, crashed["note"]


def test_the_warehouse_opens_cleanly_after_the_kill(crashed):
    con = duckdb.connect(str(crashed["db"]), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM latest_scores").fetchall()[0][0] == len(crashed["roles"])
    finally:
        con.close()


def test_published_site_and_copy_survive_until_a_night_completes(crashed):
    if crashed["point"] in BEFORE_PUBLISH or not any(s.startswith("publish:") for s in crashed["stages"]):
        assert crashed["published_after_kill"] == crashed["published"], crashed["note"]
    if crashed["point"] == "publish:between-swaps":  # the copy was swapped, the site not yet
        assert crashed["published_after_kill"]["site"] == crashed["published"]["site"]
    if not crashed["point"].startswith("random"):
        # At the chosen points no copy is being written; a random kill may fall mid-copy and leave
        # its temp file (readers never open it, and the next publish removes it: see below).
        assert not [p for p in crashed["published_after_kill"]["published"] if ".tmp-" in p and "marts" not in p]
    site = crashed["home"] / "site"
    assert (site / "index.html").is_file()
    con = duckdb.connect(str(crashed["home"] / "published" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM latest_scores").fetchall()[0][0] == len(crashed["roles"])
    finally:
        con.close()


def test_the_rerun_leaves_no_temporary_files(crashed):
    home = crashed["home"]
    leftovers = [str(p.relative_to(home)) for p in home.rglob("*") if ".tmp-" in p.name]
    assert leftovers == [], crashed["note"]


def test_a_crash_inside_the_refresh_transaction_commits_none_of_it(crashed):
    # The killed run: still `running`, or, killed while publishing, closed before it published.
    killed = [r for (r,) in rows(crashed["db"], "SELECT run_id FROM runs WHERE as_of = ? AND run_id <> ?"
                                 + ("" if crashed["point"] in AFTER_CLOSE else " AND status = 'running'"),
                                 [D1, crashed["summary"]["run_id"]])]
    if crashed["point"].startswith("random"):
        # Wherever the kill fell (even before the run was recorded), the refresh is all or nothing.
        for run in killed:
            observations, evidence = (rows(crashed["db"], f"SELECT count(*) FROM {t} WHERE run_id = ?", [run])[0][0]
                                      for t in ("observations", "evidence_scores"))
            assert (observations > 0) == (evidence > 0), crashed["note"]
        return
    assert killed  # the killed run never finished
    committed = rows(crashed["db"], "SELECT count(*) FROM observations WHERE run_id = ?", killed)[0][0]
    if crashed["point"] == "refresh:after-observations":
        # Killed between the first write and the commit: none of the refresh transaction survives.
        assert committed == 0
        assert rows(crashed["db"], "SELECT count(*) FROM evidence_scores WHERE run_id = ?", killed)[0][0] == 0
    elif crashed["point"] in ("score:done", "publish:between-swaps", "alert:running"):
        assert committed > 0  # killed after the refresh committed: its rows stand, and the rerun adds none


def test_the_rerun_completes_and_publishes_the_night(crashed):
    assert crashed["summary"]["status"] in ("completed", "degraded")
    assert crashed["summary"]["as_of"] == D1.isoformat()
    assert rows(crashed["home"] / "published" / "warehouse.duckdb",
                "SELECT count(*) FROM aijri_results WHERE as_of = ?", [D1])[0][0] == len(crashed["roles"])
    statuses = sorted(s for (s,) in rows(crashed["db"], "SELECT status FROM runs WHERE as_of = ?", [D1]))
    if crashed["point"].startswith("random"):
        # Before the run was recorded: no row; mid-night: `running`; after its finish was recorded
        # (the kill fell between that and the process exit): a second finished row.
        done = [s for s in statuses if s in ("completed", "degraded")]
        assert 1 <= len(done) <= 2 and statuses.count("running") + len(done) == len(statuses) <= 2, \
            (statuses, crashed["note"])
    elif crashed["point"] in AFTER_CLOSE:
        # Killed while publishing: its records were final (the run closed), its publication not; the
        # rerun published the night (above).
        assert len(statuses) == 2 and set(statuses) <= {"completed", "degraded"}, statuses
    else:
        assert statuses in (["completed", "running"], ["degraded", "running"])  # the killed run never completed


def test_no_duplicate_aijri_history_or_observations(crashed):
    db = crashed["db"]
    assert one_per_key(db, "aijri_results", ["role_id", "as_of"], "as_of = ?", [D1]) == [], crashed["note"]
    runs = [r for (r,) in rows(db, "SELECT run_id FROM runs WHERE as_of = ?", [D1])]
    marks = ", ".join("?" for _ in runs)
    # the same request's rows stored by both the killed attempt and the rerun
    dupes = rows(db, "SELECT f.request_key, o.series_key, o.subject, o.metric, o.period_start, o.period_end, count(*)"
                     " FROM observations o JOIN fetches f USING (fetch_id)"
                     f" WHERE o.run_id IN ({marks}) GROUP BY ALL HAVING count(*) > 1", runs)
    assert dupes == [], crashed["note"]


def test_no_duplicate_evidence_history(crashed):
    assert one_per_key(crashed["db"], "evidence_scores", ["role_id", "dimension", "as_of"], "as_of = ?", [D1]) == []


def test_the_nights_alert_is_delivered_exactly_once(crashed):
    hook = crashed["hook"]
    if crashed["point"] in AFTER_CLOSE:  # delivered before the kill: the rerun sends nothing again
        assert crashed["delivered_after_kill"] == len(hook.delivered) >= 1
    elif not crashed["point"].startswith("random"):  # a random kill may fall after the delivery
        assert crashed["delivered_after_kill"] == 0
    titles = [d.json().get("title") for d in hook.delivered]
    assert titles and len(titles) == len(set(titles)), (titles, crashed["note"])
    assert any("warn" in (t or "") for t in titles)
    assert one_per_key(crashed["db"], "alerts", ["alert_id"]) == []
    assert {s for (s,) in rows(crashed["db"], "SELECT status FROM alerts WHERE as_of = ?", [D1])} == {"delivered"}
