"""HTTP politeness and limits (the ``[http]`` table of settings.toml), per host where it matters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from scrapers.base import ScraperError
from scrapers.urls import hostname


@dataclass
class HttpSettings:
    """HTTP politeness and limits; the lead fills this from ``core/settings.toml``."""

    user_agent: str = "jobzone/0.1"
    contact: str = "ops@example.org"
    connect_timeout: float = 10.0
    #: per socket read: a server sending a byte now and then never trips it (see total_timeout)
    read_timeout: float = 60.0
    #: wall-clock cap for one fetch: robots.txt, connect, request, headers, body and the waits
    #: before retries (enforced by `scrapers.deadline.Deadline`)
    total_timeout: float = 300.0
    #: after this many requests in a row to one host ran out of total_timeout, the host's other
    #: requests are not asked this run (recorded unreachable); 0 = always ask
    deadline_strikes: int = 2
    retries: int = 3
    backoff_factor: float = 1.0
    backoff_max: float = 30.0
    #: cap on a server's Retry-After so one 429 cannot stall the night
    retry_after_max: int = 120
    #: minimum seconds between requests to one host; keys are host names (suffix match)
    rate_limits: dict[str, float] = field(default_factory=lambda: declared_politeness()[0])
    default_interval: float = 1.0
    #: do not ask a host again about a URL checked less than this many seconds ago (host -> s):
    #: a rerun of the same night (after a crash, say) costs the source nothing
    recheck_after: dict[str, float] = field(default_factory=lambda: declared_politeness()[1])
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    max_workers: int = 8
    obey_robots: bool = True
    #: robots Crawl-delay is honoured up to this many seconds
    max_crawl_delay: float = 30.0

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> HttpSettings:
        """Build from the ``[http]`` table of settings.toml (``host_intervals`` = ``rate_limits``,
        ``host_recheck_after`` = ``recheck_after``)."""
        known = {f.name for f in fields(cls)}
        values = dict(table)
        # the sources' declared politeness first, the settings file's per-host values over it
        intervals, recheck = declared_politeness()
        values["rate_limits"] = {**intervals, **values.get("rate_limits", {}), **values.pop("host_intervals", {})}
        values["recheck_after"] = {**recheck, **values.get("recheck_after", {}), **values.pop("host_recheck_after", {})}
        unknown = sorted(set(values) - known)
        if unknown:
            allowed = sorted(known | {"host_intervals", "host_recheck_after"})
            raise ScraperError(f"[http] settings: unknown key(s) {unknown}; known: {allowed}")
        if "rate_limits" in values:
            values["rate_limits"] = {str(k): float(v) for k, v in values["rate_limits"].items()}
        return cls(**values)

    @property
    def user_agent_header(self) -> str:
        if "contact" in self.user_agent or not self.contact:
            return self.user_agent
        return f"{self.user_agent} (+contact: {self.contact})"

    @property
    def robots_agent(self) -> str:
        """The product token robots.txt groups are matched against."""
        return self.user_agent.split("/")[0].split()[0].lower() or "*"

    def recheck_for(self, host: str) -> float:
        """Seconds a checked URL on `host` stays fresh (same matching as `interval_for`)."""
        return _per_host(self.recheck_after, host, 0.0)

    def interval_for(self, host: str) -> float:
        """Seconds between requests to ``host`` (a netloc; exact key, then host name, then parent domain)."""
        return _per_host(self.rate_limits, host, self.default_interval)


_DECLARED: tuple[dict[str, float], dict[str, float]] = ({}, {})


def declare_hosts(intervals: Mapping[str, float], recheck_after: Mapping[str, float]) -> None:
    """The sources' own politeness per real host, handed down by `scrapers.registry` (which
    imports every source package, so this module cannot import it)."""
    _DECLARED[0].clear()
    _DECLARED[0].update({k: float(v) for k, v in intervals.items()})
    _DECLARED[1].clear()
    _DECLARED[1].update({k: float(v) for k, v in recheck_after.items()})


def declared_politeness() -> tuple[dict[str, float], dict[str, float]]:
    """Copies of the declared (interval, recheck_after) per real host."""
    return dict(_DECLARED[0]), dict(_DECLARED[1])


def _per_host(table: Mapping[str, float], host: str, default: float) -> float:
    netloc, name = host.lower(), hostname(host)
    for key in (netloc, name):
        if key in table:
            return float(table[key])
    for key, seconds in table.items():
        if name.endswith("." + key.lower()):
            return float(seconds)
    return float(default)

