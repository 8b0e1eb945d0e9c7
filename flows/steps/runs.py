"""The `runs` log: a run starts as `running` and ends completed, degraded or failed."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

import duckdb
import pandas as pd

from warehouse import queries
from warehouse.db import transaction
from warehouse.store import write


def new_run_id(kind: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, as_of: date | None) -> None:
    with transaction(con):
        write(con, "runs", pd.DataFrame([{
            "run_id": run_id, "kind": kind, "started_at": datetime.now(timezone.utc),
            "status": "running", "as_of": as_of}]))


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, summary: dict) -> None:
    kind, started_at, as_of = queries.run_start(con, run_id)
    with transaction(con):
        write(con, "runs", pd.DataFrame([{
            "run_id": run_id, "kind": kind, "started_at": started_at, "as_of": as_of,
            "finished_at": datetime.now(timezone.utc), "status": status,
            "summary": json.dumps(summary, default=str)}]))
