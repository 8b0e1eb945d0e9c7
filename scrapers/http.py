"""The one HTTP layer every source uses: polite, bounded, and it never raises out of a fetch.

Politeness: one configured session per host worker, robots.txt read once per host per run,
a minimum interval per host, retries only on connection errors / 5xx / 429 (honouring
Retry-After). Bounds: timeouts, a total deadline, a size cap, allowed content types, redirects
only inside the same registrable domain. Every failure becomes a typed ``FetchResult.outcome``.
"""

from __future__ import annotations

import builtins
import codecs
import email.utils
import hashlib
import ipaddress
import logging
import re
import threading
import time
import urllib.robotparser
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

import requests
import tldextract
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from scrapers.base import ScraperError, SourceRequest

log = logging.getLogger(__name__)

OK = "ok"
UNCHANGED = "unchanged"
UNREACHABLE = "unreachable"
HTTP_ERROR = "http_error"
TOO_LARGE = "too_large"
DISALLOWED = "disallowed"
OFFHOST_REDIRECT = "offhost_redirect"
BAD_CONTENT_TYPE = "bad_content_type"
PARSE_ERROR = "parse_error"
OUTCOMES = (OK, UNCHANGED, UNREACHABLE, HTTP_ERROR, TOO_LARGE, DISALLOWED, OFFHOST_REDIRECT,
            BAD_CONTENT_TYPE, PARSE_ERROR)
#: the outcomes that mean the source answered tonight (new bytes, or the same as last night)
ANSWERED_OUTCOMES = frozenset({OK, UNCHANGED})
#: the outcomes that mean a request failed tonight: the dimensions it fed carry
FAILED_OUTCOMES = frozenset(OUTCOMES) - ANSWERED_OUTCOMES
#: what servers send a CSV file as (raw.githubusercontent.com serves it as text/plain)
CSV_CONTENT_TYPES = ("text/csv", "text/plain", "application/csv", "application/octet-stream")

_CHUNK = 64 * 1024
_ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to parse at least 500 KiB
_REDIRECT_CODES = (301, 302, 303, 307, 308)
_TEXTUAL = ("text/", "application/json", "application/xml", "application/xhtml+xml",
            "application/csv", "application/yaml", "application/x-yaml")

# suffix_list_urls=() so tldextract never goes online: it uses its bundled snapshot. Private
# suffixes on, so two *.github.io sites count as different registrable domains.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@dataclass
class HttpSettings:
    """HTTP politeness and limits; the lead fills this from ``core/settings.toml``."""

    user_agent: str = "jobzone/0.1"
    contact: str = "ops@example.org"
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: wall-clock cap for one fetch including the body (read_timeout is per socket read only)
    total_timeout: float = 300.0
    retries: int = 3
    backoff_factor: float = 1.0
    backoff_max: float = 30.0
    #: cap on a server's Retry-After so one 429 cannot stall the night
    retry_after_max: int = 120
    #: minimum seconds between requests to one host; keys are host names (suffix match)
    rate_limits: dict[str, float] = field(default_factory=lambda: {
        "www.itjobswatch.co.uk": 2.0,
        "api.bls.gov": 1.0,
        "fred.stlouisfed.org": 1.0,
        "raw.githubusercontent.com": 0.5,
    })
    default_interval: float = 1.0
    #: do not ask a host again about a URL checked less than this many seconds ago (host -> s):
    #: a rerun of the same night (after a crash, say) costs the source nothing
    recheck_after: dict[str, float] = field(default_factory=dict)
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
        if "host_intervals" in values:
            values["rate_limits"] = {**values.get("rate_limits", {}), **values.pop("host_intervals")}
        if "host_recheck_after" in values:
            values["recheck_after"] = {**values.get("recheck_after", {}), **values.pop("host_recheck_after")}
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


def _per_host(table: Mapping[str, float], host: str, default: float) -> float:
    netloc, name = host.lower(), _hostname(host)
    for key in (netloc, name):
        if key in table:
            return float(table[key])
    for key, seconds in table.items():
        if name.endswith("." + key.lower()):
            return float(seconds)
    return float(default)


class Validator(NamedTuple):
    """What the previous run knew about a request key, and when it last checked it."""

    etag: str | None
    last_modified: str | None
    sha256: str | None
    checked_at: datetime | None = None


