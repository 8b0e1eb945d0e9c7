"""One night, step by step: plan → collect (per host) → record → refresh → score → publish → alert.

Plain functions over a `NightPlan`; `flows/nightly.py` decides which run as Prefect tasks.
Each step that writes opens the warehouse only for its own transaction, so a crash at any
point leaves the warehouse as it was after the last completed step, and a rerun of the same
night adds nothing twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pandas as pd

from jobzone import progress
from jobzone.errors import NightAlreadyRunning
from jobzone.faults import crash_point
from jobzone.catalogue import Catalogue, load_catalogue
from jobzone.paths import Home, code_digest
from jobzone.settings import Settings, load_settings
from jobzone.stages import current_evidence, finish_run, load_catalogue_stage, new_run_id, score_stage, start_run
from scrapers.archive import RawArchive
from scrapers.base import SourceRequest
from scrapers.gather import GatherResult, build_requests, collect
from scrapers.http import OK, UNCHANGED, UNREACHABLE, FetchResult, HttpSettings, Validator
from scrapers.registry import SOURCES
from warehouse.db import open_warehouse, transaction
from warehouse.store import write

log = logging.getLogger(__name__)
FAILED_OUTCOMES = frozenset({"unreachable", "http_error", "too_large", "disallowed", "offhost_redirect",
                             "bad_content_type", "parse_error"})


class HostUnreachable(Exception):
    """Every request to one host failed to connect; carries the recorded outcomes."""

    def __init__(self, host: str, result: GatherResult) -> None:
        super().__init__(f"{host}: unreachable")
        self.host, self.result = host, result


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
    from urllib.parse import urlsplit

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


@contextmanager
def exclusive(home: str | None) -> Iterator[Home]:
    """Hold the data home's nightly lock for a whole night; then clear what a killed night left.

    Two overlapping nights (the schedule and a manual run) would interleave their fetches and
    archive writes. The lock is an flock, so the kernel drops it with a killed process.
    """
    home_dir = Home.resolve(home).ensure()
    handle = open(home_dir.lock, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise NightAlreadyRunning(f"{home_dir.lock}: a nightly is already running ({holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        swept = RawArchive(home_dir.raw).sweep_temp_files()
        if swept:
            log.warning("removed %d temp file(s) an interrupted night left in %s", len(swept), home_dir.raw)
        yield home_dir
    finally:
        handle.close()  # releases the flock


def plan(home: str | None, as_of: str | None, catalogue_dir: str | None, config: str | None,
         base_urls: dict[str, str], demo: bool = False) -> NightPlan:
    progress.stage("plan", "running")
    settings = load_settings(config)
    home_dir = Home.resolve(home).ensure()
    catalogue = load_catalogue(Path(catalogue_dir) if catalogue_dir else None, strict=False)
    day = date.fromisoformat(as_of) if as_of else (
        date.fromisoformat(settings.demo["as_of"]) if demo and settings.demo.get("as_of") else date.today())
    http = HttpSettings.from_mapping(settings.http)
    if demo:
        # Our own loopback server: politeness towards it would only slow the demo down.
        http.rate_limits["127.0.0.1"] = 0.0
    run_id = new_run_id("demo" if demo else "nightly")
    with open_warehouse(home_dir.warehouse) as con:
        start_run(con, run_id, "demo" if demo else "nightly", day)
        load_catalogue_stage(con, catalogue, run_id)  # before refresh: tonight's evidence stacks on the seed
        validators = {url: Validator(etag, lm, sha, checked) for url, etag, lm, sha, checked in con.execute(
            "SELECT url, etag, last_modified, sha256, updated_at FROM http_validators").fetchall()}
    options = {name: dict(table) for name, table in settings.sources.items()}
    if catalogue_dir:  # the reviewed claims travel with the catalogue they cite
        options.setdefault("claims", {})["path"] = str(Path(catalogue_dir) / "expert-claims.yaml")
    errors = list(catalogue.errors)
    requests = build_requests(list(SOURCES.values()), [r.lookup_keys() for r in catalogue], base_urls, options,
                              today=day, errors=errors)
    _stable_keys(requests, base_urls)
    by_host: dict[str, list[SourceRequest]] = {}
    for req in requests:
        by_host.setdefault(_host_of(req), []).append(req)
    for message in errors:
        log.warning("plan: %s", message)
    progress.stage("plan", "done", f"{len(catalogue)} roles, {len(requests)} requests, {len(by_host)} hosts")
    return NightPlan(run_id, "demo" if demo else "nightly", day, home_dir, settings, http, catalogue, by_host,
                     validators, errors)


def collect_host(plan: NightPlan, host: str) -> GatherResult:
    """Fetch, archive and parse one host's requests (no warehouse access)."""
    reqs = plan.requests_by_host[host]
    progress.stage(f"fetch {host}", "running", f"{len(reqs)} requests")
    result = collect(reqs, list(SOURCES.values()), plan.http, plan.validators, RawArchive(plan.home.raw))
    outcomes = result.outcomes()
    progress.stage(f"fetch {host}", "done", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if outcomes.get(UNREACHABLE) == len(reqs):
        raise HostUnreachable(host, result)
    return result


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


def _validator_rows(gathered: list[GatherResult]) -> pd.DataFrame:
    # updated_at is when the source was last actually asked: a check skipped as still fresh keeps it.
    rows = [{"url": key, "etag": v.etag, "last_modified": v.last_modified, "sha256": v.sha256,
             "updated_at": v.checked_at or datetime.now(timezone.utc)}
            for g in gathered for key, v in g.validators().items()]
    return pd.DataFrame(rows)


def refresh(plan: NightPlan, gathered: list[GatherResult]) -> dict:
    """Validate tonight's observations, refresh evidence, and commit it all in one transaction.

    The conditional-GET validators are committed with the observations: if the night dies
    before this point, the next run fetches and parses the same bodies again.
    """
    from scoring.refresh import refresh_evidence

    progress.stage("refresh", "running")
    frames = [g.observations for g in gathered if len(g.observations)]
    tonight = pd.concat(frames, ignore_index=True) if frames else None
    history_days = int(plan.settings.flow.get("history_days", 1100))
    with open_warehouse(plan.home.warehouse) as con:
        # A request that failed tonight contributes nothing, old or new: its dimensions carry
        # (marked, with their age) rather than being re-derived from yesterday's rows. Only the
        # newest value of each observation inside the metrics' look-back window is needed.
        failed = sorted({f.key for g in gathered for f in g.fetches if f.outcome in FAILED_OUTCOMES})
        inputs_key = refresh_inputs_key(con, plan, failed, history_days)
        held = con.execute("SELECT inputs_key, origins FROM refresh_state WHERE as_of = ?", [plan.as_of]).fetchone()
        if tonight is None and held is not None and held[0] == inputs_key:
            # Nothing parsed tonight and the same inputs as this night's last refresh: the
            # evidence it stored is exactly what a recomputation would produce.
            with transaction(con):
                write(con, "http_validators", _validator_rows(gathered))
            origins = json.loads(held[1]) if held[1] else {}
            progress.stage("refresh", "done", "nothing new since this night's last refresh: its evidence stands")
            return {"observations": 0, "quarantined": 0, "evidence_rows": 0, "origins": origins, "unchanged": True}
        history = con.execute(
            "SELECT o.source, o.series_key, o.subject, o.geography, o.metric, o.period_start, o.period_end, o.value,"
            " o.unit, o.detail, o.fetch_id FROM observations o JOIN fetches f USING (fetch_id)"
            " WHERE NOT list_contains(?, f.request_key) AND o.period_end >= ?::DATE - ?::INTEGER"
            " QUALIFY row_number() OVER (PARTITION BY o.series_key, o.subject, o.metric, o.period_start, o.period_end"
            "                            ORDER BY o.loaded_at DESC) = 1"
            " ORDER BY o.period_end", [failed, plan.as_of, history_days]).df()
        tonight = only_changes(con, tonight)
        # Carry from the evidence held *before* tonight: a rerun of the same night must
        # reproduce tonight's rows exactly, not carry from its own first attempt.
        previous = current_evidence(con, plan.as_of - timedelta(days=1), plan.catalogue.roles)
        result = refresh_evidence(tonight, history, plan.catalogue, previous, plan.as_of, plan.run_id)
        origins = Counter(result.evidence["origin"]) if len(result.evidence) else Counter()
        with transaction(con):
            added = write(con, "observations", result.good.assign(run_id=plan.run_id))
            crash_point("refresh:after-observations")  # inside the transaction
            quarantined = write(con, "quarantine", quarantine_rows(result.quarantine, plan.run_id))
            write(con, "metrics", metric_rows(result.metrics, plan.run_id))
            evidence_added = write(con, "evidence_scores", evidence_rows(result.evidence, plan.run_id))
            write(con, "http_validators", _validator_rows(gathered))
            # Fingerprinted as the inputs stand *after* tonight's rows were stored: that is what a
            # rerun with nothing new will find before it starts.
            write(con, "refresh_state", pd.DataFrame([{
                "as_of": plan.as_of, "inputs_key": refresh_inputs_key(con, plan, failed, history_days),
                "origins": json.dumps(dict(origins)), "run_id": plan.run_id}]))
    progress.stage("refresh", "done", f"{added} observations, {quarantined} quarantined, "
                   + ", ".join(f"{k} {v}" for k, v in sorted(origins.items())))
    return {"observations": added, "quarantined": quarantined, "evidence_rows": evidence_added,
            "origins": dict(origins)}


#: the code a refresh's result depends on (besides its data): an upgrade recomputes
_REFRESH_CODE = ("scoring/*.py", "scoring/*.toml", "jobzone/night.py", "jobzone/stages.py", "jobzone/catalogue.py")


def refresh_inputs_key(con: duckdb.DuckDBPyConnection, plan: NightPlan, failed: list[str], history_days: int) -> str:
    """A digest of everything `refresh` computes from besides tonight's parsed rows.

    Stored observations and evidence only ever gain rows, so a count and the newest stamp
    identify their state; evidence from `as_of` itself is excluded (it is the output).
    """
    (obs_count, obs_newest), = con.execute("SELECT count(*), max(loaded_at) FROM observations").fetchall()
    (ev_count, ev_newest), = con.execute(
        "SELECT count(*), max(created_at) FROM evidence_scores WHERE as_of < ?", [plan.as_of]).fetchall()
    state = {"as_of": plan.as_of.isoformat(), "failed": failed, "history_days": history_days,
             "observations": [obs_count, str(obs_newest)], "evidence_before": [ev_count, str(ev_newest)],
             "catalogue": sorted(plan.catalogue.hashes.items()), "code": code_digest(_REFRESH_CODE)}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def only_changes(con: duckdb.DuckDBPyConnection, tonight: pd.DataFrame | None) -> pd.DataFrame | None:
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


def quarantine_rows(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    return frame.assign(run_id=run_id) if len(frame) else frame


def metric_rows(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    return frame.assign(run_id=run_id) if len(frame) else frame


def evidence_rows(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    # Totals-only roles have no per-dimension score to store until a dimension is refreshed.
    return frame[frame["score"].notna()].assign(run_id=run_id) if len(frame) else frame


def score(plan: NightPlan) -> dict:
    progress.stage("score", "running")
    with open_warehouse(plan.home.warehouse) as con:
        results, added = score_stage(con, plan.catalogue, plan.as_of, plan.run_id)
    crash_point("score:after-write")
    progress.stage("score", "done", f"{len(results)} roles, {added} new results")
    return {"roles": len(results), "results_added": added,
            "scores": {r.role_id: {"aijri": r.aijri, "zone": r.zone,
                                   "sublabel": r.sublabel if isinstance(r.sublabel, str) else None}
                       for r in results.itertuples()}}


def publish(plan: NightPlan) -> dict:
    """Analyst copy, Parquet marts and site, swapped in together only if all three built."""
    from warehouse.publish import publish_night

    progress.stage("publish", "running")
    with open_warehouse(plan.home.warehouse) as con:
        # With a role file skipped tonight, render every card from the documents last loaded
        # (catalogue_versions): one broken edit must not unpublish a role whose history stands.
        publication = publish_night(con, plan.home, catalogue=None if plan.catalogue.errors else plan.catalogue,
                                    attributions={s.name: s for s in SOURCES.values()})
    if "unchanged" in publication.skipped:
        progress.stage("publish", "done", f"nothing changed: kept the publication of {publication.generated_at:%Y-%m-%d %H:%M:%S}")
    else:
        progress.stage("publish", "done", f"{len(publication.site)} site files, {len(publication.marts)} marts")
    return publication.summary()


def alert(plan: NightPlan, emit: Callable[..., None] | None = None) -> dict:
    """Detect crossings from the score history, record each once, deliver what is pending."""
    from jobzone.notify import alert_cursor, alert_urls, process_alerts
    from scoring.alerts import AlertPolicy

    progress.stage("alert", "running")
    with open_warehouse(plan.home.warehouse) as con:
        since = alert_cursor(con, kinds=(plan.kind,), exclude_run_id=plan.run_id)
        delivered = process_alerts(con, policy=AlertPolicy.from_settings(plan.settings.alerts), since=since,
                                   run_id=plan.run_id, urls=alert_urls(),
                                   site_base_url=plan.settings.alerts.get("site_base_url", ""),
                                   site_dir=plan.home.site, emit=emit,
                                   max_attempts=int(plan.settings.alerts.get("max_delivery_attempts", 10)))
    progress.stage("alert", "done", f"{delivered['detected']} crossing(s) detected, {len(delivered['new'])} new,"
                                    f" {len(delivered['handled'])} delivery attempt(s)")
    return {"handled": delivered}


def fail(plan: NightPlan, exc: BaseException) -> None:
    """Mark the run failed; nothing was published, so yesterday's copy, marts and site stand."""
    progress.stage("finish", "failed", f"{type(exc).__name__}: {exc}")
    try:
        with open_warehouse(plan.home.warehouse, wait_seconds=5) as con:
            finish_run(con, plan.run_id, "failed", {"error": f"{type(exc).__name__}: {exc}"})
    except Exception:  # noqa: BLE001 - the original error is the one to report
        log.exception("could not record the failed run %s", plan.run_id)


@dataclass
class NightReport:
    summary: dict
    markdown: str
    zone_changes: list[dict]
    quarantine: list[dict]
    sources: list[dict]


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


def finish(plan: NightPlan, summary: dict) -> NightReport:
    """Close the run (completed, or degraded when a source or a role file failed) and report it."""
    sources = [{"source": name, **counts} for name, counts in sorted(summary["fetches"]["sources"].items())]
    failing = sorted(row["source"] for row in sources if any(row.get(k) for k in FAILED_OUTCOMES))
    status = "degraded" if failing or plan.plan_errors else "completed"
    with open_warehouse(plan.home.warehouse) as con:
        zone_changes = _records(con.execute(
            "SELECT role_id, from_zone, to_zone, from_sublabel, to_sublabel, from_aijri, to_aijri, change"
            " FROM zone_changes WHERE as_of = ? ORDER BY role_id", [plan.as_of]).df())
        quarantine = _records(con.execute(
            "SELECT source, fetch_id, series_key, metric, period_end, value, check_name, failure"
            " FROM quarantine WHERE run_id = ? ORDER BY source, series_key", [plan.run_id]).df())
        alerts = _records(con.execute(
            "SELECT kind, subject, from_state, to_state, status, message FROM alerts WHERE run_id = ?"
            " ORDER BY subject", [plan.run_id]).df())
        finish_run(con, plan.run_id, status, {k: v for k, v in summary.items() if k != "publish"})
    lines = [f"# jobzone {plan.kind} run {plan.run_id}", "",
             f"- as of **{plan.as_of}**, status **{status}**, {len(plan.catalogue)} roles",
             f"- observations loaded: {summary['refresh']['observations']}, quarantined: "
             f"{summary['refresh']['quarantined']}",
             f"- evidence origins: {summary['refresh']['origins']}"
             + (" (nothing new: this night's evidence stands)" if summary["refresh"].get("unchanged") else ""),
             f"- new AIJRI results: {summary['score']['results_added']}",
             f"- zone changes tonight: {len(zone_changes)}; alerts recorded: {len(alerts)}"]
    if failing:
        lines.append(f"- **degraded**: failing sources: {', '.join(failing)}")
    lines += [f"- catalogue file skipped: {e}" for e in plan.plan_errors]
    lines += ["", "| role | AIJRI | zone |", "|---|---|---|"]
    for rid, sc in summary["score"]["scores"].items():
        label = f"{sc['zone']} ({sc['sublabel']})" if sc["sublabel"] else sc["zone"]
        lines.append(f"| {rid} | {sc['aijri']:.1f} | {label} |")
    lines += ["", "## Alerts", *([f"- [{a['status']}] {a['message']}" for a in alerts] or ["- none"])]
    report_lines = [f"status: {status}" + (f" (failing sources: {', '.join(failing)})" if failing else ""),
                    f"site: {plan.home.site / 'index.html'}", f"analyst copy: {plan.home.analyst_copy}"
                    + (f" (unchanged since {summary['publish']['generated_at']})"
                       if summary.get("publish", {}).get("unchanged") else ""),
                    f"alerts this run: {len(alerts)}", *[f"  [{a['status']}] {a['message']}" for a in alerts],
                    *[f"catalogue file skipped: {e}" for e in plan.plan_errors]]
    result = {"run_id": plan.run_id, "kind": plan.kind, "as_of": plan.as_of.isoformat(), "status": status,
              "failing_sources": failing, "catalogue_errors": plan.plan_errors, **summary, "alerts_recorded": alerts,
              "report_lines": report_lines}
    progress.stage("finish", "done", status)
    return NightReport(result, "\n".join(lines) + "\n", zone_changes, quarantine, sources)
