"""Politeness: bounded retries that wait for the host's slot, a minimum interval per host, and
robots.txt read once per origin per run, then obeyed."""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from contextlib import nullcontext
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
from urllib3.util.retry import Retry

from scrapers.deadline import RETRY_WAIT, BodyError, Deadline, DeadlineAdapter, DeadlineExceeded, read_capped
from scrapers.http_settings import HttpSettings
from scrapers.outcomes import DISALLOWED, UNREACHABLE, describe
from scrapers.text import decode_text
from scrapers.urls import proxies_for

_ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to parse at least 500 KiB


# --------------------------------------------------------------------------- session


class PoliteRetry(Retry):
    """urllib3's Retry, whose every retry also waits for the host's politeness slot.

    urllib3 retries inside `session.request` and does not back off at all before the first
    retry, so without this a 5xx page would be asked for again at once, inside the host's
    minimum interval (and a rate-limited host answers that with 429).
    """

    def __init__(self, *args: Any, pace: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pace = pace

    def new(self, **kwargs: Any) -> "PoliteRetry":
        retry = super().new(**kwargs)
        retry.pace = self.pace
        return retry

    def sleep(self, response: Any = None) -> None:
        deadline = Deadline.current()
        if deadline is not None:
            # A retry that would start after the fetch's deadline is not waited for at all.
            wait = self.get_retry_after(response) if response is not None and self.respect_retry_after_header \
                else None
            if (wait or self.get_backoff_time()) >= deadline.remaining:
                raise DeadlineExceeded(deadline.detail(RETRY_WAIT))
        super().sleep(response)  # Retry-After or the exponential backoff
        if self.pace is not None:
            self.pace()


def make_session(settings: HttpSettings, pace: Any = None) -> requests.Session:
    """A session with the project's User-Agent/From headers and bounded, polite urllib3 retries,
    whose connections obey the thread's current `Deadline`.

    `pace()` is called before every retry (the caller's per-host limiter).
    """
    retry = PoliteRetry(
        pace=pace,
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        other=0,
        redirect=False,  # redirects are followed by hand to police the target domain
        status_forcelist=(429, 500, 502, 503, 504),
        # the BLS POST is a read-only query, so retrying it is safe
        allowed_methods=frozenset({"GET", "HEAD", "POST"}),
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        respect_retry_after_header=True,
        retry_after_max=int(settings.retry_after_max),
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = DeadlineAdapter(max_retries=retry, pool_connections=4, pool_maxsize=4)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.user_agent_header
    if settings.contact:
        session.headers["From"] = settings.contact
    session.max_redirects = settings.max_redirects
    return session


# --------------------------------------------------------------------------- politeness


class HostLimiter:
    """Minimum interval per host, shared by all worker threads of one run."""

    def __init__(self, settings: HttpSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._floor: dict[str, float] = {}

    def interval(self, host: str) -> float:
        return max(self._settings.interval_for(host), self._floor.get(host, 0.0))

    def set_floor(self, host: str, seconds: float) -> None:
        with self._lock:
            self._floor[host] = min(seconds, self._settings.max_crawl_delay)

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + self.interval(host)  # reserve the slot
        if start > now:
            time.sleep(start - now)
        # A late wake-up (the GIL, a busy core) must push the next slot, not shrink the gap the
        # host sees between this request and the next.
        with self._lock:
            self._next[host] = max(self._next[host], time.monotonic() + self.interval(host))

    def release(self, host: str) -> None:
        """After a failure, space the *next* request from the end of this one.

        Successful requests are spaced by their starts (`wait`): a host's limit is on arrivals,
        and pushing every slot past the response would add the latency to each interval.
        """
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + self.interval(host))


class RobotsVerdict(NamedTuple):
    allowed: bool
    outcome: str | None
    detail: str | None


class RobotsCache:
    """robots.txt fetched once per origin per run (thread-safe), then obeyed."""

    def __init__(self, settings: HttpSettings, limiter: HostLimiter) -> None:
        self._settings = settings
        self._limiter = limiter
        self._lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, tuple[urllib.robotparser.RobotFileParser | None, str | None, str | None]] = {}
        self.fetched: list[str] = []  # robots URLs actually requested (tests, logs)

    def check(self, url: str, session: requests.Session, deadline: Deadline | None = None) -> RobotsVerdict:
        """Whether `url` may be fetched; robots.txt is read (within `deadline`, the asking fetch's,
        else its own `total_timeout`) the first time its origin is asked about."""
        if not self._settings.obey_robots:
            return RobotsVerdict(True, None, None)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            origin_lock = self._origin_locks.setdefault(origin, threading.Lock())
        with origin_lock:
            if origin not in self._cache:
                self._cache[origin] = self._load(origin, parts.netloc, session, deadline)
        parser, fail_outcome, fail_detail = self._cache[origin]
        if parser is None:
            return RobotsVerdict(False, fail_outcome, fail_detail)
        if parser.can_fetch(self._settings.robots_agent, url):
            return RobotsVerdict(True, None, None)
        return RobotsVerdict(False, DISALLOWED, f"robots.txt at {origin} disallows this URL")

    def _load(self, origin: str, host: str, session: requests.Session, deadline: Deadline | None):
        robots_url = origin + "/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        self.fetched.append(robots_url)
        self._limiter.wait(host)
        scope = nullcontext(deadline) if deadline is not None else Deadline(self._settings.total_timeout)
        try:
            with scope as within:
                resp = session.get(robots_url, timeout=(self._settings.connect_timeout, self._settings.read_timeout),
                                   stream=True, allow_redirects=True, proxies=proxies_for(host))
                try:
                    status = resp.status_code
                    raw = read_capped(resp, _ROBOTS_MAX_BYTES, within, truncate=True) if status == 200 else b""
                finally:
                    resp.close()
        except (requests.RequestException, BodyError, DeadlineExceeded) as exc:
            # A host we cannot reach for robots.txt will not serve the page either.
            reason = exc.detail if isinstance(exc, BodyError) else str(exc) if isinstance(exc, DeadlineExceeded) \
                else describe(exc)
            return None, UNREACHABLE, f"robots.txt unreachable: {reason}"
        finally:
            self._limiter.release(host)
        if status == 200:
            # RFC 9309 robots.txt is UTF-8; a BOM (Windows editors write one) must not hide line one
            parser.parse(decode_text(raw, "utf-8").splitlines())
            delay = parser.crawl_delay(self._settings.robots_agent)
            if delay:
                self._limiter.set_floor(host, float(delay))
            return parser, None, None
        if 400 <= status < 500:
            # RFC 9309 2.3.1.3: a 4xx robots.txt (404 above all) means no restrictions.
            parser.allow_all = True
            return parser, None, None
        # RFC 9309 2.3.1.4: a server error means "assume complete disallow" for this run.
        return None, DISALLOWED, f"robots.txt unavailable (HTTP {status}): treated as disallow-all"


