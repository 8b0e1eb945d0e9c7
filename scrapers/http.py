"""The one HTTP layer every source uses: polite, bounded, and it never raises out of a fetch.

Politeness (`scrapers.politeness`): one configured session per host worker, robots.txt read once
per host per run, a minimum interval per host, retries only on connection errors / 5xx / 429
(honouring Retry-After). Bounds: timeouts, a total deadline for the whole fetch
(`scrapers.deadline`), a size cap, allowed content types, redirects only inside the same
registrable domain (`scrapers.urls`). Every failure becomes a typed ``FetchResult.outcome``
(`scrapers.outcomes`). This module fetches; it re-exports the names callers import from it.
"""

from __future__ import annotations

import builtins
import email.utils
import hashlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import requests

from scrapers.base import SourceRequest
from scrapers.deadline import BodyError, Deadline, DeadlineExceeded, read_capped
from scrapers.http_settings import HttpSettings
from scrapers.outcomes import (ANSWERED_OUTCOMES, BAD_CONTENT_TYPE, DISALLOWED, FAILED_OUTCOMES, HTTP_ERROR,
                               OFFHOST_REDIRECT, OK, OUTCOMES, PARSE_ERROR, TOO_LARGE, UNCHANGED, UNREACHABLE,
                               describe)
from scrapers.politeness import HostLimiter, PoliteRetry, RobotsCache, RobotsVerdict, make_session
from scrapers.text import count_replacements, decode_text, detect_encoding, is_textual, media_type
from scrapers.urls import host_key, is_local, local_path, proxies_for, same_site

__all__ = [
    "OK", "UNCHANGED", "UNREACHABLE", "HTTP_ERROR", "TOO_LARGE", "DISALLOWED", "OFFHOST_REDIRECT",
    "BAD_CONTENT_TYPE", "PARSE_ERROR", "OUTCOMES", "ANSWERED_OUTCOMES", "FAILED_OUTCOMES", "CSV_CONTENT_TYPES",
    "HttpSettings", "Validator", "Validators", "FetchResult", "make_fetch_id", "Fetcher", "fetch_many", "fetch_one",
    "HostLimiter", "PoliteRetry", "RobotsCache", "RobotsVerdict", "make_session", "Deadline",
    "detect_encoding", "count_replacements", "same_site", "local_path",
]

log = logging.getLogger(__name__)

#: what servers send a CSV file as (raw.githubusercontent.com serves it as text/plain)
CSV_CONTENT_TYPES = ("text/csv", "text/plain", "application/csv", "application/octet-stream")

_REDIRECT_CODES = (301, 302, 303, 307, 308)


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
        """The body as text (`scrapers.text.decode_text`: a BOM dropped, bad bytes replaced)."""
        if self.body is None:
            return ""
        return decode_text(self.body, self.encoding)

    def validator(self) -> Validator:
        return Validator(self.etag, self.last_modified, self.sha256, self.checked_at or self.fetched_at)


