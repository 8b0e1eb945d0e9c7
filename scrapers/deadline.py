"""A fetch's total deadline (`http.total_timeout`), held for the whole response, and the streamed,
capped body read it bounds.

Why a watchdog: requests' read timeout is per socket read and restarts on every byte, so a server
that sends its headers, or a Content-Length body, a byte a second never trips it; and a buffered
``read(64 KiB)`` of such a body blocks until all 64 KiB have come, so a check between reads comes
far too late. Instead every socket a fetch uses is handed to its `Deadline` (by the connection
classes of `DeadlineAdapter`, which `make_session` mounts), and when the deadline passes a timer
thread shuts those sockets down: whatever read is blocked returns at once, and the failure is
reported as the deadline (`DeadlineExceeded`, `BodyError`), never as a mysterious truncation.

`DeadlineExceeded` is deliberately not an OSError: urllib3 retries OSErrors, and a fetch whose
time is up must not start again.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from scrapers.outcomes import TOO_LARGE, UNREACHABLE, describe

CHUNK = 64 * 1024

CONNECTING = "connecting"
SENDING = "sending the request"
HEADERS = "waiting for the response headers"
BODY = "reading the body"
RETRY_WAIT = "waiting to retry"

_local = threading.local()


class DeadlineExceeded(Exception):
    """A fetch ran out of its total deadline; the message names the deadline and the phase."""


class BodyError(Exception):
    """The body could not be read completely (too large, deadline, truncation): an outcome."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


def _shut(sock: socket.socket) -> None:
    try:
        # socket.socket.shutdown, not SSLSocket.shutdown: the latter tears down the TLS object
        # under the thread that is reading from it; shutting the descriptor just ends the read.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to stop


class _Watchdog:
    """One daemon thread for every deadline of the process (not a timer thread per fetch): it
    sleeps until the earliest armed deadline and fires it, unless it was disarmed first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-deadline-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                _, _, deadline = heapq.heappop(self._heap)
            if deadline.armed:
                deadline._fire()


_WATCHDOG = _Watchdog()


class Deadline:
    """The wall-clock limit of one fetch, enforced on every socket it watches (a context manager).

    Entering it makes it the thread's current deadline (the connection classes below find it there)
    and arms the watchdog; leaving it disarms it.
    """

    def __init__(self, seconds: float, label: str | None = None) -> None:
        self.seconds = float(seconds)
        self.at = time.monotonic() + self.seconds
        self.label = label or f"total deadline of {self.seconds:g} s (http.total_timeout)"
        self.phase = CONNECTING
        #: True once the watchdog shut the sockets (a read that "ended" afterwards was cut short)
        self.fired = False
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self.armed = False
        self._outer: Deadline | None = None

    @staticmethod
    def current() -> Deadline | None:
        return getattr(_local, "deadline", None)

    @property
    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.at

    def detail(self, phase: str | None = None) -> str:
        return f"{self.label} passed while {phase or self.phase}"

    def check(self, phase: str | None = None) -> None:
        if phase is not None:
            self.phase = phase
        if self.expired:
            raise DeadlineExceeded(self.detail())

    def watch(self, sock: socket.socket | None) -> None:
        """Shut `sock` down when the deadline passes (at once if it already has)."""
        if sock is None:
            return
        with self._lock:
            if not any(s is sock for s in self._socks):
                self._socks.append(sock)
            late = self.expired
        if late:
            _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            if not self.armed:
                return  # left between the watchdog's pop and now: the fetch is over
            self.fired = True
            socks, self._socks = self._socks, []
        for sock in socks:
            _shut(sock)

    def __enter__(self) -> Deadline:
        self._outer = Deadline.current()
        _local.deadline = self
        self.armed = True
        _WATCHDOG.arm(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        # a disarmed deadline stays in the watchdog's heap until its time, then is dropped
        with self._lock:
            self.armed = False
            self._socks = []
        _local.deadline = self._outer


# --------------------------------------------------------------------------- the transport hooks


class _DeadlineHooks:
    """Mixed into urllib3's connections: each step checks the current deadline, and every socket
    is watched by it. Without a current deadline they behave exactly like urllib3's own."""

    sock: socket.socket | None
    timeout: Any

    def connect(self) -> None:
        deadline = Deadline.current()
        if deadline is None:
            return super().connect()  # type: ignore[misc]
        deadline.check(CONNECTING)
        # the TCP connect cannot be watched (no socket yet): bound its timeout instead
        remaining = max(deadline.remaining, 0.001)
        self.timeout = min(self.timeout, remaining) if isinstance(self.timeout, (int, float)) else remaining
        try:
            super().connect()  # type: ignore[misc]
        except Exception as exc:
            if deadline.expired:
                raise DeadlineExceeded(deadline.detail(CONNECTING)) from exc
            raise
        deadline.watch(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        deadline = Deadline.current()
        if deadline is not None:
            deadline.check(SENDING)
            deadline.watch(self.sock)  # a kept-alive connection was watched by an earlier deadline
        return super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self) -> Any:
        deadline = Deadline.current()
        if deadline is None:
            return super().getresponse()  # type: ignore[misc]
        deadline.check(HEADERS)
        deadline.watch(self.sock)
        try:
            response = super().getresponse()  # type: ignore[misc]
        except Exception as exc:
            if deadline.expired:
                raise DeadlineExceeded(deadline.detail(HEADERS)) from exc
            raise
        # http.client takes EOF inside the header block for its end: headers cut by the watchdog
        # would otherwise pass for a complete (and wrong) response
        deadline.check(HEADERS)
        return response


class DeadlineHTTPConnection(_DeadlineHooks, HTTPConnection):
    pass


class DeadlineHTTPSConnection(_DeadlineHooks, HTTPSConnection):
    pass


class DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


_POOLS = {"http": DeadlineHTTPConnectionPool, "https": DeadlineHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter with connections that obey the thread's current `Deadline`.

    Direct and HTTP-proxy connections are covered; a SOCKS proxy keeps urllib3's own connections
    (only the per-read timeout and the checks between reads bound it). A TLS handshake is bounded
    by the remaining deadline as a socket timeout only: the socket is watched once it is wrapped
    (wrapping detaches the plain one), so a handshake dripped byte by byte is not cut mid-way.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


# --------------------------------------------------------------------------- the body


def read_capped(resp: requests.Response, cap: int, deadline: Deadline, truncate: bool = False) -> bytes:
    """Stream the body up to ``cap`` bytes; raises BodyError past the cap or the deadline."""
    chunks: list[bytes] = []
    size = 0
    deadline.phase = BODY
    try:
        for chunk in resp.iter_content(CHUNK):
            size += len(chunk)
            if size > cap:
                if truncate:
                    chunks.append(chunk[: cap - (size - len(chunk))])
                    break
                raise BodyError(TOO_LARGE, f"body exceeds the {cap}-byte cap")
            chunks.append(chunk)
            if deadline.expired:
                raise BodyError(UNREACHABLE, deadline.detail(BODY))
    except requests.RequestException as exc:
        if deadline.expired:
            raise BodyError(UNREACHABLE, deadline.detail(BODY)) from exc
        # e.g. ChunkedEncodingError on a body shorter than its Content-Length
        raise BodyError(UNREACHABLE, f"transfer failed (truncated body?): {describe(exc)}") from exc
    if deadline.fired:
        # a body without a length ends at EOF: one the watchdog caused is not the end of the body
        raise BodyError(UNREACHABLE, deadline.detail(BODY))
    return b"".join(chunks)
