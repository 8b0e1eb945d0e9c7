"""Alerts carry the cause of their crossing, attributed like the site's score movements: a crossing
caused by a catalogue edit is blamed on the catalogue, not on evidence."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pandas as pd

from core.catalogue import load_catalogue
from core.paths import REPO_ROOT
from flows.steps.alert import detect_alerts
from flows.steps.score import score_stage
from scoring.alerts import AlertPolicy
from warehouse.db import connect, transaction
from warehouse.store import write

D1, D2 = date(2026, 11, 20), date(2026, 11, 21)
POLICY = AlertPolicy(persistence_nights=2, margin_points=1.0)


def test_a_crossing_caused_by_a_catalogue_edit_says_so(tmp_path):
    roles = tmp_path / "roles"
    shutil.copytree(REPO_ROOT / "roles", roles)
    path = roles / "mlops-engineer.yaml"
    # the analyst marks every published MLOps dimension -2: a new version of the card's rows
    path.write_text(re.sub(r"(\n  [a-z_]+:\n    score: )-?\d", r"\g<1>-2", path.read_text()))
    con = connect(tmp_path / "w.duckdb")
    score_stage(con, load_catalogue(), D1, "r1")
    score_stage(con, load_catalogue(roles), D2, "r2")
    [alert] = detect_alerts(con, POLICY, since=D1)
    con.close()
    assert (alert.subject, alert.from_state, alert.to_state, alert.reason) == (
        "mlops-engineer", "Yellow (Urgent)", "Red", "margin")
    assert alert.details["cause"]["causes"] == ["catalogue"]
    assert "Cause: catalogue edit (Job Posting Trends +1 -> -2 (catalogue edit)" in alert.message
    assert "Company Actions +2 -> -2 (catalogue edit)" in alert.message
    assert "Evidence moved" not in alert.message and "evidence" not in alert.message.lower().split("cause:")[1]


def test_a_crossing_caused_by_refreshed_data_is_blamed_on_evidence(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    catalogue = load_catalogue()
    score_stage(con, catalogue, D1, "r1")
    with transaction(con):
        write(con, "evidence_scores", pd.DataFrame([{
            "role_id": "mlops-engineer", "dimension": dim, "as_of": D2, "score": 2, "origin": "refreshed",
            "status": "ok", "confidence": 0.9, "age_days": 0, "rationale": "data",
            "inputs": '{"used": [{"metric": "%s_signal"}]}' % dim, "rubric_version": "rubric-v1", "rubric_score": 2,
            "run_id": "r2"} for dim in ("job_posting_trends", "wage_trends", "ai_tool_maturity", "expert_consensus")]))
    score_stage(con, catalogue, D2, "r2")
    [alert] = detect_alerts(con, POLICY, since=D1)
    con.close()
    assert (alert.from_state, alert.to_state) == ("Yellow (Urgent)", "Green (Transforming)")
    assert alert.details["cause"]["causes"] == ["evidence"]
    assert "Cause: evidence (Job Posting Trends +1 -> +2 (evidence: job_posting_trends_signal)" in alert.message
    assert [m["dimension"] for m in alert.details["evidence_moves"]] == [
        "job_posting_trends", "wage_trends", "ai_tool_maturity", "expert_consensus"]
