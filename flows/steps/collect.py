"""Collect one host: fetch politely, archive each body, parse what changed (no warehouse access)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from core import progress
from flows.steps.interrupt import watching
from flows.steps.plan import NightPlan
from scrapers.archive import RawArchive
from scrapers.gather import GatherResult, collect
from scrapers.http import FAILED_OUTCOMES, UNREACHABLE, as_validator, still_fresh
from scrapers.registry import SOURCES
from scrapers.urls import is_local
from scoring.validation import validate_observations


class HostUnreachable(Exception):
    """Every request to one host failed to connect; carries the recorded outcomes."""

    def __init__(self, host: str, result: GatherResult) -> None:
        super().__init__(f"{host}: unreachable")
        self.host, self.result = host, result


def host_is_due(plan: NightPlan, host: str, now: datetime | None = None) -> bool:
    """Whether the host sends anything at `now`: a web request checked outside its recheck horizon
    (or never). Local files are read, not sent: they never make a host due."""
    now = now or datetime.now(UTC)
    return any(not is_local(req.url) and still_fresh(plan.http, req, as_validator(plan.validators.get(req.key)), now)
               is None for req in plan.requests_by_host[host])


def collect_host(plan: NightPlan, host: str) -> GatherResult:
    """Fetch, archive and parse one host's requests; raises `HostUnreachable` when none connected.

    Reports the host `done`, or `degraded` when any of its requests failed (an error, not an
    answer), and counts its requests out (done/total, ETA) as they go.
    """
    reqs = plan.requests_by_host[host]
    name = f"fetch {host}"
    progress.stage(name, "running", f"{len(reqs)} requests")
    tally = progress.Tally(name, len(reqs))
    started = []

    def on_request() -> None:
        # Called as each request is about to be sent: the one before it is done.
        if started:
            tally.tick()
        else:
            tally.begin()
        started.append(True)

    # watching(): once the night is stopping (a signal, another host's failure), this host's
    # thread raises at its next request instead of fetching the rest of its list.
    try:
        result = collect(reqs, list(SOURCES.values()), plan.http, watching(plan.validators, on_request),
                         RawArchive(plan.home.raw), validate=partial(validate_observations, run_id=plan.run_id))
    except Exception as exc:
        progress.stage(name, "failed", f"{type(exc).__name__}: {exc}")
        raise
    tally.finish()
    outcomes = result.outcomes()
    failed = any(outcomes.get(outcome) for outcome in FAILED_OUTCOMES)
    progress.stage(name, "degraded" if failed else "done",
                   ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if outcomes.get(UNREACHABLE) == len(reqs):
        raise HostUnreachable(host, result)
    return result