Validators = Mapping[str, "Validator | tuple[str | None, str | None, str | None]"]


@dataclass
class FetchResult:
    """One fetch attempt; ``outcome`` is one of ``OUTCOMES``. ``url`` is the requested URL."""

    url: str
    source: str
    status: int | None
    outcome: str
    fetched_at: datetime
    bytes: int = 0
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    replacements: int = 0
    detail: str | None = None
    body: builtins.bytes | None = field(default=None, repr=False)
    key: str = ""
    method: str = "GET"
    final_url: str | None = None
    fetch_id: str = ""
    request: SourceRequest | None = field(default=None, repr=False, compare=False)
    #: when the source was last actually asked about this URL (kept when a fresh check is skipped)
    checked_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.key:
            self.key = self.url
        if not self.fetch_id:
            self.fetch_id = make_fetch_id(self.key, self.fetched_at)

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    def decoded_text(self) -> str:
        """The body as text, decoded with the detected charset, bad bytes replaced."""
        if self.body is None:
            return ""
        return self.body.decode(_usable_codec(self.encoding), errors="replace")

    def validator(self) -> Validator:
        return Validator(self.etag, self.last_modified, self.sha256, self.checked_at or self.fetched_at)


def make_fetch_id(key: str, fetched_at: datetime) -> str:
    """Deterministic id of a fetch: uuid5 over the request key and the ISO fetch time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}\n{fetched_at.isoformat()}"))


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
        super().sleep(response)  # Retry-After or the exponential backoff
        if self.pace is not None:
            self.pace()


def make_session(settings: HttpSettings, pace: Any = None) -> requests.Session:
    """A session with the project's User-Agent/From headers and bounded, polite urllib3 retries.

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
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=4)
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

    def check(self, url: str, session: requests.Session) -> RobotsVerdict:
        if not self._settings.obey_robots:
            return RobotsVerdict(True, None, None)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            origin_lock = self._origin_locks.setdefault(origin, threading.Lock())
        with origin_lock:
            if origin not in self._cache:
                self._cache[origin] = self._load(origin, parts.netloc, session)
        parser, fail_outcome, fail_detail = self._cache[origin]
        if parser is None:
            return RobotsVerdict(False, fail_outcome, fail_detail)
        if parser.can_fetch(self._settings.robots_agent, url):
            return RobotsVerdict(True, None, None)
        return RobotsVerdict(False, DISALLOWED, f"robots.txt at {origin} disallows this URL")

    def _load(self, origin: str, host: str, session: requests.Session):
        robots_url = origin + "/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        self.fetched.append(robots_url)
        self._limiter.wait(host)
        try:
            resp = session.get(robots_url, timeout=(self._settings.connect_timeout, self._settings.read_timeout),
                               stream=True, allow_redirects=True, proxies=_proxies_for(host))
            status = resp.status_code
            raw = _read_capped(resp, _ROBOTS_MAX_BYTES, time.monotonic() + self._settings.total_timeout,
                               truncate=True) if status == 200 else b""
            resp.close()
        except (requests.RequestException, _BodyError) as exc:
            # A host we cannot reach for robots.txt will not serve the page either.
            return None, UNREACHABLE, f"robots.txt unreachable: {_short(exc)}"
        finally:
            self._limiter.release(host)
        if status == 200:
            parser.parse(raw.decode("utf-8", errors="replace").splitlines())
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


# --------------------------------------------------------------------------- helpers


