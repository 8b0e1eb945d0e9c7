"""A simulated world of sources on loopback, for benchmarks and fault tests.

One HTTP server per real host, so that per-host politeness means something (the table of sim
hosts, what each impersonates and which sources it serves is in `sim/hosts.py`).

Payloads are synthetic but keep the real samples' structure (`scrapers/samples/`): an IT Jobs
Watch page per role built like `developer_permanent_uk_2020-03-02_current-layout.html`
(`section#headline_statistics`, `<sup>` in labels) with numbers varied per role, the Indeed
Hiring Lab CSVs, a BLS v2 envelope, FRED CSVs, the layoffs.fyi mirror CSV and the WARN
consolidated CSV. Everything is a deterministic function of (roles, world date, seed, epoch).

Per host the server applies a latency, an **enforced rate limit** (a request arriving sooner than
`interval * tolerance` after the previous accepted one gets 429 + Retry-After), ETag / 304, and
switchable faults (`set_fault(host, kind, roles=..., paths=..., count=...)`):

* transport: ``http_5xx`` (burst with `count`), ``timeout`` (sleeps past the client's read timeout),
  ``truncated`` (body cut short of its Content-Length), ``huge`` (a 50 MB body, streamed from one
  reused chunk), ``offhost_redirect`` (302 to another loopback port), ``robots`` (robots.txt
  disallows the matched paths);
* content: ``layout`` (role table relabelled or removed; CSV columns renamed), ``non_utf8``
  (Latin-1 bytes in a page that claims UTF-8), ``implausible`` (postings x50, salary GBP 5),
  ``xss`` (script/img payloads in scraped text).

Every request is recorded (`hits()`), including the ones answered 429, so tests can assert that a
robots-disallowed path was never requested and benchmarks can count requests per host.

The pieces: `sim.hosts` (hosts, paths, fault kinds), `sim.world` (the roles and the world
date), `sim.payloads` (one module per source family), `sim.host_state` (per-host politeness
and faults, the request log's records), `sim.host_server` (the request handler) and
`sim.run_settings` (the settings TOML for a run). This module assembles them into `SimServer`
and re-exports their public names, so ``from sim.simserver import ...`` is the one import
benchmarks and tests need.

Usage::

    roles = catalogue_gen.sim_roles(10)
    with SimServer(roles, as_of=date(2026, 6, 30)) as sim:
        config = sim.write_settings(tmp / "settings.toml")
        nightly(home=..., catalogue=..., config=str(config), as_of="2026-06-30", base_urls=sim.base_urls())
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sim import payloads
from sim.host_server import serve
from sim.host_state import Fault, Hit, HostState
from sim.hosts import (BLS_CPI_SERIES, BLS_PATH, CONTENT_FAULTS, FAULT_KINDS, FRED_PATH, FRED_SERIES, HOSTS,
                       HUGE_BYTES, INDEED_PATHS, INDEED_PREFIX, LAYOFFS_PATH, REAL_HOSTS, ROBOTS_DEFAULT,
                       SIMULATED, SOURCE_HOST, TRANSPORT_FAULTS, WARN_PATH, XSS_PAYLOADS)
from scrapers.registry import catalogue_options
from sim.run_settings import DEFAULT_SETTINGS, REPO_ROOT, dump_toml, scaled_intervals, write_settings
from sim.world import SimWorld, WorldRole

__all__ = [
    # the server
    "SimServer",
    # sim.world / sim.host_state
    "SimWorld", "WorldRole", "Fault", "Hit", "HostState",
    # sim.run_settings
    "write_settings", "dump_toml", "scaled_intervals", "DEFAULT_SETTINGS", "REPO_ROOT",
    # sim.hosts
    "HOSTS", "SOURCE_HOST", "REAL_HOSTS", "TRANSPORT_FAULTS", "CONTENT_FAULTS", "FAULT_KINDS", "XSS_PAYLOADS",
    "HUGE_BYTES", "ROBOTS_DEFAULT", "INDEED_PREFIX", "INDEED_PATHS", "WARN_PATH", "LAYOFFS_PATH", "BLS_PATH",
    "FRED_PATH", "FRED_SERIES", "BLS_CPI_SERIES",
]




class SimServer:
    """Four loopback servers (one per real host) serving a `SimWorld`; see the module docstring."""

    def __init__(self, roles: Iterable[Any], as_of: date = date(2026, 6, 30), seed: int = 0, *,
                 latency: float | Mapping[str, float] = 0.0, intervals: Mapping[str, float] | None = None,
                 tolerance: float = 0.8, max_age: int | None = None, history_days: int = 800) -> None:
        self.world = SimWorld(roles, as_of, seed, history_days)
        lat = latency if isinstance(latency, Mapping) else {h: float(latency) for h in HOSTS}
        intervals = intervals or {}
        self.hosts = {h: HostState(h, latency=float(lat.get(h, 0.0)), interval=float(intervals.get(h, 0.0)),
                                   tolerance=tolerance, max_age=max_age) for h in HOSTS}
        self._hits: list[Hit] = []
        #: set by stop(): handlers sleeping out a latency or a timeout fault give up
        self.stopping = threading.Event()
        self._cache: dict[tuple, tuple[bytes, str, str]] = {}
        self._cache_lock = threading.Lock()
        self.api_keys_seen = 0
        self._files_dir: Path | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SimServer:
        for state in self.hosts.values():
            serve(self, state)
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._files_dir is not None:
            shutil.rmtree(self._files_dir, ignore_errors=True)
            self._files_dir = None
        for state in self.hosts.values():
            if state.httpd is not None:
                state.httpd.shutdown()
                state.httpd.server_close()
                state.httpd = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- addresses ---------------------------------------------------------------------------
    def netloc(self, host: str) -> str:
        httpd = self.hosts[host].httpd
        assert httpd is not None, "server not started"
        addr, port = httpd.server_address[:2]
        return f"{addr}:{port}"

    def url(self, host: str, path: str = "") -> str:
        return f"http://{self.netloc(host)}{path}"

    def base_urls(self) -> dict[str, str]:
        """`base_urls` for `night.sources_for(base_urls=...)` / `nightly(base_urls=...)` / `gather`."""
        return {
            "itjobswatch": self.url("itjobswatch"),
            "indeed": self.url("github", INDEED_PREFIX),
            "warn": self.url("github", WARN_PATH),
            "layoffs": self.url("github", LAYOFFS_PATH),
            "bls": self.url("bls"),
            "fred": self.url("fred"),
            # a source with a double: its first host (a several-host source such as boards also
            # gets per-host bases through write_settings' [sources] options)
            **{name: self.url(next(iter(s.hosts))) for name, s in SIMULATED.items()},
        }

    def source_options(self) -> dict[str, dict[str, Any]]:
        """Options for a direct `gather` against this simulator: each double's per-host bases and the
        catalogue files its sources read (written once under a temporary directory)."""
        if self._files_dir is None:
            self._files_dir = Path(tempfile.mkdtemp(prefix="jobzone-sim-"))
            for rel, text in self._catalogue_files().items():
                (self._files_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                (self._files_dir / rel).write_text(text, encoding="utf-8")
        out: dict[str, dict[str, Any]] = {}
        for name, files in catalogue_options(self._files_dir).items():
            if all(Path(p).exists() for p in files.values()):
                out.setdefault(name, {}).update(files)
        for name, src in SIMULATED.items():
            if src.simulation.options is not None:
                out.setdefault(name, {}).update(src.simulation.options({h: self.url(h) for h in src.hosts}))
        return out

    def _catalogue_files(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for src in SIMULATED.values():
            if src.simulation.files is not None:
                out.update(src.simulation.files(self.world.lookups, self.world.seed))
        return out

    def host_of_netloc(self, netloc: str) -> str | None:
        return next((h for h in HOSTS if self.hosts[h].httpd is not None and self.netloc(h) == netloc), None)

    # ---- world control -------------------------------------------------------------------------
    @property
    def as_of(self) -> date:
        return self.world.as_of

    def set_as_of(self, day: date) -> None:
        """Move the world to another date: every dated payload changes."""
        self.world.as_of = day
        self._clear_cache()

    def advance(self, days: int = 1) -> date:
        self.set_as_of(self.world.as_of + timedelta(days=days))
        return self.world.as_of

    def bump(self, role_ids: Iterable[str] | None = None) -> None:
        """Change numbers without moving the date: the given roles' pages, or every payload."""
        if role_ids is None:
            self.world.global_epoch += 1
        else:
            for rid in role_ids:
                self.world.epochs[rid] = self.world.epochs.get(rid, 0) + 1
        self._clear_cache()

    def set_latency(self, host: str, seconds: float) -> None:
        self.hosts[host].latency = seconds

    def set_interval(self, host: str, seconds: float) -> None:
        self.hosts[host].interval = seconds

    # ---- faults ------------------------------------------------------------------------------
    def set_fault(self, host: str, kind: str, roles: Iterable[str] | None = None, paths: Iterable[str] | None = None,
                  count: int | None = None, **params: Any) -> Fault:
        """Switch a fault on for `host`: on the pages of `roles` (role ids), on paths containing one of
        `paths`, or on every path. `count` limits it to that many requests (a 5xx burst)."""
        if host not in HOSTS:
            raise ValueError(f"unknown sim host {host!r}; hosts: {HOSTS}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; kinds: {FAULT_KINDS}")
        exact = frozenset(self.world.role_paths(host, roles)) if roles is not None else None
        fault = Fault(kind, exact, tuple(paths) if paths is not None else None, count, dict(params))
        with self.hosts[host].lock:
            self.hosts[host].faults[kind] = fault
        self._clear_cache()
        return fault

    def clear_faults(self, host: str | None = None, kind: str | None = None) -> None:
        for name in ([host] if host else HOSTS):
            with self.hosts[name].lock:
                if kind is None:
                    self.hosts[name].faults.clear()
                else:
                    self.hosts[name].faults.pop(kind, None)
        self._clear_cache()

    def faults(self, host: str) -> dict[str, Fault]:
        return dict(self.hosts[host].faults)

    def robots_txt(self, host: str) -> str:
        fault = self.hosts[host].faults.get("robots")
        if fault is None:
            return ROBOTS_DEFAULT
        blocked = sorted(fault.paths or ()) + list(fault.contains or ())
        if fault.paths is None and fault.contains is None:
            blocked = ["/"]
        return "User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in blocked)

    # ---- the request log ---------------------------------------------------------------------
    def record(self, hit: Hit) -> None:
        self._hits.append(hit)

    def hits(self, host: str | None = None, path: str | None = None, *, contains: str | None = None,
             status: int | None = None) -> list[Hit]:
        out = list(self._hits)
        if host is not None:
            out = [h for h in out if h.host == host]
        if path is not None:
            out = [h for h in out if h.path == path or urlsplit(h.path).path == path]
        if contains is not None:
            out = [h for h in out if contains in h.path]
        if status is not None:
            out = [h for h in out if h.status == status]
        return out

    def reset_hits(self) -> None:
        self._hits.clear()

    def request_counts(self) -> dict[str, int]:
        """Requests each host accepted (429 answers excluded, robots.txt included)."""
        counts = {h: 0 for h in HOSTS}
        for hit in self._hits:
            if hit.status != 429:
                counts[hit.host] += 1
        return counts

    def rejected_counts(self) -> dict[str, int]:
        counts = {h: 0 for h in HOSTS}
        for hit in self._hits:
            if hit.status == 429:
                counts[hit.host] += 1
        return counts

    def arrival_gaps(self, host: str) -> list[float]:
        """Seconds between consecutive accepted requests to `host`, in arrival order."""
        times = sorted(h.at for h in self._hits if h.host == host and h.status != 429)
        return [b - a for a, b in zip(times, times[1:])]

    def gap_summary(self) -> dict[str, dict[str, float | None]]:
        """Per host: the smallest and the median arrival gap, as multiples of the allowed interval."""
        out: dict[str, dict[str, float | None]] = {}
        for host in HOSTS:
            gaps = sorted(self.arrival_gaps(host))
            interval = self.hosts[host].interval
            if not gaps or not interval:
                out[host] = {"min": None, "p01": None, "median": None}
                continue
            out[host] = {"min": gaps[0] / interval, "p01": gaps[len(gaps) // 100] / interval,
                         "median": gaps[len(gaps) // 2] / interval}
        return out

    def politeness_bound(self, counts: Mapping[str, int] | None = None) -> tuple[float, str]:
        """(seconds, host): the slowest host's accepted requests / its allowed rate.

        n requests need at least (n - 1) intervals between them; we count n * interval, the
        time until the host would accept the next one (the usual "requests / rate").
        """
        counts = counts or self.request_counts()
        per_host = {h: counts.get(h, 0) * self.hosts[h].interval for h in HOSTS}
        host = max(per_host, key=per_host.get)
        return per_host[host], host

    # ---- payloads ----------------------------------------------------------------------------
    def _clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def payload(self, host: str, path: str) -> tuple[bytes, str, str] | None:
        """(body, content type, etag) of a GET with the host's content faults for that path applied."""
        state = self.hosts[host]
        with state.lock:
            active = tuple(sorted((f for f in state.faults.values() if f.kind in CONTENT_FAULTS and f.matches(path)),
                                  key=lambda f: f.kind))
        key = (host, path, tuple((f.kind, tuple(sorted(f.params.items()))) for f in active))
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        made = payloads.body(self.world, host, path, active)
        if made is None:
            return None
        body, ctype = made
        out = (body, ctype, f'"{hashlib.sha256(body).hexdigest()}"')
        with self._cache_lock:
            self._cache[key] = out
        return out

    def bls_payload(self, wanted: Sequence[str]) -> bytes:
        state = self.hosts["bls"]
        with state.lock:
            active = [f for f in state.faults.values() if f.kind in CONTENT_FAULTS and f.matches(BLS_PATH)]
        key = ("bls", tuple(wanted), tuple((f.kind, tuple(sorted(f.params.items()))) for f in active))
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit[0]
        body = payloads.bls_response(self.world, wanted, active)
        with self._cache_lock:
            self._cache[key] = (body, "application/json", "")
        return body

    def warm(self) -> int:
        """Build every GET payload now, so that serving never stalls on generating one (benchmarks)."""
        made = 0
        for host in HOSTS:
            for path in payloads.get_paths(self.world, host):
                made += self.payload(host, path) is not None
        return made

    # ---- settings for the run ------------------------------------------------------------------
    def write_settings(self, path: str | Path, **options: Any) -> Path:
        """A settings TOML for a run against this simulator (see `write_settings`)."""
        return write_settings(path, {h: self.netloc(h) for h in HOSTS}, self.world.as_of,
                              {h: self.hosts[h].interval for h in HOSTS}, **options)
