"""`score_movements` / `movement_causes`: what moved a score and whether evidence, a catalogue edit or
a method change did, attributed in one set-based read over the warehouse."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pandas as pd

from core.catalogue import load_catalogue
from tests.support.catalogues import CLASSIC_ROLES
from core.paths import REPO_ROOT
from flows.steps.score import score_stage
from warehouse import queries
from warehouse.db import connect, transaction
from warehouse.store import write

D1, D2, D3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


def edited(tmp_path, name: str, old: str, new: str):
    directory = tmp_path / "roles"
    if not directory.exists():
        shutil.copytree(CLASSIC_ROLES, directory)
    path = directory / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return load_catalogue(directory)


def test_a_catalogue_edit_of_a_published_dimension_is_blamed_on_the_catalogue(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    score_stage(con, load_catalogue(CLASSIC_ROLES), D1, "r1")
    # the analyst rewrites Company Actions on the card: a new version of a row dated the card's day
    catalogue = edited(tmp_path, "mlops-engineer.yaml", "  company_actions:\n    score: 2", "  company_actions:\n    score: -2")
    score_stage(con, catalogue, D2, "r2")
    [moved] = queries.score_movements(con, since=D2)
    assert (moved["role_id"], moved["from_as_of"], moved["from_aijri"], moved["to_aijri"]) == (
        "mlops-engineer", D1, 42.6, 36.0)
    assert moved["causes"] == ["catalogue"] and moved["catalogue_edited"] and not moved["method_changed"]
    assert [(d["dimension"], d["from"], d["to"], d["origin"], d["cause"]) for d in moved["dimensions"]] == [
        ("company_actions", 2, -2, "published", "catalogue")]
    # nothing moved on the first night: every role scored its published card
    assert queries.score_movements(con, until=D1) == []
    con.close()


def test_a_new_method_or_rubric_version_is_a_method_change_and_refreshed_data_is_evidence(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    catalogue = load_catalogue(CLASSIC_ROLES)
    score_stage(con, catalogue, D1, "r1")
    refreshed = {"role_id": "mlops-engineer", "dimension": "job_posting_trends", "origin": "refreshed", "status": "ok",
                 "confidence": 0.9, "age_days": 0, "inputs": '{"used": [{"metric": "postings_yoy_role"}]}',
                 "rationale": "postings", "rubric_version": "rubric-v1", "run_id": "r"}
    with transaction(con):
        write(con, "evidence_scores", pd.DataFrame([{**refreshed, "as_of": D2, "score": 2, "rubric_score": 2}]))
    score_stage(con, catalogue, D2, "r2")
    # D3: the rubric is revised (same data, new band) and so is the methodology's version
    with transaction(con):
        write(con, "evidence_scores", pd.DataFrame([{**refreshed, "as_of": D3, "score": 1, "rubric_score": 1,
                                                     "rubric_version": "rubric-v2"}]))
    score_stage(con, catalogue, D3, "r3")
    row = queries.records(con.execute("SELECT * FROM aijri_results WHERE role_id = 'mlops-engineer' AND as_of = ?",
                                      [D3]))[0]
    with transaction(con):
        write(con, "aijri_results", pd.DataFrame([{**{k: v for k, v in row.items() if k not in ("version",
                                                   "content_hash", "created_at")},
                                                   "methodology_version": "aijri-2027.1", "aijri": 43.0}]))
    by_night = {m["as_of"]: m for m in queries.score_movements(con)}
    assert set(by_night) == {D2, D3}
    evidence = by_night[D2]
    assert evidence["causes"] == ["evidence"] and evidence["change"] == 1.7
    assert [(d["dimension"], d["from"], d["to"], d["cause"], d["signals"]) for d in evidence["dimensions"]] == [
        ("job_posting_trends", 1, 2, "evidence", ["postings_yoy_role"])]
    method = by_night[D3]
    assert method["causes"] == ["method"] and method["method_changed"]
    assert [(d["dimension"], d["from"], d["to"], d["cause"]) for d in method["dimensions"]] == [
        ("job_posting_trends", 2, 1, "method")]
    # a crossing's span (several nights) is attributed the same way, for any pairs at once
    [span] = queries.movement_causes(con, [("mlops-engineer", D1, D3)])
    assert span["causes"] == ["method"] and span["from_aijri"] == 42.6 and span["to_aijri"] == 43.0
    assert queries.movement_causes(con, []) == []
    con.close()


def test_the_attribution_is_one_sql_statement_over_all_roles():
    """Set-based: the movements read is one statement (no per-role loop in Python)."""
    sql = (REPO_ROOT / "warehouse" / "queries" / "movements.sql").read_text()
    assert "ASOF LEFT JOIN" in sql and sql.count("({pairs})") == 1
    source = (REPO_ROOT / "warehouse" / "queries" / "site.py").read_text()
    body = source[source.index("def score_movements("):source.index("# ---", source.index("def score_movements("))]
    assert not re.search(r"^\s+for\b", body, re.M) and body.count("con.execute(") == 2
