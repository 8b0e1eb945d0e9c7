"""The alerts' reads: what was scored since the cursor, what is held and what is still to deliver; the night's report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from warehouse.queries.common import records, _json_records

# --------------------------------------------------------------------------- alerts

def last_finished_as_of(con: duckdb.DuckDBPyConnection, kinds: Sequence[str],
                        exclude_run_id: str | None = None) -> date | None:
    """The as-of date of the last completed or degraded run of these kinds."""
    marks = ", ".join("?" for _ in kinds)
    (value,) = con.execute(
        f"SELECT max(as_of) FROM runs WHERE kind IN ({marks}) AND status IN ('completed', 'degraded')"
        " AND run_id IS DISTINCT FROM ?", [*kinds, exclude_run_id]).fetchone()
    return value


def score_history_since(con: duckdb.DuckDBPyConnection, start: date | None) -> pd.DataFrame:
    """Every role's nightly AIJRI, zone and sub-label from `start` (None: all), by role and night."""
    return con.execute(
        "SELECT role_id, title, as_of, aijri, zone, sublabel FROM score_history WHERE ? IS NULL OR as_of >= ?"
        " ORDER BY role_id, as_of", [start, start]).df()


def source_health_since(con: duckdb.DuckDBPyConnection, start: date | None) -> pd.DataFrame:
    return con.execute(
        "SELECT source, run_id, as_of, requests, ok, unchanged, failed, outcomes FROM source_health"
        " WHERE ? IS NULL OR as_of >= ?", [start, start]).df()


def alert_ids_held(con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str]) -> set[str]:
    if not alert_ids:
        return set()
    return {r for (r,) in con.execute("SELECT alert_id FROM alerts WHERE list_contains(?, alert_id)",
                                      [list(alert_ids)]).fetchall()}


#: the columns of an alert row, as `store.write` takes them back
ALERT_COLUMNS = ("alert_id", "kind", "subject", "as_of", "from_state", "to_state", "from_aijri", "to_aijri",
                 "message", "status", "attempts", "last_error", "run_id", "created_at", "delivered_at")


def alerts_to_deliver(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Alerts still `pending` or `failed`, oldest first."""
    return records(con.execute(
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts WHERE status IN ('pending', 'failed')"
        " ORDER BY as_of, created_at, alert_id"))


# --------------------------------------------------------------------------- the night's report

def zone_changes_on(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    return _json_records(con.execute(
        "SELECT role_id, from_zone, to_zone, from_sublabel, to_sublabel, from_aijri, to_aijri, change"
        " FROM zone_changes WHERE as_of = ? ORDER BY role_id", [as_of]).df())


def quarantined_in_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    return _json_records(con.execute(
        "SELECT source, fetch_id, series_key, metric, period_end, value, check_name, failure"
        " FROM quarantine WHERE run_id = ? ORDER BY source, series_key", [run_id]).df())


def alerts_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    return _json_records(con.execute(
        "SELECT kind, subject, from_state, to_state, status, message FROM alerts WHERE run_id = ?"
        " ORDER BY subject", [run_id]).df())
