"""The night's reads: fingerprints, runs and fetching, refresh inputs, its lifecycle, the hostile-data guards, replay."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from core.catalogue import DIMENSIONS
from warehouse.queries.common import RECENT_EVIDENCE_DAYS, CONTENT_TABLES, _EVIDENCE_COLUMNS

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
    # arg_max over a struct of the row, not a window's row_number: a quarter of the time over
    # the recent 45 nights (5 M evidence rows at 1,000 roles x 3 years).
    return con.execute(
        f"SELECT unnest(arg_max(struct_pack({_EVIDENCE_COLUMNS}), (as_of, version))) FROM evidence_scores"
        f" WHERE {where} GROUP BY role_id, dimension", params).df()


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
