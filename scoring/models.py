"""Pandera models of the frames the evidence refresh derives and writes: metrics, the
rubric's dimension scores, the evidence in force (and the evidence held before tonight), and
the quarantine. Each is validated once per frame, lazily, so one report lists every failure.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from core.vocabulary import DIMENSIONS
from scoring.metrics.registry import METRIC_NAMES
from scoring.observations import _num

#: an evidence score (a dimension's, an input's after its clamp): -2..+2, both ends included
SCORE_MIN, SCORE_MAX = -2, 2
#: the derived metrics' statuses (their names are the metric families' declarations: `scoring.metrics`)
METRIC_STATUSES = (
    "ok", "no_lookup_key", "no_data", "stale", "insufficient_history", "insufficient_sample",
    "not_published", "no_cpi", "quarantined",
    "request_failed",  # a request the metric reads failed tonight (scoring.failed_inputs): its dimension carries
)
ORIGINS = ("published", "refreshed", "carried", "override")


# --- derived frames -------------------------------------------------------------------------------
def _json_ok(s: pd.Series) -> pd.Series:
    def ok(x) -> bool:
        try:
            json.loads(x)
            return True
        except (TypeError, ValueError):
            return False
    # Many rows share one string (the layoffs lineage of an industry set is ~70 KB and shared
    # by every role with that set): parse each distinct value once.
    seen: dict = {}
    out = []
    for x in s:
        try:
            result = seen[x]
        except KeyError:
            result = seen[x] = ok(x)
        except TypeError:  # unhashable: cannot be JSON text anyway, let ok() say so
            result = ok(x)
        out.append(result)
    return pd.Series(out, index=s.index, dtype=bool)


class Metrics(pa.DataFrameModel):
    """One row per role × derived metric × as_of, with its exact inputs and its lineage."""

    role_id: Series[str]
    metric: Series[str] = pa.Field(isin=list(METRIC_NAMES))
    as_of: Series[pa.DateTime]
    value: Series[float] = pa.Field(nullable=True)
    unit: Series[str]
    status: Series[str] = pa.Field(isin=list(METRIC_STATUSES))
    sample_size: Series[float] = pa.Field(nullable=True, ge=0)
    observed_to: Series[pa.DateTime] = pa.Field(nullable=True)
    note: Series[str]
    inputs: Series[str]
    lineage: Series[str]
    rubric_version: Series[str]

    @pa.dataframe_check
    def ok_has_finite_value(cls, df: pd.DataFrame) -> Series[bool]:
        v = _num(df)
        return (df["status"] != "ok") | (v.notna() & np.isfinite(v))

    @pa.dataframe_check
    def inputs_and_lineage_are_json(cls, df: pd.DataFrame) -> Series[bool]:
        return _json_ok(df["inputs"]) & _json_ok(df["lineage"])

    class Config:
        coerce = True
        strict = True
        unique = ["role_id", "metric", "as_of"]


class DimensionScores(pa.DataFrameModel):
    """What the rubric makes of the metrics: one row per role × dimension (score null = no signal)."""

    role_id: Series[str]
    dimension: Series[str] = pa.Field(isin=list(DIMENSIONS))
    score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=SCORE_MIN, le=SCORE_MAX)
    confidence: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    inputs: Series[str]
    rationale: Series[str]
    rubric_version: Series[str]
    status: Series[str]

    @pa.dataframe_check
    def ok_has_score(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] != "ok") == df["score"].isna()

    class Config:
        coerce = True
        strict = True
        unique = ["role_id", "dimension"]


class EvidenceScores(pa.DataFrameModel):
    """The evidence in force: one row per role × dimension (also the shape of `previous`)."""

    role_id: Series[str]
    dimension: Series[str] = pa.Field(isin=list(DIMENSIONS))
    as_of: Series[pa.DateTime]
    score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=SCORE_MIN, le=SCORE_MAX)
    origin: Series[str] = pa.Field(isin=list(ORIGINS))
    status: Series[str]
    confidence: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    age_days: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    inputs: Series[str]
    rationale: Series[str]
    rubric_version: Series[str] = pa.Field(nullable=True)
    rubric_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=SCORE_MIN, le=SCORE_MAX)

    @pa.dataframe_check
    def only_published_may_lack_a_score(cls, df: pd.DataFrame) -> Series[bool]:
        return df["score"].notna() | (df["origin"] == "published")

    class Config:
        coerce = True
        strict = "filter"  # `previous` read back from the warehouse may carry run_id, version, ...
        unique = ["role_id", "dimension"]


class PreviousEvidence(EvidenceScores):
    """`previous` as read back from the warehouse: several rows per key allowed (the newest on or
    before as_of is used), free-text columns may be null."""

    status: Series[str] = pa.Field(nullable=True)
    inputs: Series[str] = pa.Field(nullable=True)
    rationale: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"
        unique = None


class Quarantine(pa.DataFrameModel):
    """Rows kept out of scoring, one per observation, writable to the warehouse `quarantine` table.

    check_name is `<stage>:<check>[;<check>...]` (stage = schema | plausibility | history);
    failure is JSON: the pandera failure cases (or the guard's numbers), period_start, unit, detail.
    """

    quarantine_id: Series[str] = pa.Field(unique=True)
    run_id: Series[str] = pa.Field(nullable=True)
    source: Series[str] = pa.Field(nullable=True)
    fetch_id: Series[str] = pa.Field(nullable=True)
    series_key: Series[str] = pa.Field(nullable=True)
    subject: Series[str] = pa.Field(nullable=True)
    metric: Series[str] = pa.Field(nullable=True)
    period_end: Series[pa.DateTime] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    check_name: Series[str]
    failure: Series[str]

    class Config:
        coerce = True
        strict = True


QUARANTINE_COLUMNS = list(Quarantine.to_schema().columns)

__all__ = ["METRIC_NAMES", "METRIC_STATUSES", "ORIGINS", "SCORE_MAX", "SCORE_MIN", "DimensionScores",
           "EvidenceScores", "Metrics", "PreviousEvidence", "Quarantine", "QUARANTINE_COLUMNS"]
