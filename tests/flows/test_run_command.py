"""`jobzone run` as a user runs it, in a subprocess: a night with no network, and Ctrl-C.

"No network" without leaving the machine: every proxy variable points at a closed loopback
port, so each source's first connection (its robots.txt) is refused, as with no route out;
NO_PROXY keeps Prefect's own loopback API direct.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import duckdb
import pytest

from core.paths import REPO_ROOT
from scrapers.registry import SOURCES
from tests.support.child import run_child

pytestmark = pytest.mark.slow

#: far beyond any night here: it only ends a child that ignored what it was sent
HANG_STOP = 300.0
NETWORK_HOSTS = ("www.itjobswatch.co.uk", "api.bls.gov", "raw.githubusercontent.com", "fred.stlouisfed.org")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on return: connections to it are refused


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"), **extra)
    env.pop("PREFECT_API_URL", None)
    return env


def _run(cmd: list[str], env: dict[str, str], *, on_line=None) -> tuple[int, list[str]]:
    return run_child(cmd, env, cwd=REPO_ROOT, hang_stop=HANG_STOP, on_line=on_line)


@pytest.fixture
def fast_config(tmp_path):
    text = (REPO_ROOT / "core" / "settings.toml").read_text().replace("retries = 3", "retries = 0").replace(
        "host_retries = 2", "host_retries = 0")
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return path


def test_a_night_with_no_network_is_degraded_everywhere_exit_4_and_a_warning_per_host(tmp_path, fast_config):
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = _env(tmp_path, HTTPS_PROXY=proxy, HTTP_PROXY=proxy, https_proxy=proxy, http_proxy=proxy,
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", PREFECT_LOGGING_LEVEL="INFO")
    home = tmp_path / "home"
    code, lines = _run([sys.executable, "-m", "cli", "--home", str(home), "--config", str(fast_config), "run"], env)
    text = "\n".join(lines)
    # 4: degraded, documented, distinct from 0 (completed) and 3 (failed).
    assert code == 4, text
    readme = (REPO_ROOT / "README.md").read_text()
    assert re.search(r"^\| 4 \| `run`: the night finished \*\*degraded\*\*", readme, re.M)
    for host in NETWORK_HOSTS:
        assert f"⚠ fetch {host}: unreachable" in text, text
        assert f"✓ fetch {host}" not in text
    assert "✓ fetch local-files: ok 1" in text  # the expert claims file still read
    # each failed request is a line of the night's log, not of the terminal
    assert "WARNING" not in text and "scrapers.gather" not in text, text
    notes = (home / "night.log").read_text().splitlines()
    assert re.search(rf"^request notes: {len(notes)} in {re.escape(str(home / 'night.log'))}$", text, re.M), text
    for host in NETWORK_HOSTS:
        assert any(host in line and ": unreachable" in line for line in notes), (host, notes)
    # every source that asks the web failed; the local claims file did not
    web = ", ".join(sorted(name for name, source in SOURCES.items() if source.hosts))
    assert "claims" in SOURCES and "claims" not in web
    assert re.search(rf"^⚠ finish: degraded \(failing sources: {web}\)$", text, re.M), text
    assert f"status: degraded (failing sources: {web})" in text
    # No link to a Prefect UI: the night's server serves none, and it is gone when the command ends.
    assert "View at" not in text and "/runs/flow-run/" not in text
    (status, stored), = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True).execute(
        "SELECT status, summary FROM runs").fetchall()
    assert status == "degraded" and json.loads(stored)["failing_sources"] == web.split(", ")
    # Nothing moves on such a night: under rubric-v2 every dimension reads a web source (Expert
    # Consensus the BLS projections beside the local claims file), so each is carried at its
    # published value with the failed request named, never recomputed from what is left; MLOps
    # stays at its published 42.6.
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    rows = con.execute("SELECT dimension, origin, status, score FROM evidence_scores"
                       " WHERE role_id = 'mlops-engineer' AND origin <> 'published'").fetchall()
    published = dict(con.execute("SELECT dimension, score FROM evidence_scores"
                                 " WHERE role_id = 'mlops-engineer' AND origin = 'published'").fetchall())
    assert sorted(d for d, *_ in rows) == sorted(published) and len(published) == 5, rows
    assert all(origin == "carried" and state.startswith("request_failed:") and score == published[d]
               for d, origin, state, score in rows), rows
    assert con.execute("SELECT aijri, zone FROM latest_scores WHERE role_id = 'mlops-engineer'").fetchone() == (
        42.6, "Yellow")


def test_ctrl_c_ends_the_night_cleanly_with_exit_130_and_the_run_recorded_interrupted(tmp_path):
    """Ctrl-C in a terminal signals the whole foreground process group, not only `jobzone`."""
    sent = []

    def ctrl_c_after_plan(proc, line):
        if line.startswith("✓ plan") and not sent:
            os.killpg(proc.pid, signal.SIGINT)
            sent.append(line)

    home = tmp_path / "home"
    code, lines = _run([sys.executable, "-m", "cli", "--home", str(home), "run", "--demo"], _env(tmp_path),
                       on_line=ctrl_c_after_plan)
    text = "\n".join(lines)
    assert sent, text
    assert code == 130, text  # documented: 128 + SIGINT
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: interrupted by SIGINT during "), text
    assert "recorded as interrupted" in errors[0]
    # Cleanly: no traceback, no Prefect crash report, no watchdog, no logging to a dead API.
    for noise in ("Traceback", "Crash detected", "did not stop within", "Error logging to API", "ERROR"):
        assert noise not in text, text
    (status, stored), = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True).execute(
        "SELECT status, summary FROM runs").fetchall()
    assert status == "interrupted" and "SIGINT" in stored
    # The night's Prefect server was stopped with it.
    port = int(re.search(r"local server http://127\.0\.0\.1:(\d+)/api", text).group(1))
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