class _BodyError(Exception):
    """Internal: the body could not be read completely (too large, deadline, truncation)."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


def _short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _hostname(netloc: str) -> str:
    return (urlsplit("//" + netloc).hostname or "").lower()


def _is_loopback(netloc: str) -> bool:
    name = _hostname(netloc)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _proxies_for(host: str) -> dict[str, Any] | None:
    # Loopback traffic must never be sent through an environment proxy.
    return {"http": None, "https": None} if _is_loopback(host) else None


def _is_ip_or_local(hostname: str) -> bool:
    if hostname in ("localhost", ""):
        return True
    try:
        ipaddress.ip_address(hostname.strip("[]"))
        return True
    except ValueError:
        return False


def same_site(url_a: str, url_b: str) -> bool:
    """True if a redirect from ``url_a`` to ``url_b`` stays inside the registrable domain.

    IP and localhost hosts have no registrable domain: only the very same host:port counts.
    An https -> http downgrade never counts.
    """
    a, b = urlsplit(url_a), urlsplit(url_b)
    if b.scheme not in ("http", "https") or (a.scheme == "https" and b.scheme == "http"):
        return False
    host_a, host_b = (a.hostname or "").lower(), (b.hostname or "").lower()
    if _is_ip_or_local(host_a) or _is_ip_or_local(host_b):
        return a.netloc.lower() == b.netloc.lower()
    dom_a = _TLD(host_a).top_domain_under_public_suffix
    dom_b = _TLD(host_b).top_domain_under_public_suffix
    if not dom_a or not dom_b:
        return host_a == host_b
    return dom_a == dom_b


def _usable_codec(name: str | None) -> str:
    if not name:
        return "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


def detect_encoding(body: builtins.bytes, content_type: str | None) -> str:
    """Charset from the Content-Type header, else a BOM, else ``<meta charset>``, else UTF-8."""
    if content_type:
        match = re.search(r"charset\s*=\s*[\"']?([^;\"'\s]+)", content_type, re.I)
        if match:
            try:
                return codecs.lookup(match.group(1)).name
            except LookupError:
                log.warning("unknown charset %r in Content-Type; falling back", match.group(1))
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = body[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        match = pattern.search(head)
        if match:
            try:
                return codecs.lookup(match.group(1).decode("ascii")).name
            except (LookupError, UnicodeDecodeError):
                pass
    return "utf-8"


def count_replacements(body: builtins.bytes, encoding: str) -> int:
    """How many replacement characters decoding inserts (a genuine U+FFFD in the text is not counted)."""
    codec = _usable_codec(encoding)
    replaced = body.decode(codec, errors="replace").count("\ufffd")
    genuine = body.decode(codec, errors="ignore").count("\ufffd")
    return replaced - genuine


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_textual(content_type: str | None) -> bool:
    media = _media_type(content_type)
    return media.startswith(_TEXTUAL) or media.endswith(("+json", "+xml"))


def _read_capped(resp: requests.Response, cap: int, deadline: float, truncate: bool = False) -> builtins.bytes:
    """Stream the body up to ``cap`` bytes; raises _BodyError past the cap or the deadline."""
    chunks: list[builtins.bytes] = []
    size = 0
    try:
        for chunk in resp.iter_content(_CHUNK):
            size += len(chunk)
            if size > cap:
                if truncate:
                    chunks.append(chunk[: cap - (size - len(chunk))])
                    break
                raise _BodyError(TOO_LARGE, f"body exceeds the {cap}-byte cap")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _BodyError(UNREACHABLE, "total timeout while reading the body")
    except requests.RequestException as exc:
        # e.g. ChunkedEncodingError on a body shorter than its Content-Length
        raise _BodyError(UNREACHABLE, f"transfer failed (truncated body?): {_short(exc)}") from exc
    return b"".join(chunks)


def _as_validator(value: Any) -> Validator | None:
    if value is None:
        return None
    if isinstance(value, Validator):
        return value
    if isinstance(value, Mapping):
        return Validator(value.get("etag"), value.get("last_modified"), value.get("sha256"),
                         value.get("checked_at"))
    return Validator(*tuple(value))


def _http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


# --------------------------------------------------------------------------- fetching


class Fetcher:
    """Runs one host's requests sequentially; shares the limiter and robots cache of a run."""

    def __init__(self, settings: HttpSettings, limiter: HostLimiter, robots: RobotsCache) -> None:
        self.settings = settings
        self.limiter = limiter
        self.robots = robots
        self._session: requests.Session | None = None
        self._host = ""  # the host of the request in flight, for the retries' pacing

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = make_session(self.settings, pace=self._pace_retry)
        return self._session

    def _pace_retry(self) -> None:
        # A retry answers a failure: keep one full interval after the failed answer, then
        # take the next slot.
        self.limiter.release(self._host)
        self.limiter.wait(self._host)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def fetch(self, req: SourceRequest, validator: Validator | None = None) -> FetchResult:
        fetched_at = datetime.now(UTC)
        base = dict(url=req.url, source=req.source, fetched_at=fetched_at, key=req.key,
                    method=req.method, request=req)
        fresh = self._still_fresh(req, validator, fetched_at)
        if fresh is not None:
            return FetchResult(status=None, outcome=UNCHANGED, sha256=validator.sha256, etag=validator.etag,
                               last_modified=validator.last_modified, detail=fresh, checked_at=validator.checked_at,
                               **base)
        try:
            if _is_local(req.url):
                return self._fetch_file(req, validator, base)
            return self._fetch_http(req, validator, base)
        except Exception as exc:  # noqa: BLE001 - the night must go on; the outcome records it
            log.exception("unexpected failure fetching %s", req.url)
            return FetchResult(status=None, outcome=UNREACHABLE, detail=f"unexpected: {_short(exc)}", **base)

    def _still_fresh(self, req: SourceRequest, validator: Validator | None, now: datetime) -> str | None:
        if validator is None or validator.checked_at is None or validator.sha256 is None:
            return None
        horizon = self.settings.recheck_for(urlsplit(req.url).netloc)
        age = (now - validator.checked_at).total_seconds()
        if horizon <= 0 or not 0 <= age < horizon:
            return None
        return f"not asked again: checked {age:.0f} s ago, recheck after {horizon:.0f} s"

    def _fetch_http(self, req: SourceRequest, validator: Validator | None, base: dict) -> FetchResult:
        s = self.settings
        cap = req.max_bytes or s.max_bytes
        deadline = time.monotonic() + s.total_timeout
        url, method, body_json = req.url, req.method, req.json
        headers = dict(req.headers)
        if method == "GET" and validator is not None:
            # Conditional GET only: a POST query has no cacheable representation.
            if validator.etag:
                headers["If-None-Match"] = validator.etag
            if validator.last_modified:
                headers["If-Modified-Since"] = validator.last_modified
        resp: requests.Response | None = None
        for _hop in range(s.max_redirects + 1):
            verdict = self.robots.check(url, self.session)
            if not verdict.allowed:
                return FetchResult(status=None, outcome=verdict.outcome or DISALLOWED, detail=verdict.detail,
                                   final_url=url, **base)
            host = urlsplit(url).netloc
            self._host = host
            self.limiter.wait(host)
            try:
                resp = self.session.request(method, url, headers=headers, json=body_json, stream=True,
                                            allow_redirects=False, timeout=(s.connect_timeout, s.read_timeout),
                                            proxies=_proxies_for(host))
            except requests.RequestException as exc:
                self.limiter.release(host)
                return FetchResult(status=None, outcome=UNREACHABLE, detail=_short(exc), final_url=url, **base)
            if resp.status_code in _REDIRECT_CODES and resp.headers.get("Location"):
                target = urljoin(url, resp.headers["Location"])
                resp.close()
                if not same_site(url, target):
                    return FetchResult(status=resp.status_code, outcome=OFFHOST_REDIRECT,
                                       detail=f"redirect to {target} leaves the site", final_url=url, **base)
                if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
                    method, body_json = "GET", None
                url = target
                continue
            break
        else:
            return FetchResult(status=resp.status_code if resp is not None else None, outcome=HTTP_ERROR,
                               detail=f"more than {s.max_redirects} redirects", final_url=url, **base)

        host = urlsplit(url).netloc
        try:
            return self._finish(resp, req, validator, base, url, cap, deadline)
        finally:
            resp.close()
            if resp.status_code == 429 or resp.status_code >= 500:
                self.limiter.release(host)  # a struggling host gets the interval after the answer

    def _finish(self, resp: requests.Response, req: SourceRequest, validator: Validator | None, base: dict,
                url: str, cap: int, deadline: float) -> FetchResult:
        status = resp.status_code
        ctype = resp.headers.get("Content-Type")
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        meta = dict(status=status, content_type=ctype, final_url=url, **base)
        if status == 304:
            prev = validator or Validator(None, None, None)
            return FetchResult(outcome=UNCHANGED, sha256=prev.sha256, etag=etag or prev.etag,
                               last_modified=last_modified or prev.last_modified, detail="304 Not Modified", **meta)
        if not 200 <= status < 300:
            return FetchResult(outcome=HTTP_ERROR, detail=f"HTTP {status} {resp.reason or ''}".strip(), **meta)
        allowed = tuple(t.lower() for t in req.allowed_content_types)
        if allowed and _media_type(ctype) not in allowed:
            return FetchResult(outcome=BAD_CONTENT_TYPE,
                               detail=f"content type {ctype!r} not in {list(allowed)}", **meta)
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            return FetchResult(outcome=TOO_LARGE, detail=f"Content-Length {declared} exceeds the {cap}-byte cap",
                               **meta)
        try:
            body = _read_capped(resp, cap, deadline)
        except _BodyError as exc:
            return FetchResult(outcome=exc.outcome, detail=exc.detail, **meta)
        return _body_result(body, ctype, validator, etag, last_modified, meta)

    def _fetch_file(self, req: SourceRequest, validator: Validator | None, base: dict) -> FetchResult:
        """A local location (``file://`` URL or plain path): no robots, no rate limit."""
        path = local_path(req.url)
        cap = req.max_bytes or self.settings.max_bytes
        meta = dict(status=None, content_type=None, final_url=str(path), **base)
        try:
            stat = path.stat()
            if stat.st_size > cap:
                return FetchResult(outcome=TOO_LARGE, detail=f"{path} is {stat.st_size} bytes, cap {cap}", **meta)
            body = path.read_bytes()
        except OSError as exc:
            return FetchResult(outcome=UNREACHABLE, detail=_short(exc), **meta)
        return _body_result(body, None, validator, None, _http_date(stat.st_mtime), meta)


