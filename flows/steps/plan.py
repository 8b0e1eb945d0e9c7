"""Plan a night: settings, catalogue, the run record, and every source's requests by host."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import duckdb
import pandas as pd

from core import progress
from core.catalogue import DIMENSIONS, Catalogue, load_catalogue, not_a_regular_file
from core.paths import Home
from core.settings import Settings, load_settings
from flows.steps.runs import new_run_id, record_failure, start_run
from scrapers.base import ScraperError, SourceRequest
from scrapers.gather import build_requests
from scrapers.http import HttpSettings, Validator, local_path
from scrapers.registry import SOURCES, catalogue_options
from warehouse import queries
from warehouse.db import open_warehouse, transaction
from warehouse.store import write

log = logging.getLogger(__name__)


@dataclass
class NightPlan:
    run_id: str
    kind: str
    as_of: date
    home: Home
    settings: Settings
    http: HttpSettings
    catalogue: Catalogue
    requests_by_host: dict[str, list[SourceRequest]]
    validators: dict[str, Validator]
    plan_errors: list[str] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return list(self.requests_by_host)


@contextmanager
def sources_for(demo: bool = False, samples: str | None = None,
                base_urls: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """The base URLs to fetch from: given ones, the real ones, or a loopback server over the samples."""
    if not demo:
        yield dict(base_urls or {})
        return
    from scrapers.loopback import SAMPLES_DIR, sample_server

    with sample_server(Path(samples) if samples else SAMPLES_DIR) as server:
        yield server.base_urls()


def _host_of(req: SourceRequest) -> str:
    netloc = urlsplit(req.url).netloc.lower()
    return netloc or "local-files"


def _stable_keys(requests: list[SourceRequest], base_urls: dict[str, str]) -> None:
    """Key conditional-GET state by source, not by a server's address.

    The demo's loopback server gets a new port every run; keyed by URL, a night over
    unchanged samples would look like a night of new pages and re-parse everything.
    """
    for req in requests:
        base = base_urls.get(req.source)
        if base and req.key.startswith(base):
            req.key = f"{req.source}:{req.key[len(base):]}"
        elif base and req.key.startswith(f"{req.method} {base}"):
            req.key = f"{req.method} {req.source}:{req.key[len(req.method) + 1 + len(base):]}"


def plan(home: str | None, as_of: str | None, catalogue_dir: str | None, config: str | None,
         base_urls: dict[str, str], demo: bool = False, kind: str | None = None) -> NightPlan:
    """Start the run, then load what the night needs; a failure after the start records it failed."""
    settings = load_settings(config)
    home_dir = Home.resolve(home).ensure()
    day = date.fromisoformat(as_of) if as_of else (
        date.fromisoformat(settings.demo["as_of"]) if demo and settings.demo.get("as_of") else date.today())
    kind = kind or ("demo" if demo else "nightly")
    run_id = new_run_id(kind)
    # The run is recorded first, so whatever stops the night from here on (a catalogue that
    # cannot be read, a signal while blocked in a read) is recorded against it.
    with open_warehouse(home_dir.warehouse) as con:
        start_run(con, run_id, kind, day)
    try:
        progress.stage("plan", "running")
        return _plan_run(home_dir, settings, day, kind, run_id, catalogue_dir, base_urls, demo)
    except BaseException as exc:
        failure = record_failure(home_dir, run_id, exc, "plan")
        if failure is exc:
            raise
        raise failure from exc


def _plan_run(home_dir: Home, settings: Settings, day: date, kind: str, run_id: str, catalogue_dir: str | None,
              base_urls: dict[str, str], demo: bool) -> NightPlan:
    catalogue = load_catalogue(Path(catalogue_dir) if catalogue_dir else None, strict=False,
                               cache=home_dir.catalogue_cache)
    http = HttpSettings.from_mapping(settings.http)
    if demo:
        # Our own loopback server: politeness towards it would only slow the demo down.
        http.rate_limits["127.0.0.1"] = 0.0
    with open_warehouse(home_dir.warehouse) as con:
        load_catalogue_stage(con, catalogue, run_id)  # before refresh: tonight's evidence stacks on the seed
        validators = {url: Validator(etag, lm, sha, checked)
                      for url, etag, lm, sha, checked in queries.http_validators(con)}
        stored = {s.name: queries.stored_series(con, s.name, s.stored.metrics)
                  for s in SOURCES.values() if s.stored is not None}
    options = {name: dict(table) for name, table in settings.sources.items()}
    if catalogue_dir:  # reviewed files a source reads (claims, watch-lists) travel with the catalogue
        for name, files in catalogue_options(catalogue_dir).items():
            options.setdefault(name, {}).update(files)
    errors = list(catalogue.errors)
    _stored_states(stored, options, errors)
    requests = build_requests(list(SOURCES.values()), [r.lookup_keys() for r in catalogue], base_urls, options,
                              today=day, errors=errors)
    requests = _readable_local_files(requests, errors)
    _stable_keys(requests, base_urls)
    by_host: dict[str, list[SourceRequest]] = {}
    for req in requests:
        by_host.setdefault(_host_of(req), []).append(req)
    for message in errors:
        log.warning("plan: %s", message)
    progress.stage("plan", "done", f"{len(catalogue)} roles, {len(requests)} requests, {len(by_host)} hosts")
    return NightPlan(run_id, kind, day, home_dir, settings, http, catalogue, by_host, validators, errors)


def _stored_states(stored: dict[str, pd.DataFrame], options: dict[str, dict], errors: list[str]) -> None:
    """Hand each source what it declared it needs back of its stored observations (`Source.stored`)."""
    for name, rows in stored.items():
        spec = SOURCES[name].stored
        assert spec is not None
        try:
            options.setdefault(name, {})["stored"] = dict(spec.state(rows))
        except ScraperError as exc:
            # planning as if nothing were stored costs requests, never data: reported, not fatal
            errors.append(f"{name}: stored state unreadable, planned as if nothing were stored: {exc}")


def _readable_local_files(requests: list[SourceRequest], errors: list[str]) -> list[SourceRequest]:
    """Leave out a local file (the expert claims) that is not a regular file, reporting it.

    Reading a FIFO waits for a writer that never comes: it held a fetch thread, and so the whole
    night, for ever. The night goes on without it, as without a broken role file.
    """
    kept = []
    for req in requests:
        problem = not_a_regular_file(local_path(req.url)) if _host_of(req) == "local-files" else None
        if problem:
            errors.append(problem)
        else:
            kept.append(req)
    return kept


# --------------------------------------------------------------------------- the catalogue as loaded

def catalogue_frame(catalogue: Catalogue, run_id: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "role_id": r.id, "content_hash": catalogue.hashes[r.id], "title": r.title,
        "source_file": str(catalogue.files[r.id].name),
        "document": r.model_dump_json(), "first_run_id": run_id,
    } for r in catalogue])


def baseline_evidence_frame(catalogue: Catalogue, run_id: str) -> pd.DataFrame:
    """The catalogue's published per-dimension evidence, as evidence rows of origin `published`."""
    rows = [{
        "role_id": r.id, "dimension": d, "as_of": r.evidence[d].as_of, "score": r.evidence[d].score,
        "origin": "published", "status": "published", "confidence": None, "age_days": None,
        "inputs": json.dumps({"basis": r.evidence[d].basis}), "rationale": r.evidence[d].basis,
        "rubric_version": None, "rubric_score": None, "run_id": run_id,
    } for r in catalogue if r.evidence for d in DIMENSIONS]
    return pd.DataFrame(rows)


def load_catalogue_stage(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, run_id: str) -> int:
    """Record the catalogue as loaded; a new or edited role also seeds its published evidence.

    Only new catalogue versions seed: re-seeding every run would stack a `published` version
    on top of evidence refreshed for the same date.
    """
    held = queries.catalogue_versions_held(con)
    fresh = [rid for rid in catalogue.roles if (rid, catalogue.hashes[rid]) not in held]
    with transaction(con):
        added = write(con, "catalogue_versions", catalogue_frame(catalogue, run_id))
        baseline = baseline_evidence_frame(catalogue, run_id)
        if len(baseline):
            write(con, "evidence_scores", baseline[baseline["role_id"].isin(fresh)])
    return added
