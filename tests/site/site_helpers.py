"""Builders for the site tests: a warehouse with five nights of real scoring and refreshed evidence."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pandas as pd

from core.catalogue import load_catalogue
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
    catalogue = load_catalogue()
    con = connect(path)
    for night in nights:
        if night in refreshed:
            with transaction(con):
                write(con, "evidence_scores", evidence_rows(night, refreshed[night]))
        score_stage(con, catalogue, night, f"test-{night}")
    return con, catalogue
