"""Record the fetch log and per-source health, in one transaction, even when later steps fail."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd

from flows.steps.plan import NightPlan
from scrapers.gather import GatherResult
from scrapers.http import FAILED_OUTCOMES, OK, UNCHANGED, FetchResult
from warehouse.db import open_warehouse, transaction
from warehouse.store import write


def _fetch_rows(fetches: list[FetchResult], run_id: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "fetch_id": f.fetch_id, "run_id": run_id, "source": f.source, "url": f.url, "status": f.status,
        "outcome": f.outcome, "etag": f.etag, "last_modified": f.last_modified, "content_type": f.content_type,
        "fetched_at": f.fetched_at, "bytes": f.bytes, "sha256": f.sha256, "encoding": f.encoding,
        "replacements": f.replacements, "detail": f.detail, "request_key": f.key,
        "context": json.dumps(dict(f.request.context) if f.request is not None else {}, default=str)}
        for f in fetches])


def source_outcomes(gathered: list[GatherResult]) -> dict[str, Counter]:
    per_source: dict[str, Counter] = {}
    for g in gathered:
        for f in g.fetches:
            per_source.setdefault(f.source, Counter())[f.outcome] += 1
    return per_source


def record_fetches(plan: NightPlan, gathered: list[GatherResult]) -> dict:
    """The fetch log and per-source health; written even when later steps fail."""
    fetches = [f for g in gathered for f in g.fetches]
    health = pd.DataFrame([{
        "source": source, "run_id": plan.run_id, "as_of": plan.as_of, "requests": sum(c.values()),
        "ok": c[OK], "unchanged": c[UNCHANGED], "failed": sum(v for k, v in c.items() if k in FAILED_OUTCOMES),
        "outcomes": json.dumps(dict(c))} for source, c in source_outcomes(gathered).items()])
    with open_warehouse(plan.home.warehouse) as con, transaction(con):
        added = write(con, "fetches", _fetch_rows(fetches, plan.run_id))
        write(con, "source_health", health)
    return {"fetches": added, "sources": {s: dict(c) for s, c in source_outcomes(gathered).items()}}
