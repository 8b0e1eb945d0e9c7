"""Every read of the warehouse, as named queries (`store.write` is the one writer).

The night's steps, the CLI and the site read only through these functions, so a schema change
has one place to land and a reader never builds SQL of its own. Each returns plain Python or a
pandas frame, never a cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.catalogue import DIMENSIONS

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


# --------------------------------------------------------------------------- stamps (fingerprints)

def table_stamp(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, datetime | None]:
    """(row count, newest stamp) of one of `CONTENT_TABLES`."""
    stamp = CONTENT_TABLES[table]
    count, newest = con.execute(f'SELECT count(*), max("{stamp}") FROM "{table}"').fetchone()
    return count, newest


def content_stamps(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, datetime | None]]:
    """`table_stamp` of every table the publication shows."""
    return {table: table_stamp(con, table) for table in CONTENT_TABLES}


def evidence_stamp_before(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[int, datetime | None]:
    """(row count, newest stamp) of the evidence dated before `as_of`."""
    count, newest = con.execute(
        "SELECT count(*), max(created_at) FROM evidence_scores WHERE as_of < ?", [as_of]).fetchone()
    return count, newest


# --------------------------------------------------------------------------- runs and fetching

def run_start(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[str, datetime, date | None]:
    """(kind, started_at, as_of) of a started run."""
    return con.execute("SELECT kind, started_at, as_of FROM runs WHERE run_id = ?", [run_id]).fetchall()[0]


def http_validators(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(request key, etag, last_modified, sha256, updated_at) of every conditional-GET validator."""
    return con.execute("SELECT url, etag, last_modified, sha256, updated_at FROM http_validators").fetchall()


