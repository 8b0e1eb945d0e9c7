"""The write semantics of every warehouse table, declared in one place.

- ``append``: immutable rows; a row whose key is already present is skipped.
- ``upsert``: one row per key; a new row replaces the old one.
- ``history``: never overwritten. A row is added for a key only when its content (the
  ``compare`` columns) differs from the newest version held; it gets ``version`` = last + 1.
  Re-writing identical inputs adds nothing.
- ``replace``: the table is a snapshot; a write replaces its whole contents.

A table may keep one large, much-repeated column by content (``by_content``): each distinct
value is written once to a side table under its md5, and the row holds the md5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Semantics = Literal["append", "upsert", "history", "replace"]


@dataclass(frozen=True)
class ByContent:
    column: str  #: the column as callers write it (JSON text)
    table: str   #: the side table: (`key`, `column`, created_at), append-only
    key: str     #: the column the row holds instead: md5 of the text


@dataclass(frozen=True)
class Table:
    semantics: Semantics
    key: tuple[str, ...]
    compare: tuple[str, ...] = ()  # history only: the columns whose change makes a new version
    by_content: ByContent | None = None


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
    "metrics": Table("history", ("role_id", "metric", "as_of"), compare=("value", "status", "inputs"),
                     by_content=ByContent("lineage", "lineage_sets", "lineage_id")),
    "lineage_sets": Table("append", ("lineage_id",)),
    "alerts": Table("upsert", ("alert_id",)),
    "source_health": Table("upsert", ("source", "run_id")),
    "refresh_state": Table("upsert", ("as_of",)),
}