def make_fetch_id(key: str, fetched_at: datetime) -> str:
    """Deterministic id of a fetch: uuid5 over the request key and the ISO fetch time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}\n{fetched_at.isoformat()}"))


def as_validator(value: Any) -> Validator | None:
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
    """Runs one host's requests sequentially; shares the limiter and robots cache of a run.

    A host whose requests run out of their total deadline `deadline_strikes` times in a row is
    not asked again in this run: each further request would cost a whole deadline too, and a
    host dripping every page would keep the night running for hours.
    """

    def __init__(self, settings: HttpSettings, limiter: HostLimiter, robots: RobotsCache) -> None:
        self.settings = settings
        self.limiter = limiter
        self.robots = robots
        self._session: requests.Session | None = None
        self._host = ""  # the host of the request in flight, for the retries' pacing
        self._strikes = 0  # consecutive requests that ran out of their total deadline

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
        strikes = self.settings.deadline_strikes
        if strikes and self._strikes >= strikes:
            return FetchResult(status=None, outcome=UNREACHABLE, final_url=req.url, **base,
                               detail=f"not asked: the last {self._strikes} requests to this host ran out of their"
                                      f" total deadline of {self.settings.total_timeout:g} s (http.total_timeout)")
        try:
            if is_local(req.url):
                return self._fetch_file(req, validator, base)
            with Deadline(self.settings.total_timeout) as deadline:
                result = self._fetch_http(req, validator, base, deadline)
            self._strikes = self._strikes + 1 if result.outcome == UNREACHABLE and deadline.expired else 0
            return result
        except Exception as exc:  # noqa: BLE001 - the night must go on; the outcome records it
            log.exception("unexpected failure fetching %s", req.url)
            return FetchResult(status=None, outcome=UNREACHABLE, detail=f"unexpected: {describe(exc)}", **base)

    def _still_fresh(self, req: SourceRequest, validator: Validator | None, now: datetime) -> str | None:
        return still_fresh(self.settings, req, validator, now)

    def _fetch_http(self, req: SourceRequest, validator: Validator | None, base: dict,
                    deadline: Deadline) -> FetchResult:
        s = self.settings
        cap = req.max_bytes or s.max_bytes
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
            verdict = self.robots.check(url, self.session, deadline)
            if not verdict.allowed:
                return FetchResult(status=None, outcome=verdict.outcome or DISALLOWED, detail=verdict.detail,
                                   final_url=url, **base)
            host = urlsplit(url).netloc
            self._host = host
            self.limiter.wait(host)
            try:
                resp = self.session.request(method, url, headers=headers, json=body_json, stream=True,
                                            allow_redirects=False, timeout=(s.connect_timeout, s.read_timeout),
                                            proxies=proxies_for(host))
            except (requests.RequestException, DeadlineExceeded) as exc:
                self.limiter.release(host)
                detail = str(exc) if isinstance(exc, DeadlineExceeded) else describe(exc)
                return FetchResult(status=None, outcome=UNREACHABLE, detail=detail, final_url=url, **base)
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
                url: str, cap: int, deadline: Deadline) -> FetchResult:
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
        if allowed and media_type(ctype) not in allowed:
            return FetchResult(outcome=BAD_CONTENT_TYPE,
                               detail=f"content type {ctype!r} not in {list(allowed)}", **meta)
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            return FetchResult(outcome=TOO_LARGE, detail=f"Content-Length {declared} exceeds the {cap}-byte cap",
                               **meta)
        try:
            body = read_capped(resp, cap, deadline)
        except BodyError as exc:
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
            return FetchResult(outcome=UNREACHABLE, detail=describe(exc), **meta)
        return _body_result(body, None, validator, None, _http_date(stat.st_mtime), meta)


def _body_result(body: builtins.bytes, ctype: str | None, validator: Validator | None, etag: str | None,
                 last_modified: str | None, meta: dict) -> FetchResult:
    sha = hashlib.sha256(body).hexdigest()
    if validator is not None and validator.sha256 == sha:
        return FetchResult(outcome=UNCHANGED, bytes=len(body), sha256=sha, etag=etag or validator.etag,
                           last_modified=last_modified or validator.last_modified,
                           detail="same sha256 as the previous run", **meta)
    encoding = detect_encoding(body, ctype)
    replacements = count_replacements(body, encoding) if (ctype is None or is_textual(ctype)) else 0
    detail = f"{replacements} undecodable byte sequence(s) replaced" if replacements else None
    return FetchResult(outcome=OK, bytes=len(body), sha256=sha, etag=etag, last_modified=last_modified,
                       encoding=encoding, replacements=replacements, detail=detail, body=body, **meta)


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
        groups.setdefault(host_key(req.url), []).append(index)
    results: list[FetchResult | None] = [None] * len(requests_list)

    def run_host(indices: Iterable[int]) -> None:
        fetcher = Fetcher(settings, limiter, robots)
        try:
            for i in indices:
                req = requests_list[i]
                results[i] = fetcher.fetch(req, as_validator(validators.get(req.key)))
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


def still_fresh(settings: HttpSettings, req: SourceRequest, validator: Validator | None, now: datetime) -> str | None:
    """Why `req` is not asked again at `now` (its body was checked within its host's recheck
    horizon, `http.host_recheck_after`), or None when it is due."""
    if validator is None or validator.checked_at is None or validator.sha256 is None:
        return None
    horizon = settings.recheck_for(urlsplit(req.url).netloc)
    age = (now - validator.checked_at).total_seconds()
    if horizon <= 0 or not 0 <= age < horizon:
        return None
    return f"not asked again: checked {age:.0f} s ago, recheck after {horizon:.0f} s"