def _body_result(body: builtins.bytes, ctype: str | None, validator: Validator | None, etag: str | None,
                 last_modified: str | None, meta: dict) -> FetchResult:
    sha = hashlib.sha256(body).hexdigest()
    if validator is not None and validator.sha256 == sha:
        return FetchResult(outcome=UNCHANGED, bytes=len(body), sha256=sha, etag=etag or validator.etag,
                           last_modified=last_modified or validator.last_modified,
                           detail="same sha256 as the previous run", **meta)
    encoding = detect_encoding(body, ctype)
    replacements = count_replacements(body, encoding) if (ctype is None or _is_textual(ctype)) else 0
    detail = f"{replacements} undecodable byte sequence(s) replaced" if replacements else None
    return FetchResult(outcome=OK, bytes=len(body), sha256=sha, etag=etag, last_modified=last_modified,
                       encoding=encoding, replacements=replacements, detail=detail, body=body, **meta)


def _is_local(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return scheme == "file" or scheme == "" or (len(scheme) == 1 and url[1:3] in (":\\", ":/"))


def local_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path))
    return Path(url)


def _host_key(url: str) -> str:
    return "file:" if _is_local(url) else urlsplit(url).netloc.lower()


def fetch_many(requests_list: Sequence[SourceRequest], settings: HttpSettings | None = None,
               validators: Validators | None = None,
               on_result: Callable[[FetchResult], None] | None = None) -> list[FetchResult]:
    """Fetch everything: hosts concurrently, one host strictly sequential. Results keep input order."""
    settings = settings or HttpSettings()
    validators = validators or {}
    limiter = HostLimiter(settings)
    robots = RobotsCache(settings, limiter)
    groups: OrderedDict[str, list[int]] = OrderedDict()
    for index, req in enumerate(requests_list):
        groups.setdefault(_host_key(req.url), []).append(index)
    results: list[FetchResult | None] = [None] * len(requests_list)

    def run_host(indices: Iterable[int]) -> None:
        fetcher = Fetcher(settings, limiter, robots)
        try:
            for i in indices:
                req = requests_list[i]
                results[i] = fetcher.fetch(req, _as_validator(validators.get(req.key)))
                if on_result is not None:
                    # Runs in the host's thread while the limiter would make it wait anyway,
                    # so parsing a body costs no wall time on a politely paced host.
                    on_result(results[i])
        finally:
            fetcher.close()

    if groups:
        workers = max(1, min(settings.max_workers, len(groups)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            for future in [pool.submit(run_host, idx) for idx in groups.values()]:
                future.result()
    assert all(r is not None for r in results)  # Fetcher.fetch never raises, so every slot is filled
    return results  # type: ignore[return-value]


def fetch_one(req: SourceRequest, settings: HttpSettings | None = None,
              validator: Validator | tuple | None = None) -> FetchResult:
    """Convenience for a single request (its own robots cache and limiter)."""
    validators = {req.key: validator} if validator is not None else None
    return fetch_many([req], settings, validators)[0]
