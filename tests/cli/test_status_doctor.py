"""Issue 13: `jobzone status` (last night, failing sources, stale dimensions, pending alerts, lock
holder) and `jobzone doctor` (settings, catalogue, warehouse, each source reachable: loopback only)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.app import app
from core.catalogue import load_catalogue
from core.paths import REPO_ROOT
from core.settings import load_settings
from warehouse.db import connect, transaction
from warehouse.store import write

runner = CliRunner()
NIGHTS = [date(2026, 11, 20), date(2026, 11, 21)]


def run(*args, ok=True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def digest(root):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def _night(con, night: date, itjobswatch_failed: int, status: str = "degraded", finished: bool = True) -> str:
    run_id = f"nightly-{night}"
    start = datetime.combine(night, datetime.min.time(), timezone.utc) + timedelta(hours=2)
    with transaction(con):
        write(con, "runs", pd.DataFrame([{"run_id": run_id, "kind": "nightly", "started_at": start,
                                          "finished_at": start + timedelta(minutes=33, seconds=20) if finished else None,
                                          "status": status, "as_of": night}]))
        write(con, "source_health", pd.DataFrame([
            {"source": "itjobswatch", "run_id": run_id, "as_of": night, "requests": 3, "ok": 3 - itjobswatch_failed,
             "unchanged": 0, "failed": itjobswatch_failed, "outcomes": json.dumps({"unreachable": itjobswatch_failed})},
            {"source": "fred", "run_id": run_id, "as_of": night, "requests": 3, "ok": 3, "unchanged": 0,
             "failed": 0, "outcomes": json.dumps({"ok": 3})}]))
    return run_id


@pytest.fixture
def operated(home):
    """Two nights scored; itjobswatch failing on both; one alert not delivered; a dimension carried."""
    from flows.steps.score import score_stage

    catalogue = load_catalogue()
    con = connect(home.warehouse)
    try:
        for n, night in enumerate(NIGHTS):
            _night(con, night, itjobswatch_failed=2)
            score_stage(con, catalogue, night, f"nightly-{night}")
        with transaction(con):
            write(con, "evidence_scores", pd.DataFrame([{
                "role_id": "mlops-engineer", "dimension": "wage_trends", "as_of": NIGHTS[1], "score": 1,
                "origin": "carried", "status": "stale", "confidence": None, "age_days": 40,
                "inputs": "{}", "rationale": "no salary sample", "rubric_version": "rubric-v1", "rubric_score": None,
                "run_id": f"nightly-{NIGHTS[1]}"}]))
            write(con, "alerts", pd.DataFrame([{
                "alert_id": "zone:mlops-engineer:x", "kind": "zone", "subject": "mlops-engineer", "as_of": NIGHTS[1],
                "from_state": "Yellow", "to_state": "Red", "from_aijri": 25.1, "to_aijri": 24.0,
                "message": "MLOps Engineer: Yellow → Red", "status": "failed", "attempts": 2,
                "last_error": "webhook answered 500", "run_id": f"nightly-{NIGHTS[1]}",
                "created_at": datetime(2026, 11, 21, 2, 40, tzinfo=timezone.utc)}]))
    finally:
        con.close()
    return home


def test_status_shows_the_last_night_failing_sources_stale_dimensions_and_pending_alerts(operated):
    before = digest(operated.root)
    doc = json.loads(run("status", "--json").stdout)
    night = doc["last_night"]
    assert (night["run_id"], night["status"], night["as_of"]) == (f"nightly-{NIGHTS[1]}", "degraded", "2026-11-21")
    assert night["duration_seconds"] == 2000.0 and night["started_at"].startswith("2026-11-21T02:00:00")
    (failing,) = doc["failing_sources"]
    assert (failing["source"], failing["failed"], failing["requests"], failing["nights_failing"]) == \
        ("itjobswatch", 2, 3, 2)
    carried = [s for s in doc["stale_dimensions"] if s["origin"] == "carried"]
    assert carried == [{"role_id": "mlops-engineer", "dimension": "wage_trends", "origin": "carried",
                        "status": "stale", "evidence_as_of": "2026-11-21", "scored_as_of": "2026-11-21",
                        "age_days": 40}]
    assert [a["alert_id"] for a in doc["pending_alerts"]] == ["zone:mlops-engineer:x"]
    assert doc["lock_holder"] is None
    text = run("status").stdout
    assert "last night: degraded" in text and "took 33 min 20 s" in text and "itjobswatch" in text
    assert "wage_trends carried 1" in text and "webhook answered 500" in text and "nightly lock: free" in text
    assert digest(operated.root) == before  # status writes nothing


def test_status_counts_a_failure_streak_only_back_to_the_last_good_night(operated):
    con = connect(operated.warehouse)
    try:
        _night(con, date(2026, 11, 22), itjobswatch_failed=0)
        _night(con, date(2026, 11, 23), itjobswatch_failed=1)
    finally:
        con.close()
    (failing,) = json.loads(run("status", "--json").stdout)["failing_sources"]
    assert (failing["source"], failing["nights_failing"]) == ("itjobswatch", 1)


def test_status_names_the_lock_holder_and_a_killed_night(operated):
    from flows.steps.lock import exclusive

    con = connect(operated.warehouse)
    try:
        _night(con, date(2026, 11, 22), itjobswatch_failed=0, status="running", finished=False)
    finally:
        con.close()
    with exclusive(str(operated.root)):
        doc = json.loads(run("status", "--json").stdout)
        assert doc["lock_holder"].startswith(f"pid {os.getpid()}, started ")
        assert "note" not in doc["last_night"]  # running, and something holds the lock
        assert f"nightly lock: held by pid {os.getpid()}" in run("status").stdout
    doc = json.loads(run("status", "--json").stdout)
    assert doc["lock_holder"] is None and "it was killed" in doc["last_night"]["note"]


def test_status_without_a_warehouse_is_one_line_and_creates_nothing(tmp_path):
    root = tmp_path / "nowhere"
    result = run("--home", str(root), "status", ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "no warehouse yet" in result.stderr
    assert not root.exists()


# --- doctor ---------------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_doctor_reports_an_unreachable_source_host_by_origin():
    from cli.doctor import FAIL, OK, check_sources
    from scrapers.registry import SOURCES

    dead = f"http://127.0.0.1:{_closed_port()}"
    checks = {c.check: c for c in check_sources(load_settings(), load_catalogue(),
                                                {name: dead for name in SOURCES if name != "claims"})}
    for name in SOURCES:
        if name == "claims":
            assert checks["source claims"].result == OK and "expert-claims.yaml: readable" in checks["source claims"].detail
        else:
            assert checks[f"source {name}"].result == FAIL, name
            assert checks[f"source {name}"].detail.startswith(f"{dead}: unreachable"), checks[f"source {name}"].detail


@pytest.mark.slow
def test_doctor_demo_finds_every_source_reachable_on_loopback_and_the_install_ready(operated):
    before = digest(operated.root)
    doc = json.loads(run("doctor", "--demo", "--json").stdout)
    checks = {c["check"]: c for c in doc["checks"]}
    assert doc["ok"] is True
    for name in ("itjobswatch", "indeed", "bls", "fred", "layoffs", "warn"):
        assert checks[f"source {name}"]["result"] == "ok"
        assert checks[f"source {name}"]["detail"].startswith("http://127.0.0.1:")
        assert "HTTP 200 for /robots.txt" in checks[f"source {name}"]["detail"]
    assert checks["settings"]["result"] == "ok" and checks["catalogue"]["detail"] == f"{len(load_catalogue(REPO_ROOT / 'roles').roles)} roles valid"
    assert checks["warehouse"]["result"] == "ok" and checks["last night"]["result"] == "warn"  # degraded
    assert checks["nightly lock"]["detail"] == "free"
    assert digest(operated.root) == before


@pytest.mark.slow
def test_doctor_fails_naming_a_bad_settings_key_and_a_broken_role_file(operated, tmp_path, catalogue_dir):
    from core.settings import DEFAULT_SETTINGS_FILE

    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT_SETTINGS_FILE.read_text().replace("max_bytes", "max_byts"))
    (catalogue_dir / "devops-engineer.yaml").write_text("id: devops-engineer\ntitle: [unclosed\n")
    result = run("--config", str(bad), "doctor", "--demo", "--catalogue", str(catalogue_dir), "--json", ok=False)
    assert result.exit_code == 1
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["settings"]["result"] == "fail" and "[http] max_byts: unknown key" in checks["settings"]["detail"]
    assert checks["catalogue"]["result"] == "fail" and "devops-engineer.yaml" in checks["catalogue"]["detail"]
    assert checks["source fred"]["result"] == "ok"  # the other checks still ran
