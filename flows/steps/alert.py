"""The alert step: detect crossings, record each alert once in `alerts`, deliver it with Apprise.

* `record_alerts` inserts only alert_ids the table does not hold yet, so a rerun of the same
  night adds nothing and never resets a delivered alert.
* `deliver_pending` sends every alert whose status is `pending` or `failed`; the outcome is
  written back per alert (status `delivered`/`failed`, attempts + 1, last_error), so a failed
  delivery is retried on the next call and nothing is sent twice after success.
* With no URL configured an alert is `logged`: it lives in the table and the run summary only.

The Apprise URLs (JOBZONE_ALERT_URLS) are secrets: they are never written to the warehouse, a
log record, an error message or the site. Errors name a target by its position and scheme only.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import unquote, urlsplit

import duckdb
import pandas as pd

from core import progress
from flows.steps.asof import WHAT_IF_KIND
from flows.steps.plan import NightPlan
from scoring.alerts import Alert, AlertPolicy, zone_alerts
from scoring.source_alerts import detect_source_failures
from warehouse import queries
from warehouse.db import open_warehouse, transaction
from warehouse.store import write

log = logging.getLogger(__name__)

URLS_ENV = "JOBZONE_ALERT_URLS"
EVENT_ZONE = "jobzone.role.zone-changed"
EVENT_SUBLABEL = "jobzone.role.sublabel-changed"
EVENT_SOURCE = "jobzone.source.health-changed"
_EVENT_NAMESPACE = uuid.UUID("6f1c51c4-5b8e-4d0b-9f59-5d7e3c1a2b90")
_MAX_ERROR = 500

Emit = Callable[..., Any]


# --------------------------------------------------------------------------- configuration

def alert_urls(env: Mapping[str, str] | None = None) -> list[str]:
    """The Apprise URLs from JOBZONE_ALERT_URLS (space and/or comma separated)."""
    raw = (os.environ if env is None else env).get(URLS_ENV, "") or ""
    return [u for u in re.split(r"[\s,]+", raw.strip()) if u]


def role_page_link(role_id: str, site_base_url: str = "", site_dir: Path | None = None) -> str | None:
    """Where a role's page lives: `site_base_url` + roles/<id>.html, else the local site path."""
    if site_base_url:
        return f"{site_base_url.rstrip('/')}/roles/{role_id}.html"
    if site_dir is not None:
        return str(Path(site_dir) / "roles" / f"{role_id}.html")
    return None


def alert_cursor(con: duckdb.DuckDBPyConnection, *, kinds: Sequence[str] = ("nightly",),
                 exclude_run_id: str | None = None, until: date | None = None) -> date | None:
    """The as-of date of the last finished run of these kinds: alerts firing after it are new.

    None (no finished run yet) means "from the beginning of the history". With `until` (tonight's
    as-of), a run dated after it never counts: it would put every crossing up to its date behind
    the cursor (future as-ofs are refused now, but a warehouse may hold one from before).
    """
    if until is not None:
        return queries.last_finished_as_of_until(con, kinds, until, exclude_run_id)
    return queries.last_finished_as_of(con, kinds, exclude_run_id)


# --------------------------------------------------------------------------- detection + recording

def detect_alerts(con: duckdb.DuckDBPyConnection, policy: AlertPolicy | None = None, *,
                  since: date | None = None, site_base_url: str = "",
                  site_dir: Path | None = None) -> list[Alert]:
    """Read the history views and run the pure detectors (zone, sub-label, source health).

    Only the nights that can still matter are read: a crossing that fires after `since` began
    at most `persistence_nights` nights before it, so replaying from a settled stretch well
    before the cursor gives the same alerts as replaying the whole history (which, at 1,000
    roles × 3 years, took minutes). What moved each crossing, and whether evidence, a catalogue
    edit or a method change did, is one set-based read for all of them (`movement_causes`, the
    attribution the site's score movements page shows).
    """
    policy = policy or AlertPolicy.from_settings()
    start = None if since is None else since - timedelta(days=max(90, 3 * policy.persistence_nights))
    history = queries.score_history_since(con, start)
    health = queries.source_health_since(con, start)
    alerts = zone_alerts(history, None, policy, since=since,
                         link_for=lambda rid: role_page_link(rid, site_base_url, site_dir),
                         causes=lambda pairs: queries.movement_causes(con, pairs))
    return alerts + detect_source_failures(health, policy, since=since)


def record_alerts(con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert], *,
                  run_id: str | None = None) -> list[Alert]:
    """Insert the alerts the table does not hold yet (status `pending`); returns those."""
    if not alerts:
        return []
    held = queries.alert_ids_held(con, [a.alert_id for a in alerts])
    new: list[Alert] = []
    for a in alerts:
        if a.alert_id not in held and a.alert_id not in {n.alert_id for n in new}:
            new.append(a)
    if new:
        now = datetime.now(timezone.utc)
        frame = pd.DataFrame([{**a.row(), "status": "pending", "attempts": 0, "last_error": None,
                               "run_id": run_id, "created_at": now, "delivered_at": None} for a in new])
        with transaction(con):
            write(con, "alerts", frame)
    return new


