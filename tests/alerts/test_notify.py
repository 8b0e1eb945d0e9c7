"""Delivery: recorded once, delivered once, failures retried, secrets kept out; real loopback webhook."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pytest
from werkzeug.wrappers import Response

from flows.steps.alert import (EVENT_ZONE, alert_cursor, alert_urls, deliver_pending, detect_alerts, process_alerts,
                            record_alerts, role_page_link, send)
from scoring.alerts import AlertPolicy

D0 = date(2026, 11, 18)
POLICY = AlertPolicy(persistence_nights=2, margin_points=1.0, source_failure_nights=2)


@pytest.fixture
def crossing(night):
    """MLOps Engineer crosses Yellow (Urgent) -> Green (Transforming), held two nights; evidence moved."""
    night.title("mlops-engineer", "MLOps Engineer")
    night.evidence("mlops-engineer", "job_posting_trends", D0, 1)
    night.evidence("mlops-engineer", "job_posting_trends", D0 + timedelta(days=1), 2)
    for i, v in enumerate((46.0, 48.4, 48.6)):
        night.result("mlops-engineer", D0 + timedelta(days=i), v)
    return D0 + timedelta(days=2)


def _alerts(con) -> list[dict]:
    cur = con.execute("SELECT * FROM alerts ORDER BY as_of, alert_id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_detect_and_record_once(con, crossing):
    found = detect_alerts(con, POLICY, site_base_url="https://jobzone.example/")
    assert [(a.kind, a.subject, a.to_state) for a in found] == [("zone", "mlops-engineer", "Green (Transforming)")]
    assert "MLOps Engineer" in found[0].message and "Job Posting Trends +1 -> +2" in found[0].message
    assert "https://jobzone.example/roles/mlops-engineer.html" in found[0].message
    assert [a.alert_id for a in record_alerts(con, found, run_id="r1")] == [found[0].alert_id]
    assert record_alerts(con, detect_alerts(con, POLICY), run_id="r2") == []  # a rerun adds nothing
    [row] = _alerts(con)
    assert (row["status"], row["attempts"], row["run_id"], row["as_of"]) == ("pending", 0, "r1", crossing)


def test_no_url_means_logged_and_nothing_sent(con, crossing, httpserver):
    record_alerts(con, detect_alerts(con, POLICY))
    [summary] = deliver_pending(con, [])
    assert summary["status"] == "logged" and summary["attempts"] == 0
    assert deliver_pending(con, []) == []
    assert httpserver.log == []


def test_json_webhook_receives_the_message_exactly_once(con, crossing, httpserver):
    httpserver.expect_request("/hooks/jobzone", method="POST").respond_with_data("ok")
    url = f"json://127.0.0.1:{httpserver.port}/hooks/jobzone"
    process_alerts(con, policy=POLICY, urls=[url], run_id="night-1")
    assert len(httpserver.log) == 1
    body = json.loads(httpserver.log[0][0].get_data())
    text = body["title"] + " " + body["message"]
    assert "MLOps Engineer" in text and "Yellow (Urgent)" in text and "Green (Transforming)" in text
    [row] = _alerts(con)
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 1, None)
    assert row["delivered_at"] is not None
    # The same night again (a rerun), and the next call: nothing new is sent.
    again = process_alerts(con, policy=POLICY, urls=[url], run_id="night-1-rerun")
    assert again["new"] == [] and again["handled"] == []
    assert deliver_pending(con, [url]) == []
    assert len(httpserver.log) == 1


def test_failed_delivery_is_recorded_without_secrets_and_retried(con, crossing, httpserver, caplog):
    caplog.set_level(logging.DEBUG)
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        return Response("boom", status=500) if calls["n"] == 1 else Response("ok", status=200)

    httpserver.expect_request("/s3cr3t-token-path", method="POST").respond_with_handler(handler)
    url = f"json://user:hunter2pass@127.0.0.1:{httpserver.port}/s3cr3t-token-path"
    record_alerts(con, detect_alerts(con, POLICY))
    [first] = deliver_pending(con, [url])
    assert (first["status"], first["attempts"]) == ("failed", 1)
    [row] = _alerts(con)
    assert row["status"] == "failed" and "500" in row["last_error"] and "target 1 (json)" in row["last_error"]
    [second] = deliver_pending(con, [url])
    assert (second["status"], second["attempts"]) == ("delivered", 2)
    assert deliver_pending(con, [url]) == []
    assert calls["n"] == 2
    # The URL, its host:port, path and credentials appear nowhere: not the table, not a log record.
    stored = json.dumps(_alerts(con), default=str)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")  # werkzeug: the receiver
    assert "Starting new HTTP connection" in logged  # urllib3 DEBUG records were captured, and scrubbed
    for secret in (url, f"127.0.0.1:{httpserver.port}", "s3cr3t-token-path", "hunter2pass"):
        assert secret not in stored and secret not in logged


def test_unreachable_target_fails_and_a_bad_url_is_named_by_position_only(caplog):
    caplog.set_level(logging.DEBUG)
    ok, error = send(["json://127.0.0.1:9/nowhere-secret", "notascheme://zzz-secret-zzz"], "t", "b", timeout=5)
    assert not ok
    assert "target 1 (json)" in error and "target 2 (notascheme)" in error
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("nowhere-secret", "zzz-secret-zzz"):
        assert secret not in error and secret not in logged


def test_emit_hook_once_per_crossing(con, crossing, httpserver):
    httpserver.expect_request("/h", method="POST").respond_with_data("nope", status=500)
    events = []
    url = f"json://127.0.0.1:{httpserver.port}/h"
    record_alerts(con, detect_alerts(con, POLICY))
    deliver_pending(con, [url], emit=lambda **kw: events.append(kw))
    deliver_pending(con, [url], emit=lambda **kw: events.append(kw))  # retry: no second event
    assert len(events) == 1
    ev = events[0]
    assert ev["event"] == EVENT_ZONE and ev["resource"]["prefect.resource.id"] == "jobzone.role.mlops-engineer"
    assert ev["payload"]["to_state"] == "Green (Transforming)"

    def broken(**kw):
        raise RuntimeError("prefect is down")

    con.execute("UPDATE alerts SET attempts = 0, status = 'pending'")
    [summary] = deliver_pending(con, [], emit=broken)  # a failing hook never blocks delivery
    assert summary["status"] == "logged"


def test_source_health_alert_is_recorded(con, night):
    for i in range(3):
        night.health("itjobswatch", D0 + timedelta(days=i), ok=0, failed=2)
    found = detect_alerts(con, POLICY)
    assert [(a.kind, a.subject, a.to_state) for a in found] == [("source_health", "itjobswatch", "failing")]
    record_alerts(con, found)
    assert _alerts(con)[0]["kind"] == "source_health"


def test_cursor_from_finished_runs(con, night):
    from flows.steps.runs import finish_run, start_run

    assert alert_cursor(con) is None
    start_run(con, "n1", "nightly", D0)
    finish_run(con, "n1", "completed", {})
    start_run(con, "n2", "nightly", D0 + timedelta(days=1))  # still running: not a cursor
    assert alert_cursor(con) == D0
    assert alert_cursor(con, exclude_run_id="n1") is None


def test_urls_from_env_and_links():
    assert alert_urls({"JOBZONE_ALERT_URLS": " json://a/b, slack://x/y/z  mailto://u:p@h "}) == [
        "json://a/b", "slack://x/y/z", "mailto://u:p@h"]
    assert alert_urls({}) == []
    assert role_page_link("r", "https://x.example/site/") == "https://x.example/site/roles/r.html"
    assert role_page_link("r", "", None) is None
    assert role_page_link("r", "", __import__("pathlib").Path("/srv/site")) == "/srv/site/roles/r.html"


def test_a_target_that_keeps_failing_is_given_up_after_max_attempts(con, crossing, httpserver, caplog):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        return Response("down", status=503)

    httpserver.expect_request("/down", method="POST").respond_with_handler(handler)
    url = f"json://127.0.0.1:{httpserver.port}/down"
    record_alerts(con, detect_alerts(con, POLICY))
    [first] = deliver_pending(con, [url], max_attempts=2)
    [second] = deliver_pending(con, [url], max_attempts=2)
    assert (first["status"], first["attempts"]) == ("failed", 1)
    assert (second["status"], second["attempts"]) == ("abandoned", 2)
    assert deliver_pending(con, [url], max_attempts=2) == [] and calls["n"] == 2  # never sent again
    [row] = _alerts(con)
    assert row["status"] == "abandoned" and "503" in row["last_error"]
    assert any(r.levelname == "ERROR" and "abandoned" in r.getMessage() for r in caplog.records)
