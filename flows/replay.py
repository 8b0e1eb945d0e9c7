"""Re-parse archived raw bodies with today's parsers, without any network."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from scrapers.archive import RawArchive
from scrapers.base import ParseContext, ScraperError
from scrapers.registry import get_source
from warehouse.db import transaction
from warehouse.store import write

KEY = ["fetch_id", "series_key", "subject", "metric", "period_end"]


@dataclass
class ReplayReport:
    fetches: int = 0
    observations: int = 0
    identical: int = 0
    changed: int = 0
    quarantined: int = 0
    new: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def reparse(con: duckdb.DuckDBPyConnection, archive: RawArchive, since: date | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Every archived body fetched since `since`, parsed again with the context it was fetched with."""
    rows = con.execute(
        "SELECT fetch_id, source, url, sha256, fetched_at, encoding, context"
        " FROM fetches WHERE outcome IN ('ok', 'parse_error') AND sha256 IS NOT NULL"
        " AND (? IS NULL OR fetched_at >= ?) ORDER BY fetched_at", [since, since]).fetchall()
    frames, errors = [], []
    for fetch_id, source, url, sha, fetched_at, encoding, context in rows:
        try:
            body = archive.get(sha)
            extra = json.loads(context) if context else {}
            ctx = ParseContext(url=url, source=source, fetched_at=fetched_at, extra=extra, encoding=encoding)
            frame = get_source(source).parse(body, ctx)
        except ScraperError as exc:
            errors.append(f"{fetch_id} {url}: {exc}")
            continue
        frames.append(frame.assign(fetch_id=fetch_id))
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KEY)), errors


def replay(con: duckdb.DuckDBPyConnection, archive: RawArchive, since: date | None = None,
           apply: bool = False, run_id: str | None = None) -> ReplayReport:
    parsed, errors = reparse(con, archive, since)
    report = ReplayReport(fetches=parsed["fetch_id"].nunique() if len(parsed) else 0,
                          observations=len(parsed), errors=errors)
    if parsed.empty:
        return report
    con.register("_replayed", parsed)
    try:
        # Observations are stored as changes: a value re-published by a later fetch is held once,
        # under the fetch that first carried it. So a replayed row is "identical" when the same
        # value is held for its key from any fetch up to and including its own.
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
    report.identical, report.changed, report.quarantined, report.new = map(int, counts)
    if apply and report.new:
        with transaction(con):
            report.written = write(con, "observations", parsed.assign(run_id=run_id))
    return report
