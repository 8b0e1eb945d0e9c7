"""What the rubric-v2 metric family tests share: the rubric, a role holding every v2 lookup key,
observations built row by row and validated, and the metrics computed from them."""

from __future__ import annotations

import json

import pandas as pd

from core.catalogue import Lookup
from scoring.metrics import RoleSpec, compute_metrics
from scoring.rubric import load_rubric
from scoring.validation import validate_observations

V2 = load_rubric(version="rubric-v2")
AS_OF = pd.Timestamp("2026-03-02")
ROLE = RoleSpec("mlops-engineer", "UK", Lookup.model_validate({
    "onet_soc": ["15-1252.00"], "hn": {"include": [r"\bml ?ops\b"]}, "boards": {"include": [r"\bml ?ops\b"]}}),
    soc=("15-1252", "15-2051"))


def metrics(rows: list[dict], *names: str, role: RoleSpec = ROLE) -> dict[str, dict]:
    good, quarantine = validate_observations(pd.DataFrame(rows), run_id="t")
    assert quarantine.empty, quarantine[["metric", "check_name", "failure"]].to_dict("records")
    got = compute_metrics(good, [role], AS_OF, V2, validated=True).set_index("metric")
    return {m: dict(got.loc[m]) for m in names}


def o(source, key, subject, metric, start, end, value, unit, detail=None, geo="US", fetch="f"):
    return {"source": source, "series_key": key, "subject": subject, "geography": geo, "metric": metric,
            "period_start": pd.Timestamp(start), "period_end": pd.Timestamp(end), "value": value, "unit": unit,
            "detail": detail, "fetch_id": fetch}


def lineage(m: dict) -> list[dict]:
    return json.loads(m["lineage"])
