"""Builders for the site tests: a warehouse with five nights of real scoring and refreshed evidence."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pandas as pd

from core.catalogue import load_catalogue
from tests.support.catalogues import CLASSIC_ROLES
from flows.steps.score import score_stage
from warehouse.db import connect, transaction
from warehouse.store import write

PAYLOAD = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned-img'\">"
NIGHTS = [date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21)]
GENERATED_AT = datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc)

# Refreshed MLOps evidence per night: (dimension, score, rationale, inputs). Totals 5, 6, 6, 4, 5.
REFRESHED = {
    NIGHTS[1]: [("job_posting_trends", 2, "IT Jobs Watch: postings +35% YoY", {"source": "itjobswatch"})],
    NIGHTS[3]: [("job_posting_trends", 0, "postings flat", {"series_key": "indeed:sector:GB:Software Development:total"})],
    NIGHTS[4]: [("job_posting_trends", 1, "postings +12% YoY (n=185)",
                 {"series_key": "itjobswatch:permanent:mlops", "yoy": 0.12}),
                ("wage_trends", 1, "median salary +4% YoY " + PAYLOAD,
                 {"sources": ["itjobswatch", "fred"], "median": 75000})],
}


def evidence_rows(night: date, items) -> pd.DataFrame:
    return pd.DataFrame([{
        "role_id": "mlops-engineer", "dimension": dim, "as_of": night, "score": score, "origin": "refreshed",
        "status": "ok", "confidence": 0.75, "age_days": 0, "inputs": json.dumps(inputs), "rationale": rationale,
        "rubric_version": "rubric-test", "rubric_score": score, "run_id": f"test-{night}"}
        for dim, score, rationale, inputs in items])


def build_warehouse(path, nights=NIGHTS, refreshed=REFRESHED):
    catalogue = load_catalogue(CLASSIC_ROLES)
    con = connect(path)
    for night in nights:
        if night in refreshed:
            with transaction(con):
                write(con, "evidence_scores", evidence_rows(night, refreshed[night]))
        score_stage(con, catalogue, night, f"test-{night}")
    return con, catalogue


# ---------------------------------------------------------------------------- a night the pages explain

EXPLAINED = [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)]
LAYOFFS_URL = "https://raw.githubusercontent.com/example/layoffs-mirror/main/layoffs.csv"
LAYOFFS_SHA = "32d7292fadc456f8060cb897f692e98771d91e4427418f60eba80054daa59ac0"
CLAIM_URL = "https://www.weforum.org/publications/the-future-of-jobs-report-2025/"
CLAIM = json.dumps({"id": "wef-foj-2025", "claim": "WEF expects ML-specialist demand to grow about 40% by 2030.",
                    "url": CLAIM_URL})


def _used(metric, note, band, band_score, score, source, clamp=(-2, 2), direction="higher_is_better", **inputs):
    return {"metric": metric, "note": note, "band": band, "band_score": band_score, "score": score,
            "clamp": list(clamp), "direction": direction, "sources": [source], "status": "ok", "weight": 1.0,
            "inputs": inputs}


def explained_rows(night: date, run_id: str) -> dict[str, pd.DataFrame]:
    """The stored rows of one refreshed night, shaped as the nightly writes them: MLOps Company
    Actions refreshed from a layoffs fetch (with its metric, observations and lineage), Expert
    Consensus from a cited claim, Wage Trends carried; two DevOps (totals-only) dimensions
    refreshed; IT Jobs Watch failing 2 of its 3 requests."""
    layoffs = _used("layoff_headcount_change", "AI/Data layoffs decayed headcount 254.1 vs 952.9 a year earlier (-73.3 %)",
                    "(-inf, -60 %)", -2, 1, "layoffs", clamp=(-2, 1), direction="lower_is_better")
    claim = _used("expert_net_direction", "1 expert claim(s): net +0.31", "[+0.25, +0.75)", 1, 1, "claims",
                  claims=[{"date": "2025-01-07", "direction": 1.0, "weight": 0.45, "detail": CLAIM}])
    evidence = [
        ("mlops-engineer", "company_actions", 1, "refreshed", "ok", 0, {"used": [layoffs], "unused": []}),
        ("mlops-engineer", "expert_consensus", 1, "refreshed", "ok", 0, {"used": [claim], "unused": []}),
        ("mlops-engineer", "wage_trends", 1, "carried", "insufficient_coverage", 3,
         {"carried_from": {"as_of": "2026-03-02"}, "tonight": {"used": [], "unused": [
             {"metric": "salary_yoy_real_itjw", "status": "request_failed", "note": "itjobswatch failed tonight"}]}}),
        ("devops-engineer", "company_actions", 1, "refreshed", "ok", 0, {"used": [layoffs], "unused": []}),
        ("devops-engineer", "ai_tool_maturity", -1, "refreshed", "ok", 0, {"used": [], "unused": []}),
    ]
    fetch_id = f"fetch-{night}"
    return {
        "runs": pd.DataFrame([{"run_id": run_id, "kind": "nightly", "started_at": datetime.now(timezone.utc),
                               "status": "running", "as_of": night}]),
        "evidence_scores": pd.DataFrame([{
            "role_id": role, "dimension": dim, "as_of": night, "score": score, "origin": origin, "status": status,
            "confidence": 0.8 if origin == "refreshed" else None, "age_days": age, "inputs": json.dumps(inputs),
            "rationale": f"{dim} {origin}", "rubric_version": "rubric-v1", "rubric_score": score, "run_id": run_id}
            for role, dim, score, origin, status, age, inputs in evidence]),
        "fetches": pd.DataFrame([{"fetch_id": fetch_id, "run_id": run_id, "source": "layoffs", "url": LAYOFFS_URL,
                                  "status": 200, "outcome": "ok", "fetched_at": datetime(2026, 11, 21, 2, 5,
                                                                                         tzinfo=timezone.utc),
                                  "bytes": 1234, "sha256": LAYOFFS_SHA}]),
        "observations": pd.DataFrame([{"source": "layoffs", "series_key": "layoffs:Acme:1", "subject": "Acme",
                                       "geography": "US", "metric": "layoff_headcount", "period_start": night,
                                       "period_end": night, "value": 120.0, "unit": "count", "fetch_id": fetch_id,
                                       "run_id": run_id}]),
        "metrics": pd.DataFrame([{"role_id": role, "metric": "layoff_headcount_change", "as_of": night, "value": -0.73,
                                  "unit": "fraction", "status": "ok", "inputs": "{}", "lineage": json.dumps([{
                                      "fetch_id": fetch_id, "series_key": "layoffs:Acme:1", "subject": "Acme",
                                      "metric": "layoff_headcount", "period_end": night.isoformat(),
                                      "source": "layoffs"}]), "rubric_version": "rubric-v1", "run_id": run_id}
                                 for role in ("mlops-engineer", "devops-engineer")] + [
            {"role_id": "devops-engineer", "metric": "postings_yoy_role", "as_of": night, "value": None,
             "unit": "fraction", "status": "request_failed", "inputs": "{}", "lineage": "[]",
             "rubric_version": "rubric-v1", "run_id": run_id, "note": "itjobswatch http_error tonight"}]),
        "source_health": pd.DataFrame([
            {"source": "itjobswatch", "run_id": run_id, "as_of": night, "requests": 3, "ok": 1, "unchanged": 0,
             "failed": 2, "outcomes": json.dumps({"http_error": 2, "ok": 1})},
            {"source": "layoffs", "run_id": run_id, "as_of": night, "requests": 1, "ok": 1, "unchanged": 0,
             "failed": 0, "outcomes": json.dumps({"ok": 1})}]),
    }


def edited_catalogue(directory):
    """The catalogue with one analyst edit: Cloud Architect's AI growth correlation 1 -> 2."""
    import shutil

    shutil.copytree(CLASSIC_ROLES, directory)
    path = directory / "cloud-architect.yaml"
    path.write_text(path.read_text().replace("growth: {score: 1}", "growth: {score: 2}"))
    return load_catalogue(directory)


def build_explained_warehouse(path, catalogue_dir):
    """Night 1 the published values; night 2 a catalogue edit; night 3 refreshed, and degraded."""
    con = connect(path)
    score_stage(con, load_catalogue(CLASSIC_ROLES), EXPLAINED[0], "explained-1")
    edited = edited_catalogue(catalogue_dir)
    score_stage(con, edited, EXPLAINED[1], "explained-2")
    for table, frame in explained_rows(EXPLAINED[2], "explained-3").items():
        with transaction(con):
            write(con, table, frame)
    score_stage(con, edited, EXPLAINED[2], "explained-3")
    return con, edited