# --------------------------------------------------------------------------- delivery

#: delivery attempts (one per night) before a failing alert is given up as `abandoned`: a target
#: that has been down for this long needs a person, not an eleventh message stacked on the others
MAX_DELIVERY_ATTEMPTS = 10


def deliver_pending(con: duckdb.DuckDBPyConnection, urls: Sequence[str] | None, *,
                    emit: Emit | None = None, timeout: float = 30.0,
                    now: Callable[[], datetime] | None = None,
                    max_attempts: int = MAX_DELIVERY_ATTEMPTS) -> list[dict]:
    """Deliver every `pending` or `failed` alert; returns one summary dict per alert handled.

    An alert still failing after `max_attempts` attempts becomes `abandoned` (logged as an
    error, kept in the table, never sent again).

    `urls`: Apprise URLs (Slack, Teams, mailto, json://, jsons:// ...). Empty: alerts are
    `logged`. `emit`: optional hook called once per crossing, e.g. `prefect.events.emit_event`
    (event name `jobzone.role.zone-changed`, resource id `jobzone.role.<id>`).
    """
    urls = [u for u in (urls or []) if u]
    clock = now or (lambda: datetime.now(timezone.utc))
    rows = queries.alerts_to_deliver(con)
    summaries = []
    for row in rows:
        if row["attempts"] == 0 and emit is not None:
            _emit_once(emit, row)
        if not urls:
            row.update(status="logged", last_error=None)
        else:
            ok, error = send(urls, _title(row), row["message"], timeout=timeout)
            row["attempts"] = int(row["attempts"]) + 1
            if ok:
                row.update(status="delivered", last_error=None, delivered_at=clock())
            else:
                row.update(status="abandoned" if row["attempts"] >= max_attempts else "failed", last_error=error)
        with transaction(con):
            write(con, "alerts", pd.DataFrame([row]))
        summaries.append({k: row[k] for k in ("alert_id", "kind", "subject", "as_of", "from_state", "to_state",
                                             "status", "attempts", "last_error", "message")})
        level = {"failed": logging.WARNING, "abandoned": logging.ERROR}.get(row["status"], logging.INFO)
        log.log(level, "alert %s %s %s: %s", row["alert_id"][:12], row["kind"], row["subject"], row["status"])
    return summaries


def process_alerts(con: duckdb.DuckDBPyConnection, *, policy: AlertPolicy | None = None,
                   since: date | None = None, run_id: str | None = None, urls: Sequence[str] | None = None,
                   site_base_url: str = "", site_dir: Path | None = None,
                   emit: Emit | None = None, max_attempts: int = MAX_DELIVERY_ATTEMPTS) -> dict:
    """detect → record → deliver, for the nightly flow's summary.

    `urls` defaults to JOBZONE_ALERT_URLS. Retries of earlier failures go out in the same call.
    """
    found = detect_alerts(con, policy, since=since, site_base_url=site_base_url, site_dir=site_dir)
    new = record_alerts(con, found, run_id=run_id)
    delivered = deliver_pending(con, alert_urls() if urls is None else urls, emit=emit, max_attempts=max_attempts)
    return {"detected": len(found), "new": [a.alert_id for a in new], "handled": delivered}


def send(urls: Sequence[str], title: str, body: str, *, timeout: float = 30.0) -> tuple[bool, str | None]:
    """Send one message to every URL; (all delivered, redacted error summary or None)."""
    import apprise

    errors: list[str] = []
    secrets = _secret_fragments(urls)
    with _redacted_apprise_logs(secrets):
        for i, url in enumerate(urls, 1):
            label = f"target {i} ({_scheme(url)})"
            asset = apprise.AppriseAsset(storage_mode="memory")
            ap = apprise.Apprise(asset=asset)
            try:
                added = ap.add(url)
            except Exception:  # noqa: BLE001 - a bad URL must not leak into the message
                added = False
            if not added:
                errors.append(f"{label}: not a usable Apprise URL")
                continue
            try:
                result = ap.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT, timeout=timeout)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{label}: {type(exc).__name__}: {_redact(str(exc), secrets)}")
                continue
            if not result:
                detail = "; ".join(_redact(e.message, secrets) for e in _logs(result)
                                   if e.level in ("WARNING", "ERROR", "CRITICAL"))
                errors.append(f"{label}: {detail or 'not delivered'}")
    if not errors:
        return True, None
    return False, _redact("; ".join(errors), secrets)[:_MAX_ERROR]


