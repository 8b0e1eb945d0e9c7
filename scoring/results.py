"""From the catalogue and the current evidence to validated AIJRI results (pure functions)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from jobzone.catalogue import DIMENSIONS, Catalogue, Role
from scoring.aijri import Method, load_method, score_frame


class ScoreInputs(pa.DataFrameModel):
    role_id: Series[str] = pa.Field(unique=True)
    as_of: Series[pd.Timestamp]
    task_resistance: Series[float] = pa.Field(ge=1, le=5)
    evidence_total: Series[float] = pa.Field(ge=-10, le=10)
    barrier_total: Series[float] = pa.Field(ge=0, le=10)
    growth: Series[float] = pa.Field(ge=-2, le=2)
    pct_time_3plus: Series[float] = pa.Field(ge=0, le=100, nullable=True)
    published_sublabel: Series[str] = pa.Field(nullable=True)
    evidence_refreshed: Series[bool]
    rubric_version: Series[str] = pa.Field(nullable=True)
    catalogue_hash: Series[str]
    override_aijri: Series[float] = pa.Field(ge=0, le=100, nullable=True)
    override_note: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = True


class AijriResults(ScoreInputs):
    em: Series[float]
    bm: Series[float]
    gm: Series[float]
    raw: Series[float]
    aijri_unrounded: Series[float]
    aijri: Series[float] = pa.Field(ge=0, le=100)
    zone: Series[str] = pa.Field(isin=["Green", "Yellow", "Red"])
    sublabel: Series[str] = pa.Field(nullable=True)
    clamped: Series[bool]
    methodology_version: Series[str]


def evidence_totals(catalogue: Catalogue, current: pd.DataFrame) -> pd.DataFrame:
    """Per role: the evidence total in force and whether it came from data.

    `current` holds the newest evidence row per role × dimension (role_id, dimension, score,
    origin, rubric_version); it may be empty. A role with per-dimension baseline evidence
    sums its five dimensions (published values fill any gap). A totals-only role keeps its
    published total unless all five dimensions were refreshed from data.
    """
    rows = []
    by_role = {rid: grp for rid, grp in current.groupby("role_id")} if not current.empty else {}
    for role in catalogue:
        held = by_role.get(role.id)
        scores = {} if held is None else dict(zip(held["dimension"], held["score"]))
        origins = {} if held is None else dict(zip(held["dimension"], held["origin"]))
        rubric = None if held is None else next((v for v in held.get("rubric_version", []) if isinstance(v, str)), None)
        from_data = [d for d in DIMENSIONS if origins.get(d) in ("refreshed", "override")]
        if role.evidence:
            total = sum(int(scores.get(d, role.evidence[d].score)) for d in DIMENSIONS)
            refreshed = any(origins.get(d) == "refreshed" for d in DIMENSIONS)
        elif len(from_data) == len(DIMENSIONS):
            total, refreshed = sum(int(scores[d]) for d in DIMENSIONS), True
        else:
            total, refreshed = role.baseline_evidence_total, False
        rows.append({"role_id": role.id, "evidence_total": float(total), "evidence_refreshed": refreshed,
                     "rubric_version": rubric if refreshed else None})
    return pd.DataFrame(rows, columns=["role_id", "evidence_total", "evidence_refreshed", "rubric_version"])


def _override(role: Role, as_of: date) -> tuple[float | None, str | None]:
    for o in role.overrides:
        if o.target == "aijri" and as_of <= o.expires:
            return o.value, f"{o.who}: {o.why} (until {o.expires})"
    return None, None


def score_inputs(catalogue: Catalogue, totals: pd.DataFrame, as_of: date) -> pd.DataFrame:
    by_role = totals.set_index("role_id")
    rows = []
    for role in catalogue:
        value, note = _override(role, as_of)
        rows.append({
            "role_id": role.id, "as_of": pd.Timestamp(as_of), "task_resistance": role.tr,
            "evidence_total": by_role.at[role.id, "evidence_total"], "barrier_total": role.barrier_sum,
            "growth": float(role.growth.score), "pct_time_3plus": role.pct_time_3plus,
            "published_sublabel": role.published.sublabel if role.published else None,
            "evidence_refreshed": bool(by_role.at[role.id, "evidence_refreshed"]),
            "rubric_version": by_role.at[role.id, "rubric_version"],
            "catalogue_hash": catalogue.hashes[role.id], "override_aijri": value, "override_note": note,
        })
    return ScoreInputs.validate(pd.DataFrame(rows), lazy=True)


def score_roles(inputs: pd.DataFrame, method: Method | None = None) -> pd.DataFrame:
    return AijriResults.validate(score_frame(inputs, method or load_method()), lazy=True)
