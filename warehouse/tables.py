"""The write semantics of every warehouse table, declared in one place.

- ``append``: immutable rows; a row whose key is already present is skipped.
- ``upsert``: one row per key; a new row replaces the old one.
- ``history``: never overwritten. A row is added for a key only when its content (the
  ``compare`` columns) differs from the newest version held; it gets ``version`` = last + 1.
  Re-writing identical inputs adds nothing.
- ``replace``: the table is a snapshot; a write replaces its whole contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Semantics = Literal["append", "upsert", "history", "replace"]


@dataclass(frozen=True)
class Table:
    semantics: Semantics
    key: tuple[str, ...]
    compare: tuple[str, ...] = ()  # history only: the columns whose change makes a new version


TABLES: dict[str, Table] = {
    "runs": Table("upsert", ("run_id",)),
    "catalogue_versions": Table("append", ("role_id", "content_hash")),
    "evidence_scores": Table(
        "history", ("role_id", "dimension", "as_of"),
        compare=("score", "origin", "status", "confidence", "inputs", "rationale", "rubric_version", "rubric_score"),
    ),
    "aijri_results": Table(
        "history", ("role_id", "as_of"),
        compare=("task_resistance", "evidence_total", "barrier_total", "growth", "pct_time_3plus",
                 "override_aijri", "methodology_version", "rubric_version", "catalogue_hash"),
    ),
    "fetches": Table("append", ("fetch_id",)),
    "http_validators": Table("upsert", ("url",)),
    "observations": Table("append", ("fetch_id", "series_key", "subject", "metric", "period_end")),
    "quarantine": Table("append", ("quarantine_id",)),
    "metrics": Table("history", ("role_id", "metric", "as_of"), compare=("value", "status", "inputs")),
    "alerts": Table("upsert", ("alert_id",)),
    "source_health": Table("upsert", ("source", "run_id")),
    "refresh_state": Table("upsert", ("as_of",)),
}
