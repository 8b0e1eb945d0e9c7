"""From the catalogue and the current evidence to validated AIJRI results (pure functions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from core.catalogue import Catalogue, Role
from scoring.aijri import ZONES, Method, load_method, score_frame


def _number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def _within(lo: Decimal, hi: Decimal, **field) -> object:
    return pa.Field(ge=_number(lo), le=_number(hi), **field)


# The input ranges and the AIJRI scale are the methodology's (scoring/method.toml [ranges],
# clamp_min/clamp_max), the same ones `score` checks.
_METHOD = load_method()
_RANGES = _METHOD.ranges
_AIJRI = (_METHOD.clamp_min, _METHOD.clamp_max)


class ScoreInputs(pa.DataFrameModel):
    role_id: Series[str] = pa.Field(unique=True)
    as_of: Series[pd.Timestamp]
    task_resistance: Series[float] = _within(*_RANGES["task_resistance"])
    evidence_total: Series[float] = _within(*_RANGES["evidence_total"])
    barrier_total: Series[float] = _within(*_RANGES["barrier_total"])
    growth: Series[float] = _within(*_RANGES["growth"])
    pct_time_3plus: Series[float] = _within(*_RANGES["pct_time_3plus"], nullable=True)
    published_sublabel: Series[str] = pa.Field(nullable=True)
    evidence_refreshed: Series[bool]
    rubric_version: Series[str] = pa.Field(nullable=True)
    catalogue_hash: Series[str]
    override_aijri: Series[float] = _within(*_AIJRI, nullable=True)
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
    aijri: Series[float] = _within(*_AIJRI)
    zone: Series[str] = pa.Field(isin=list(ZONES))
    sublabel: Series[str] = pa.Field(nullable=True)
    clamped: Series[bool]
    methodology_version: Series[str]


def evidence_totals(catalogue: Catalogue, current: pd.DataFrame) -> pd.DataFrame:
    """Per role: the evidence total in force, whether it came from data, and the rubric behind it.

    `current` holds the newest evidence row per role × dimension (as `evidence_history`); it may
    be empty. The totals rule itself (published values fill a per-dimension role's gaps; a
    totals-only role needs all five dimensions from data) is `scoring.refresh.evidence_totals`:
    this only adds the rubric version and the columns `score_inputs` reads.
    """
    from scoring.refresh import evidence_totals as totals_rule

    columns = ["role_id", "dimension", "score", "origin", "status", "rubric_version"]
    current = current if len(current) else pd.DataFrame(columns=columns)
    totals = totals_rule(current, catalogue)
    refreshed_rows = current[current["origin"] == "refreshed"]
    rubric = refreshed_rows.groupby("role_id")["rubric_version"].max() if len(refreshed_rows) else pd.Series(dtype=str)
    return pd.DataFrame({
        "role_id": totals["role_id"], "evidence_total": totals["evidence_total"].astype(float),
        "evidence_refreshed": totals["refreshed"].astype(bool),
        "rubric_version": [rubric.get(r) if ok else None for r, ok in zip(totals["role_id"], totals["refreshed"])],
    })


def _override(role: Role, as_of: date) -> tuple[float | None, str | None]:
    for o in role.overrides:
        if o.target == "aijri" and as_of <= o.expires:
            return o.value, f"{o.who}: {o.why} (until {o.expires})"
    return None, None


def score_inputs(catalogue: Catalogue, totals: pd.DataFrame, as_of: date) -> pd.DataFrame:
    # the totals' columns as dicts by role (a frame lookup per role and column cost most of this)
    by_role = {c: dict(zip(totals["role_id"].tolist(), totals[c].tolist()))
               for c in ("evidence_total", "evidence_refreshed", "rubric_version")}
    stamp = pd.Timestamp(as_of)
    rows = []
    for role in catalogue:
        value, note = _override(role, as_of)
        rows.append({
            "role_id": role.id, "as_of": stamp, "task_resistance": role.tr,
            "evidence_total": by_role["evidence_total"][role.id], "barrier_total": role.barrier_sum,
            "growth": float(role.growth.score), "pct_time_3plus": role.pct_time_3plus,
            "published_sublabel": role.published.sublabel if role.published else None,
            "evidence_refreshed": bool(by_role["evidence_refreshed"][role.id]),
            "rubric_version": by_role["rubric_version"][role.id],
            "catalogue_hash": catalogue.hashes[role.id], "override_aijri": value, "override_note": note,
        })
    return ScoreInputs.validate(pd.DataFrame(rows), lazy=True)


def score_roles(inputs: pd.DataFrame, method: Method | None = None) -> pd.DataFrame:
    return AijriResults.validate(score_frame(inputs, method or load_method()), lazy=True)
