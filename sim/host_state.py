"""What the simulator keeps per host: its politeness settings, the faults in force, and the
records of the request log.

A `Fault` matches exact paths (from `set_fault(roles=...)`), path substrings (`paths=...`) or
every path, optionally for a limited number of requests (`count=...`, a 5xx burst). A `Hit` is
one request as it arrived, including the ones answered 429. A `Drip` is one response a drip fault
sent a byte at a time, and whether the client hung up before it ended.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Fault:
    kind: str
    paths: frozenset[str] | None          # exact paths (from roles=) ...
    contains: tuple[str, ...] | None      # ... or path substrings (paths=); both None = every path
    remaining: int | None = None          # apply this many more times (None: until cleared)
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, path: str) -> bool:
        if self.paths is None and self.contains is None:
            return True
        bare = urlsplit(path).path
        if self.paths is not None and (bare in self.paths or path in self.paths):
            return True
        return self.contains is not None and any(c in path for c in self.contains)


@dataclass(frozen=True)
class Hit:
    host: str
    method: str
    path: str
    status: int
    at: float            # time.monotonic() at arrival
    conditional: bool    # carried If-None-Match / If-Modified-Since
    user_agent: str = ""


@dataclass
class Drip:
    """One response the ``drip_headers`` / ``drip_body`` fault sent a byte at a time, as it went."""

    kind: str
    path: str
    total: int                   # bytes of the dripped part (the header block, or the body)
    sent: int = 0
    client_hung_up: bool = False  # the client closed the connection before the drip ended
    finished: bool = False        # every byte went out (the client waited for all of it)


@dataclass
class HostState:
    name: str
    latency: float = 0.0
    #: the allowed rate, as the minimum seconds between two requests (0: unlimited)
    interval: float = 0.0
    #: a request is rejected when it arrives sooner than interval * tolerance after the last one
    tolerance: float = 0.8
    retry_after: int = 1
    max_age: int | None = None
    httpd: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_accepted: float = -1e9
    faults: dict[str, Fault] = field(default_factory=dict)
    drips: list[Drip] = field(default_factory=list)
