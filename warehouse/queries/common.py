"""The shared pieces of the named reads: rows as dicts, the content tables and evidence columns."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

#: how far back `current_evidence` looks first. Every night writes a row for each refreshed or
#: carried dimension, so the newest row is almost always this recent; a full scan over years
#: of versions (5.5M rows at 1,000 roles x 3 years: 2 s) is paid only for pairs not found here.
RECENT_EVIDENCE_DAYS = 45

#: Content the published artefacts show, with the column that stamps each write. These tables only
#: ever gain rows (history / append semantics; an alert's row is updated by its delivery, but
#: its created_at never changes), so a row count and the newest stamp identify a state. A new
#: alert republishes: the analyst copy holds every night's alerts.
CONTENT_TABLES = {"aijri_results": "created_at", "evidence_scores": "created_at", "metrics": "created_at",
                  "observations": "loaded_at", "quarantine": "created_at", "catalogue_versions": "first_loaded_at",
                  "alerts": "created_at"}

_EVIDENCE_COLUMNS = ("role_id, dimension, as_of, score, origin, status, confidence, age_days, inputs, rationale,"
                     " rubric_version, rubric_score")


def records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of an executed query as dicts keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _json_records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))
