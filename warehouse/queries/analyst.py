"""The CLI's and analysts' reads: one role's results and lineage, the dictionary, and analyst SQL (checked, sandboxed)."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from core.errors import AnalystSqlRefused
from warehouse.queries.common import records

# --------------------------------------------------------------------------- the CLI and lineage

def role_results(con: duckdb.DuckDBPyConnection, role_id: str) -> pd.DataFrame:
    """Every stored AIJRI result of one role, every version, oldest first (`jobzone history`)."""
    return con.execute(
        "SELECT as_of, version, aijri, zone, sublabel, evidence_total, evidence_refreshed, methodology_version,"
        " rubric_version, run_id FROM aijri_results WHERE role_id = ? ORDER BY as_of, version", [role_id]).df()


def all_observations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every stored observation in the long format (the backtest replays the rubric over them)."""
    return con.execute(
        "SELECT source, series_key, subject, geography, metric, period_start, period_end, value, unit, detail,"
        " fetch_id FROM observations").df()


def analyst_cursor(con: duckdb.DuckDBPyConnection, sql: str,
                   params: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """An analyst's own SQL (`jobzone sql`) executed, its rows left to fetch: exactly one read-only
    query, on a connection opened with `warehouse.db.connect_analyst` (external access off,
    configuration locked), with `params` bound by DuckDB to `$name`, never pasted into the text.

    Raises `AnalystSqlRefused` for anything else (see `check_analyst_sql`)."""
    check_analyst_sql(con, sql)
    return con.execute(sql, params) if params else con.execute(sql)


def analyst_parameters(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """The parameter names a query uses (`$role` -> 'role'; a positional `?` is '1', '2', ...)."""
    try:
        return {name for statement in con.extract_statements(sql) for name in statement.named_parameters}
    except duckdb.Error:
        return set()  # a syntax error is left for `execute` to report in DuckDB's own words


def analyst_query(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """`analyst_cursor` as a frame."""
    return analyst_cursor(con, sql, params).df()


def relations_with_counts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every user view and table (`jobzone tables`): name, kind, row count and COMMENT, views first."""
    found = con.execute(
        "SELECT view_name AS name, 'view' AS kind, comment FROM duckdb_views() WHERE NOT internal"
        " AND schema_name = 'main' UNION ALL SELECT table_name, 'table', comment FROM duckdb_tables()"
        " WHERE NOT internal AND schema_name = 'main' ORDER BY kind DESC, name").fetchall()
    # names come from the catalogue itself, quoted as identifiers
    return [{"name": name, "kind": kind,
             "rows": con.execute('SELECT count(*) FROM "' + name.replace('"', '""') + '"').fetchone()[0],
             "comment": comment} for name, kind, comment in found]


def result_on_or_before(con: duckdb.DuckDBPyConnection, role_id: str, as_of: date | None) -> dict | None:
    """The newest `score_history` row of a role on or before `as_of` (None: the latest), with the
    modifiers (em, bm, gm, raw) of that night's newest stored version."""
    rows = records(con.execute("SELECT * FROM score_history WHERE role_id = ? AND (? IS NULL OR as_of <= ?)"
                               " ORDER BY as_of DESC LIMIT 1", [role_id, as_of, as_of]))
    if not rows:
        return None
    modifiers = records(con.execute("SELECT em, bm, gm, raw FROM aijri_results WHERE role_id = ? AND as_of = ?"
                                    " ORDER BY version DESC LIMIT 1", [role_id, rows[0]["as_of"]]))[0]
    return {**rows[0], **modifiers}


def evidence_in_force(con: duckdb.DuckDBPyConnection, role_id: str, day: date) -> dict[str, dict]:
    """Per dimension, the newest evidence row of a role on or before `day`."""
    return {r["dimension"]: r for r in records(con.execute("""
        SELECT dimension, as_of, score, origin, status, confidence, age_days, rationale, rubric_version, rubric_score
        FROM evidence_history WHERE role_id = ? AND as_of <= ?
        QUALIFY row_number() OVER (PARTITION BY dimension ORDER BY as_of DESC) = 1""", [role_id, day]))}


def metrics_of(con: duckdb.DuckDBPyConnection, role_id: str, day: date, metrics: list[str]) -> list[dict]:
    """The newest version of each named metric of a role on `day`."""
    return records(con.execute("""
        SELECT metric, value, unit, status, note, sample_size, observed_to FROM metrics
        WHERE role_id = ? AND as_of = ? AND list_contains(?, metric)
        QUALIFY row_number() OVER (PARTITION BY metric ORDER BY version DESC) = 1
        ORDER BY metric""", [role_id, day, metrics]))


def lineage_of(con: duckdb.DuckDBPyConnection, role_id: str, day: date, metric: str) -> list[dict]:
    """The observations (and the fetch each came from) behind one metric of a role on `day`."""
    return records(con.execute("""
        SELECT source, series_key, observed_metric, period_end, observed_value, observed_unit,
               url, fetched_at, sha256
        FROM lineage WHERE role_id = ? AND as_of = ? AND derived_metric = ?
        ORDER BY period_end DESC, series_key""", [role_id, day, metric]))


def view_comments(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Every user view and its COMMENT."""
    return dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())


def view_columns(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[str, str, str | None]]:
    """(column, type, COMMENT) of one view, in order."""
    return con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [view]).fetchall()


# --------------------------------------------------------------------------- analyst sql


#: DuckDB's SELECT statement type also covers WITH, FROM-first, VALUES, DESCRIBE, SHOW and
#: SUMMARIZE. Every other type (ATTACH, COPY, EXPORT, INSTALL/LOAD, SET/RESET/PRAGMA, CALL,
#: EXPLAIN, which runs its inner statement under ANALYZE, ...) is refused by name, so a new
#: DuckDB statement kind is refused until someone decides it is a read.
ANALYST_STATEMENT_TYPES = frozenset({duckdb.StatementType.SELECT})
_ANALYST_KINDS = "SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE"


def check_analyst_sql(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse anything but exactly one read-only query, before any of it runs.

    `execute` runs every statement of a script, so `SELECT 1; ATTACH ...; DELETE ...` would get
    past a check of the first one only: the whole text is split with DuckDB's own parser (the one
    `execute` uses, so the two cannot disagree) and must be one statement. A syntax error is left
    for `execute` to report in DuckDB's own words.
    """
    try:
        statements = con.extract_statements(sql)
    except duckdb.ParserException:
        return
    if not statements:
        raise AnalystSqlRefused("refused: no statement to run")
    if len(statements) > 1:
        raise AnalystSqlRefused(f"refused: one statement at a time ({len(statements)} given);"
                                f" `jobzone sql` runs a single read-only query")
    try:
        kind = statements[0].type
    except ValueError:
        # the Python client has no StatementType for some statements (UPDATE EXTENSIONS is 29)
        raise AnalystSqlRefused(f"refused: not a read-only query; `jobzone sql` runs one of {_ANALYST_KINDS}") from None
    if kind not in ANALYST_STATEMENT_TYPES:
        raise AnalystSqlRefused(f"refused: {kind.name} statement; `jobzone sql` runs one read-only query"
                                f" ({_ANALYST_KINDS})")
