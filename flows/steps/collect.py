"""Collect one host: fetch politely, archive each body, parse what changed (no warehouse access)."""

from __future__ import annotations

from core import progress
from flows.steps.interrupt import watching
from flows.steps.plan import NightPlan
from scrapers.archive import RawArchive
from scrapers.gather import GatherResult, collect
from scrapers.http import UNREACHABLE
from scrapers.registry import SOURCES


class HostUnreachable(Exception):
    """Every request to one host failed to connect; carries the recorded outcomes."""

    def __init__(self, host: str, result: GatherResult) -> None:
        super().__init__(f"{host}: unreachable")
        self.host, self.result = host, result


def collect_host(plan: NightPlan, host: str) -> GatherResult:
    """Fetch, archive and parse one host's requests; raises `HostUnreachable` when none connected."""
    reqs = plan.requests_by_host[host]
    progress.stage(f"fetch {host}", "running", f"{len(reqs)} requests")
    # watching(): once the night is stopping (a signal, another host's failure), this host's
    # thread raises at its next request instead of fetching the rest of its list.
    try:
        result = collect(reqs, list(SOURCES.values()), plan.http, watching(plan.validators), RawArchive(plan.home.raw))
    except Exception as exc:
        progress.stage(f"fetch {host}", "failed", f"{type(exc).__name__}: {exc}")
        raise
    outcomes = result.outcomes()
    progress.stage(f"fetch {host}", "done", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if outcomes.get(UNREACHABLE) == len(reqs):
        raise HostUnreachable(host, result)
    return result