def catalogue_versions_held(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(role_id, content_hash) of every catalogue version ever loaded."""
    return {(r, h) for r, h in con.execute("SELECT role_id, content_hash FROM catalogue_versions").fetchall()}


# --------------------------------------------------------------------------- refresh inputs

def refresh_state(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[str, str | None] | None:
    """(inputs_key, origins JSON) of the last refresh of night `as_of`, if any."""
    return con.execute("SELECT inputs_key, origins FROM refresh_state WHERE as_of = ?", [as_of]).fetchone()


def observation_history(con: duckdb.DuckDBPyConnection, as_of: date, history_days: int,
                        excluding_requests: list[str]) -> pd.DataFrame:
    """The newest value of each stored observation inside the look-back window, oldest first,
    leaving out everything that came from the requests in `excluding_requests`."""
    return con.execute(
        "SELECT o.source, o.series_key, o.subject, o.geography, o.metric, o.period_start, o.period_end, o.value,"
        " o.unit, o.detail, o.fetch_id FROM observations o JOIN fetches f USING (fetch_id)"
        " WHERE NOT list_contains(?, f.request_key) AND o.period_end >= ?::DATE - ?::INTEGER"
        " QUALIFY row_number() OVER (PARTITION BY o.series_key, o.subject, o.metric, o.period_start, o.period_end"
        "                            ORDER BY o.loaded_at DESC) = 1"
        " ORDER BY o.period_end", [excluding_requests, as_of, history_days]).df()


def changed_observations(con: duckdb.DuckDBPyConnection, tonight: pd.DataFrame | None) -> pd.DataFrame | None:
    """Tonight's observations that are new or changed against the newest value held, plus the
    newest row of each series.

    A re-published CSV repeats years of unchanged history; storing only the changes keeps the
    warehouse compact, and each number's lineage points at the fetch that first carried it. The
    newest row of every series is always kept so that tonight's batch still shows how far the
    series reaches (the dates-running-backwards guard compares exactly that).
    """
    if tonight is None or tonight.empty:
        return tonight
    probe = tonight.assign(_row=range(len(tonight)))
    newest = probe.assign(_end=pd.to_datetime(probe["period_end"])).groupby("series_key")["_end"].transform("max")
    keep_newest = pd.to_datetime(probe["period_end"]) == newest
    con.register("_tonight", probe[["_row", "series_key", "subject", "metric", "period_start", "period_end", "value"]])
    try:
        unchanged = {row for (row,) in con.execute("""
            WITH held AS (
                SELECT series_key, subject, metric, period_start, period_end, arg_max(value, loaded_at) AS value
                FROM observations GROUP BY ALL)
            SELECT t._row FROM _tonight t JOIN held h
              ON h.series_key = t.series_key AND h.subject = t.subject AND h.metric = t.metric
             AND h.period_start IS NOT DISTINCT FROM CAST(t.period_start AS DATE)
             AND h.period_end = CAST(t.period_end AS DATE)
            WHERE round(h.value, 9) IS NOT DISTINCT FROM round(t.value, 9)""").fetchall()}
    finally:
        con.unregister("_tonight")
    keep = keep_newest.to_numpy() | ~probe["_row"].isin(unchanged).to_numpy()
    return tonight[keep].reset_index(drop=True)


def _newest_evidence(con: duckdb.DuckDBPyConnection, where: str, params: list) -> pd.DataFrame:
    return con.execute(
        f"SELECT {_EVIDENCE_COLUMNS} FROM evidence_scores WHERE {where}"
        " QUALIFY row_number() OVER (PARTITION BY role_id, dimension ORDER BY as_of DESC, version DESC) = 1",
        params).df()


def current_evidence(con: duckdb.DuckDBPyConnection, as_of: date,
                     role_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The newest evidence per role x dimension on or before `as_of`.

    With `role_ids`, the rows of those roles only, found in the recent window first; the
    whole history is searched only for the (role, dimension) pairs the window lacks.
    """
    if role_ids is None:
        return _newest_evidence(con, "as_of <= ?", [as_of])
    wanted = sorted(set(role_ids))
    recent = _newest_evidence(
        con, "as_of <= ? AND as_of >= ? AND role_id IN (SELECT unnest(?::VARCHAR[]))",
        [as_of, as_of - timedelta(days=RECENT_EVIDENCE_DAYS), wanted])
    found = set(zip(recent["role_id"], recent["dimension"]))
    lacking = [r for r in wanted if any((r, d) not in found for d in DIMENSIONS)]
    if not lacking:
        return recent
    older = _newest_evidence(con, "as_of < ? AND role_id IN (SELECT unnest(?::VARCHAR[]))",
                             [as_of - timedelta(days=RECENT_EVIDENCE_DAYS), lacking])
    older = older[[(r, d) not in found for r, d in zip(older["role_id"], older["dimension"])]]
    if older.empty:
        return recent
    return pd.concat([recent, older], ignore_index=True)


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


# --------------------------------------------------------------------------- replay

def archived_fetches(con: duckdb.DuckDBPyConnection, since: date | None) -> list[tuple]:
    """(fetch_id, source, url, sha256, fetched_at, encoding, context) of every parsed body since `since`."""
    return con.execute(
        "SELECT fetch_id, source, url, sha256, fetched_at, encoding, context"
        " FROM fetches WHERE outcome IN ('ok', 'parse_error') AND sha256 IS NOT NULL"
        " AND (? IS NULL OR fetched_at >= ?) ORDER BY fetched_at", [since, since]).fetchall()


def compare_with_stored(con: duckdb.DuckDBPyConnection, parsed: pd.DataFrame) -> tuple[int, int, int, int]:
    """(identical, changed, quarantined, new) counts of re-parsed rows against what is stored.

    Observations are stored as changes: a value re-published by a later fetch is held once,
    under the fetch that first carried it. So a replayed row is "identical" when the same
    value is held for its key from any fetch up to and including its own.
    """
    con.register("_replayed", parsed)
    try:
        counts = con.execute("""
            WITH r AS (SELECT r.*, f.fetched_at, row_number() OVER () AS rn
                       FROM _replayed r JOIN fetches f USING (fetch_id)),
            o AS (SELECT o.*, f.fetched_at AS o_fetched_at FROM observations o JOIN fetches f USING (fetch_id)),
            held AS (
              SELECT r.rn, any_value(r.fetch_id) AS fetch_id, any_value(r.series_key) AS series_key,
                     any_value(r.metric) AS metric, any_value(CAST(r.period_end AS DATE)) AS period_end,
                     coalesce(bool_or(o.value IS NOT DISTINCT FROM r.value), false) AS same,
                     count(o.series_key) > 0 AS any_row
              FROM r LEFT JOIN o
                ON o.series_key = r.series_key AND o.subject = r.subject AND o.metric = r.metric
               AND o.period_end = CAST(r.period_end AS DATE)
               AND o.period_start IS NOT DISTINCT FROM CAST(r.period_start AS DATE)
               AND o.o_fetched_at <= r.fetched_at
              GROUP BY r.rn
            )
            SELECT
              count(*) FILTER (WHERE same) AS identical,
              count(*) FILTER (WHERE NOT same AND any_row AND q.fetch_id IS NULL) AS changed,
              count(*) FILTER (WHERE NOT same AND q.fetch_id IS NOT NULL) AS quarantined,
              count(*) FILTER (WHERE NOT same AND NOT any_row AND q.fetch_id IS NULL) AS new
            FROM held h
            LEFT JOIN (SELECT DISTINCT fetch_id, series_key, metric, period_end FROM quarantine) q
                 ON q.fetch_id = h.fetch_id AND q.series_key = h.series_key AND q.metric = h.metric
                 AND q.period_end = h.period_end
        """).fetchall()[0]
    finally:
        con.unregister("_replayed")
    identical, changed, quarantined, new = map(int, counts)
    return identical, changed, quarantined, new


# --------------------------------------------------------------------------- the CLI and lineage

def role_results(con: duckdb.DuckDBPyConnection, role_id: str) -> pd.DataFrame:
    """Every stored AIJRI result of one role, every version, oldest first (`jobzone history`)."""
    return con.execute(
        "SELECT as_of, version, aijri, zone, sublabel, evidence_total, evidence_refreshed, methodology_version,"
        " rubric_version, run_id FROM aijri_results WHERE role_id = ? ORDER BY as_of, version", [role_id]).df()


def stored_series(con: duckdb.DuckDBPyConnection, source: str, metrics: Sequence[str]) -> pd.DataFrame:
    """A source's stored observations of `metrics`, one row per (metric, series_key, subject,
    period_start) with its newest value, and `fetched_at`: the last time the request that stored
    it answered (`ok` or `unchanged`). A source's plan-time state (`Source.stored`) reads it.

    Why the request and not the row: an unchanged body is not parsed, and an unchanged value is
    not stored again (`changed_observations`), so the row's own fetch would say a thread was
    last counted weeks ago when it was re-counted last night.
    """
    return con.execute("""
        WITH held AS (
            SELECT o.metric, o.series_key, o.subject, o.period_start, o.value, f.fetched_at, f.request_key
            FROM observations o JOIN fetches f USING (fetch_id)
            WHERE o.source = $source AND list_contains($metrics, o.metric)),
        answered AS (
            SELECT request_key, max(fetched_at) AS answered_at FROM fetches
            WHERE source = $source AND outcome IN ('ok', 'unchanged') AND request_key IS NOT NULL GROUP BY ALL)
        SELECT h.metric, h.series_key, h.subject, h.period_start, arg_max(h.value, h.fetched_at) AS value,
               greatest(max(h.fetched_at), max(a.answered_at)) AS fetched_at
        FROM held h LEFT JOIN answered a USING (request_key)
        GROUP BY ALL ORDER BY h.metric, h.period_start, h.series_key, h.subject""",
        {"source": source, "metrics": list(metrics)}).df()


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


# --------------------------------------------------------------------------- the site

#: what a role's card shows of its latest stored result (`aijri_results`), as stored
SITE_RESULT_COLUMNS = ("task_resistance", "evidence_total", "barrier_total", "growth", "pct_time_3plus",
                       "em", "bm", "gm", "raw", "aijri_unrounded", "aijri", "zone", "sublabel", "clamped",
                       "evidence_refreshed", "override_aijri", "override_note", "methodology_version",
                       "rubric_version")


def site_latest_scores(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every role's `latest_scores` row (its newest result and the change since the one before), by role."""
    return records(con.execute("SELECT * FROM latest_scores ORDER BY role_id"))


def site_score_nights(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(role_id, as_of, aijri, zone, sublabel) of every role's every night, by role and night.

    Plain tuples: years of nightly history are millions of rows and the charts need these only.
    """
    return con.execute(
        "SELECT role_id, as_of, aijri, zone, sublabel FROM score_history ORDER BY role_id, as_of").fetchall()


def site_latest_results(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The stored result of every role's latest night (its newest version): the inputs, the
    modifiers, the score, zone and sub-label and the versions, as the nightly wrote them."""
    return records(con.execute(
        "WITH d AS (SELECT role_id, max(as_of) AS as_of FROM aijri_results GROUP BY role_id)"
        f" SELECT a.role_id, a.as_of, {', '.join(f'a.{c}' for c in SITE_RESULT_COLUMNS)}"
        " FROM aijri_results a JOIN d ON a.role_id = d.role_id AND a.as_of = d.as_of"
        " QUALIFY row_number() OVER (PARTITION BY a.role_id ORDER BY a.version DESC) = 1 ORDER BY a.role_id"))


def site_evidence_in_force(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per role, the newest evidence row of each dimension on or before the role's latest result
    (not every stored version), by role, dimension and date."""
    return records(con.execute(
        "SELECT e.role_id, e.dimension, e.as_of, e.version, e.score, e.origin, e.status, e.confidence, e.age_days,"
        " e.rationale, e.inputs, e.rubric_version"
        " FROM evidence_history e JOIN latest_scores l USING (role_id) WHERE e.as_of <= l.as_of"
        " QUALIFY row_number() OVER (PARTITION BY e.role_id, e.dimension ORDER BY e.as_of DESC) = 1"
        " ORDER BY e.role_id, e.dimension, e.as_of"))


def site_role_documents(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The JSON document of every role as most recently loaded (`catalogue_versions`), by role."""
    return [doc for (doc,) in con.execute(
        "SELECT c.document FROM catalogue_versions c JOIN role_titles t"
        " ON c.role_id = t.role_id AND c.content_hash = t.catalogue_hash ORDER BY c.role_id").fetchall()]


# --------------------------------------------------------------------------- analyst sql

from core.errors import AnalystSqlRefused  # noqa: E402 - kept in this section, which is analyst_query's own

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


# --------------------------------------------------------------------------- the night's lifecycle

def run_status(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """The status of a run (None: no such run)."""
    found = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return found[0][0] if found else None


def last_finished_as_of_until(con: duckdb.DuckDBPyConnection, kinds: Sequence[str], until: date,
                              exclude_run_id: str | None = None) -> date | None:
    """The as-of date of the last completed or degraded run of these kinds dated on or before
    `until`: a run dated after tonight (one written before future as-ofs were refused) must not
    carry the alert cursor past tonight's crossings."""
    marks = ", ".join("?" for _ in kinds)
    (value,) = con.execute(
        f"SELECT max(as_of) FROM runs WHERE kind IN ({marks}) AND status IN ('completed', 'degraded')"
        " AND as_of <= ? AND run_id IS DISTINCT FROM ?", [*kinds, until, exclude_run_id]).fetchone()
    return value


# --------------------------------------------------------------------------- hostile data guards

def jump_held_values(con: duckdb.DuckDBPyConnection, as_of: date, days: int) -> pd.DataFrame:
    """Values the overnight-jump guard held (quarantined for that check alone) on nights before
    `as_of`, dated within `days` before it: one per series, metric and period (series_key,
    metric, period_end, value). A held level may be confirmed by the nights that follow it.

    Only earlier nights' runs count, so a rerun of tonight reads what its first attempt read.
    """
    return con.execute(
        "SELECT q.series_key, q.metric, q.period_end, arg_max(q.value, q.created_at) AS value"
        " FROM quarantine q JOIN runs r USING (run_id)"
        " WHERE q.check_name = 'plausibility:overnight_jump' AND r.as_of < ?"
        " AND q.period_end BETWEEN ?::DATE - ?::INTEGER AND ?"
        " GROUP BY q.series_key, q.metric, q.period_end ORDER BY q.period_end",
        [as_of, as_of, days, as_of]).df()


# --------------------------------------------------------------------------- score movements

_MOVEMENTS_SQL = (Path(__file__).with_name("movements.sql")).read_text(encoding="utf-8")
_NIGHT_PAIRS = ("SELECT * FROM (SELECT role_id, lag(as_of) OVER (PARTITION BY role_id ORDER BY as_of) AS from_as_of,"
                " as_of AS to_as_of FROM (SELECT DISTINCT role_id, as_of FROM aijri_results))"
                " WHERE ($since IS NULL OR to_as_of >= $since) AND ($until IS NULL OR to_as_of <= $until)")
_MOVED = ("p.from_aijri IS NOT NULL AND (p.from_aijri <> p.to_aijri OR p.from_zone IS DISTINCT FROM p.to_zone"
          " OR p.from_sublabel IS DISTINCT FROM p.to_sublabel)")


def score_movements(con: duckdb.DuckDBPyConnection, since: date | None = None,
                    until: date | None = None) -> list[dict]:
    """Every role and night whose AIJRI, zone or sub-label moved since the role's night before (its
    first night: since its published card), dated `since`..`until`, newest first: by how much, the
    dimensions and signals that moved, and the causes (evidence, catalogue, method; `movements.sql`)."""
    return records(con.execute(_MOVEMENTS_SQL.format(pairs=_NIGHT_PAIRS, where=_MOVED),
                               {"dims": list(DIMENSIONS), "since": since, "until": until}))


def movement_causes(con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, date | None, date]]) -> list[dict]:
    """What moved between each (role_id, from_as_of, to_as_of) pair of results, and why (the
    attribution of `score_movements`, for crossings that span several nights)."""
    if not pairs:
        return []
    frame = pd.DataFrame(list(pairs), columns=["role_id", "from_as_of", "to_as_of"])
    frame = frame.assign(from_as_of=pd.to_datetime(frame["from_as_of"]), to_as_of=pd.to_datetime(frame["to_as_of"]))
    con.register("_movement_pairs", frame)
    try:
        return records(con.execute(_MOVEMENTS_SQL.format(
            pairs="SELECT role_id, CAST(from_as_of AS DATE) AS from_as_of, CAST(to_as_of AS DATE) AS to_as_of"
                  " FROM _movement_pairs", where="true"), {"dims": list(DIMENSIONS)}))
    finally:
        con.unregister("_movement_pairs")


# --------------------------------------------------------------------------- the site: lineage and night health

_LINEAGE_KEYS = ('[{"fetch_id": "VARCHAR", "series_key": "VARCHAR", "subject": "VARCHAR", "metric": "VARCHAR",'
                 ' "period_end": "DATE", "source": "VARCHAR"}]')


def site_lineage(con: duckdb.DuckDBPyConnection, sample: int = 6) -> list[dict]:
    """Per role, metric of its latest night and fetch behind it: the source, URL, fetch time and
    sha256 of the raw bytes, how many observations came from it and the newest `sample` of them."""
    return records(con.execute(f"""
        WITH d AS (SELECT role_id, max(as_of) AS as_of FROM aijri_results GROUP BY role_id),
        m AS (SELECT m.role_id, m.metric, m.lineage FROM metrics m JOIN d USING (role_id, as_of)
              QUALIFY row_number() OVER (PARTITION BY m.role_id, m.metric ORDER BY m.version DESC) = 1),
        o AS (SELECT role_id, metric AS derived_metric, unnest(from_json(lineage, '{_LINEAGE_KEYS}')) AS o FROM m)
        SELECT o.role_id, o.derived_metric, o.o.source AS source, o.o.fetch_id AS fetch_id, any_value(f.url) AS url,
               any_value(f.fetched_at) AS fetched_at, any_value(f.sha256) AS sha256, count(*) AS observations,
               list({{'series_key': o.o.series_key, 'observed_metric': o.o.metric, 'period_end': o.o.period_end,
                      'value': obs.value, 'unit': obs.unit}} ORDER BY o.o.period_end DESC, o.o.series_key)[1:$n]
                 AS sample
        FROM o
        LEFT JOIN observations obs ON obs.fetch_id = o.o.fetch_id AND obs.series_key = o.o.series_key
             AND obs.subject = o.o.subject AND obs.metric = o.o.metric AND obs.period_end = o.o.period_end
        LEFT JOIN fetches f ON f.fetch_id = o.o.fetch_id
        GROUP BY ALL ORDER BY o.role_id, o.derived_metric, fetched_at""", {"n": sample}))


def site_night_health(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest night that fetched (its run, status and as-of), each source's requests and
    failures that night, and the metrics of every role's latest night whose request failed."""
    runs = records(con.execute(
        "SELECT run_id, kind, status, as_of, started_at, finished_at FROM runs"
        " WHERE run_id IN (SELECT run_id FROM source_health) ORDER BY started_at DESC LIMIT 1"))
    if not runs:
        return None
    sources = records(con.execute(
        "SELECT source, requests, ok, unchanged, failed, outcomes FROM source_health WHERE run_id = ?"
        " ORDER BY source", [runs[0]["run_id"]]))
    failed_inputs = records(con.execute(
        "WITH d AS (SELECT role_id, max(as_of) AS as_of FROM aijri_results GROUP BY role_id)"
        " SELECT m.role_id, m.metric, m.note FROM metrics m JOIN d USING (role_id, as_of)"
        " QUALIFY row_number() OVER (PARTITION BY m.role_id, m.metric ORDER BY m.version DESC) = 1"
        "   AND m.status = 'request_failed' ORDER BY m.role_id, m.metric"))
    return {**runs[0], "sources": sources, "failed_inputs": failed_inputs}

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
