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
from warehouse import queries
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
    rows = queries.archived_fetches(con, since)
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
    report.identical, report.changed, report.quarantined, report.new = queries.compare_with_stored(con, parsed)
    if apply and report.new:
        with transaction(con):
            report.written = write(con, "observations", parsed.assign(run_id=run_id))
    return report
