"""Two processes: an analyst holding the published copy open while the nightly publishes.

(a) A reader that keeps one read-only connection open all night, and one that reconnects in a
    tight loop, query while the nightly publishes twice: both publishes succeed, no query errors,
    and the long-lived session keeps seeing its snapshot (os.replace leaves its inode readable).
(b) After publishing, a new reader process sees the new data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.publish.publish_helpers import GENERATED_AT, NIGHTS, advance
from flows.steps.publish import publish_night

pytestmark = pytest.mark.slow

READER = r"""
import json, os, sys, time
import duckdb

path, ready, stop, mode = sys.argv[1:5]
errors, seen, queries = [], [], 0
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        con = held or duckdb.connect(path, read_only=True)
        try:
            n, last = con.execute("SELECT count(*), max(as_of)::VARCHAR FROM score_history").fetchone()
            con.execute("SELECT * FROM latest_scores JOIN evidence_history USING (role_id)").fetchall()
        finally:
            if held is None:
                con.close()
        queries += 1
        if not seen or seen[-1] != [n, last]:
            seen.append([n, last])
    except Exception as exc:  # every failure is reported, none is retried away
        errors.append(repr(exc))
    if queries and not os.path.exists(ready):
        open(ready, "w").close()
    if os.path.exists(stop):
        break
    time.sleep(0.002)
print(json.dumps({"queries": queries, "errors": errors[:5], "n_errors": len(errors), "seen": seen}))
"""


def _reader(copy: Path, tmp: Path, mode: str) -> tuple[subprocess.Popen, Path, Path]:
    ready, stop = tmp / f"{mode}.ready", tmp / f"{mode}.stop"
    proc = subprocess.Popen([sys.executable, "-c", READER, str(copy), str(ready), str(stop), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, ready, stop


def _wait_for(paths: list[Path], procs: list[subprocess.Popen], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"reader exited early: {proc.stderr.read()}")
        assert time.monotonic() < deadline, "readers did not start"
        time.sleep(0.02)


def _open_files(pid: int) -> list[tuple[str, int]]:
    """(link target, inode) of every file the process has open (Linux /proc)."""
    out = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            out.append((os.readlink(fd), os.stat(fd).st_ino))
        except OSError:
            continue
    return out


def _publish(home, catalogue):
    con = duckdb.connect(str(home.warehouse))
    try:
        return publish_night(con, home, catalogue=catalogue, generated_at=GENERATED_AT)
    finally:
        con.close()


def test_analyst_sessions_survive_two_publishes_and_new_readers_see_new_data(data_home, templates, catalogue,
                                                                               tmp_path):
    _publish(data_home, catalogue)  # night 2 is what the analysts open
    holder = _reader(data_home.analyst_copy, tmp_path, "hold")
    looper = _reader(data_home.analyst_copy, tmp_path, "reconnect")
    procs = [holder[0], looper[0]]
    inodes = [os.stat(data_home.analyst_copy).st_ino]
    try:
        _wait_for([holder[1], looper[1]], procs)
        for nights in (3, 4):
            advance(data_home, templates, nights)
            time.sleep(0.2)  # let the readers query the old copy for a while
            pub = _publish(data_home, catalogue)  # must not fail while the copy is held open
            assert pub.analyst_copy == data_home.analyst_copy
            inodes.append(os.stat(data_home.analyst_copy).st_ino)
            time.sleep(0.2)
        # Each publish put a new file (inode) in place; the holder still has the first one open,
        # now unlinked, so its pages can never change under it.
        assert len(set(inodes)) == 3
        held = _open_files(holder[0].pid)
        assert any(target == f"{data_home.analyst_copy} (deleted)" and ino == inodes[0] for target, ino in held), held
    finally:
        for _, _, stop in (holder, looper):
            stop.touch()
        outs = [proc.communicate(timeout=60) for proc in procs]
    results = {}
    for mode, proc, (stdout, stderr) in zip(("hold", "reconnect"), procs, outs):
        assert proc.returncode == 0, stderr
        results[mode] = json.loads(stdout)
        assert results[mode]["n_errors"] == 0, results[mode]["errors"]
        assert results[mode]["queries"] > 10
    # The session opened before the publishes still reads its own snapshot, undisturbed.
    assert results["hold"]["seen"] == [[6, NIGHTS[1].isoformat()]]
    # The reconnecting reader only ever saw complete copies, in order, ending on the newest.
    seen = results["reconnect"]["seen"]
    assert seen[0] == [6, NIGHTS[1].isoformat()] and seen[-1] == [12, NIGHTS[3].isoformat()]
    assert all(s in ([6, NIGHTS[1].isoformat()], [9, NIGHTS[2].isoformat()], [12, NIGHTS[3].isoformat()])
               for s in seen)

    # (b) A new analyst process opened after the publish sees the new data.
    fresh = subprocess.run(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True);"
         " print(c.execute('SELECT count(*), max(as_of)::VARCHAR FROM score_history').fetchone())",
         str(data_home.analyst_copy)], capture_output=True, text=True, timeout=60)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.strip() == f"(12, '{NIGHTS[3].isoformat()}')"


def test_jobzone_sql_reads_the_published_copy_while_another_analyst_holds_it(data_home, catalogue, tmp_path):
    _publish(data_home, catalogue)
    holder, ready, stop = _reader(data_home.analyst_copy, tmp_path, "hold")
    try:
        _wait_for([ready], [holder])
        done = subprocess.run([sys.executable, "-m", "cli", "--home", str(data_home.root), "sql",
                               "SELECT count(*) AS n FROM latest_scores", "--json"],
                              capture_output=True, text=True, timeout=120)
        # The nightly's own writer is not blocked by readers of the copy either.
        con = duckdb.connect(str(data_home.warehouse))
        con.execute("CHECKPOINT")
        con.close()
    finally:
        stop.touch()
        out, err = holder.communicate(timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"n": 3}]
    assert json.loads(out)["n_errors"] == 0
