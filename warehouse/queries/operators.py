"""The operators' reads (`jobzone status`, `jobzone doctor`)."""

from __future__ import annotations


import duckdb

from warehouse.queries.common import records

# --------------------------------------------------------------------------- operators (status, doctor)

#: the run kinds that are nights (a scheduled or manual nightly, the demo)
NIGHT_KINDS = ("nightly", "demo")


def last_night(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest night's run (as `run_log` shows it), or None before the first.

    Read from `runs` itself, not the view: a warehouse the new code has not opened for writing
    yet (views are re-applied then) must still answer `jobzone status`.
    """
    rows = records(con.execute(
        "SELECT run_id, kind, as_of, status, started_at, finished_at,"
        " round(epoch(finished_at) - epoch(started_at), 3) AS duration_seconds, summary"
        " FROM runs WHERE list_contains(?, kind) ORDER BY started_at DESC LIMIT 1", [list(NIGHT_KINDS)]))
    return rows[0] if rows else None


def failing_sources(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    """The sources with a failed request in `run_id`, each with how many nights in a row it has failed."""
    return records(con.execute("""
        WITH nights AS (
            SELECT h.source, h.run_id, h.failed, h.requests, h.outcomes, r.started_at,
                   row_number() OVER (PARTITION BY h.source ORDER BY r.started_at DESC) AS back
            FROM source_health h JOIN runs r USING (run_id) WHERE list_contains(?, r.kind)),
        streak AS (
            SELECT source, coalesce(min(back) FILTER (WHERE failed = 0) - 1, count(*)) AS nights
            FROM nights GROUP BY source)
        SELECT n.source, n.failed, n.requests, n.outcomes, s.nights AS nights_failing
        FROM nights n JOIN streak s USING (source) WHERE n.run_id = ? AND n.failed > 0 ORDER BY n.source""",
        [list(NIGHT_KINDS), run_id]))


def stale_evidence(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per role, the dimensions whose evidence in force behind the latest score was not refreshed
    from data that night (carried or still the published value), oldest first."""
    return records(con.execute("""
        SELECT e.role_id, e.dimension, e.origin, e.status, e.as_of AS evidence_as_of, l.as_of AS scored_as_of,
               coalesce(e.age_days, 0) + date_diff('day', e.as_of, l.as_of) AS age_days
        FROM evidence_history e JOIN latest_scores l USING (role_id) WHERE e.as_of <= l.as_of
        QUALIFY row_number() OVER (PARTITION BY e.role_id, e.dimension ORDER BY e.as_of DESC, e.version DESC) = 1
             AND e.origin IN ('carried', 'published')
        ORDER BY age_days DESC, e.role_id, e.dimension"""))


def pending_alerts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Alerts not delivered yet (`pending` or `failed`, to be retried), oldest first."""
    return records(con.execute(
        "SELECT alert_id, kind, subject, as_of, to_state, status, attempts, last_error FROM alerts"
        " WHERE status IN ('pending', 'failed') ORDER BY as_of, created_at, alert_id"))


def migrations_applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The schema migration versions a warehouse holds."""
    return {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