# --------------------------------------------------------------------------- helpers

def _title(row: Mapping[str, Any]) -> str:
    if row["kind"] == "source_health":
        return f"jobzone: source {row['subject']} {row['to_state']}"
    what = "zone" if row["kind"] == "zone" else "sub-label"
    return f"jobzone: {row['subject']} {what} {row['from_state']} -> {row['to_state']}"


def _emit_once(emit: Emit, row: Mapping[str, Any]) -> None:
    kind = row["kind"]
    if kind == "source_health":
        event, resource_id = EVENT_SOURCE, f"jobzone.source.{row['subject']}"
    else:
        event = EVENT_ZONE if kind == "zone" else EVENT_SUBLABEL
        resource_id = f"jobzone.role.{row['subject']}"
    payload = {k: _jsonable(row[k]) for k in ("alert_id", "kind", "as_of", "from_state", "to_state",
                                               "from_aijri", "to_aijri", "message")}
    try:
        emit(event=event, resource={"prefect.resource.id": resource_id, "prefect.resource.name": str(row["subject"])},
             payload=payload, id=uuid.uuid5(_EVENT_NAMESPACE, row["alert_id"]))
    except Exception as exc:  # noqa: BLE001 - an event hook never breaks delivery
        log.warning("alert %s: emit hook failed: %s", row["alert_id"][:12], type(exc).__name__)



def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _logs(result: Any) -> list:
    try:
        return list(result.logs())
    except Exception:  # noqa: BLE001 - older result objects have no logs
        return []


def _scheme(url: str) -> str:
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", url)
    return match.group(1).lower() if match else "?"


def _secret_fragments(urls: Sequence[str]) -> list[str]:
    """Everything in the URLs that could identify or authorise a target, longest first."""
    found: set[str] = set()
    for url in urls:
        found.add(url)
        found.add(url.split("://", 1)[-1])
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        for piece in (parts.netloc, parts.hostname, parts.username, parts.password, parts.path, parts.query,
                      parts.fragment):
            if piece:
                found.add(piece)
                found.add(unquote(piece))
        for segment in re.split(r"[/?&=#:@,]+", url.split("://", 1)[-1]):
            if len(segment) >= 4:
                found.add(segment)
                found.add(unquote(segment))
    return sorted((f for f in found if f and len(f) >= 3), key=len, reverse=True)


def _redact(text: str, secrets: Sequence[str]) -> str:
    for s in secrets:
        if s in text:
            text = text.replace(s, "***")
    return text


class _RedactFilter(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001
            message = str(record.msg)
        record.msg, record.args = _redact(message, self.secrets), ()
        return True


#: Loggers that can see a target's host, path or credentials while a message is sent.
_SCRUBBED_LOGGERS = ("apprise", "urllib3", "urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry",
                     "requests", "smtplib")


@contextmanager
def _redacted_apprise_logs(secrets: Sequence[str]) -> Iterator[None]:
    """Apprise logs hosts (and URLs at DEBUG), urllib3 logs host:port and the request path at
    DEBUG: scrub the secrets from every record those loggers emit while we send."""
    flt = _RedactFilter(secrets)
    loggers = [logging.getLogger(name) for name in _SCRUBBED_LOGGERS]
    for logger in loggers:
        logger.addFilter(flt)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(flt)


__all__ = ["URLS_ENV", "EVENT_ZONE", "alert_urls", "role_page_link", "alert_cursor", "detect_alerts",
           "record_alerts", "deliver_pending", "process_alerts", "send"]


# --------------------------------------------------------------------------- the night's step

def alert(plan: NightPlan, emit: Callable[..., None] | None = None) -> dict:
    """Detect crossings from the score history, record each once, deliver what is pending."""
    if plan.kind == WHAT_IF_KIND:  # a what-if's crossings are not news: nothing is sent from its home
        progress.stage("alert", "done", "skipped: a what-if sends no alert")
        return {"handled": {"skipped": "what-if"}}
    progress.stage("alert", "running")
    with open_warehouse(plan.home.warehouse) as con:
        since = alert_cursor(con, kinds=(plan.kind,), exclude_run_id=plan.run_id, until=plan.as_of)
        delivered = process_alerts(con, policy=AlertPolicy.from_settings(plan.settings.alerts), since=since,
                                   run_id=plan.run_id, urls=alert_urls(),
                                   site_base_url=plan.settings.alerts.get("site_base_url", ""),
                                   site_dir=plan.home.site, emit=emit,
                                   max_attempts=int(plan.settings.alerts.get("max_delivery_attempts", 10)))
    progress.stage("alert", "done", f"{delivered['detected']} crossing(s) detected, {len(delivered['new'])} new,"
                                    f" {len(delivered['handled'])} delivery attempt(s)")
    return {"handled": delivered}
