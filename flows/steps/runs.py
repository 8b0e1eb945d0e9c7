"""The `runs` log: a run starts as `running` and ends completed, degraded, failed or interrupted."""

from __future__ import annotations

import json
import logging
import signal
import uuid
from datetime import date, datetime, timezone

import duckdb
import pandas as pd

from core import progress
from core.errors import NightFailed, NightInterrupted
from core.paths import Home
from warehouse import queries
from warehouse.db import open_warehouse, transaction
from warehouse.store import write

log = logging.getLogger(__name__)
#: how much of a cause the one-line message keeps (a pandera or DuckDB error can be pages long)
_CAUSE_CHARS = 400


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


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line, cut to a readable length."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= _CAUSE_CHARS else text[:_CAUSE_CHARS - 1] + "…"


def record_failure(home: Home, run_id: str, exc: BaseException, step: str, *, reopen: bool = False) -> BaseException:
    """Mark a still-`running` run failed (or interrupted, for a signal); returns what to raise.

    `reopen`: the run was closed already (completed or degraded) and a step after its close
    (publishing) failed, so the closed run is rewritten too.

    A signal gives back the `NightInterrupted` itself (now naming the step and the run); any
    other exception a `NightFailed` naming the step and the cause, with `exc` as its cause.
    """
    if isinstance(exc, KeyboardInterrupt):  # Ctrl-C outside our handler (a night run in a thread)
        exc = NightInterrupted(2)
    interrupted = isinstance(exc, NightInterrupted)
    if interrupted:
        exc.step, exc.run_id = step, run_id
        cause = f"interrupted by {signal.Signals(exc.signum).name}"
    else:
        cause = one_line(exc)
    progress.stage("finish", "failed", f"{step}: {cause}")
    recorded = False
    try:
        with open_warehouse(home.warehouse, wait_seconds=5) as con:
            # Only a running run (or one the publication reopens): a signal landing after the
            # night was over must not rewrite it.
            if queries.run_status(con, run_id) in (("running", "completed", "degraded") if reopen else ("running",)):
                finish_run(con, run_id, "interrupted" if interrupted else "failed",
                           {"step": step, "error": cause})
            recorded = True
    except Exception:  # noqa: BLE001 - the original error is the one to report
        log.exception("could not record the failed run %s", run_id)
    if interrupted:
        exc.recorded = recorded
        return exc
    return NightFailed(step, cause, run_id, recorded)
