"""One simulated host on loopback: the request handler and the server it runs in.

Per request the handler enforces the host's **rate limit** (a request arriving sooner than
`interval * tolerance` after the previous accepted one gets 429 + Retry-After), waits the host's
latency, serves robots.txt, applies a transport fault when one matches, and otherwise answers
the generated payload with an ETag (304 to a matching If-None-Match). Every request is recorded
with the server (`Hit`), including the ones answered 429.

Transport faults: ``http_5xx`` (burst with `count`), ``timeout`` (sleeps past the client's read
timeout), ``truncated`` (body cut short of its Content-Length), ``huge`` (a 50 MB body, streamed
from one reused chunk), ``offhost_redirect`` (302 to another loopback port), ``drip_headers`` /
``drip_body`` (the header block, or a Content-Length body, a byte every ``interval`` seconds, each
recorded as a `Drip` with whether the client hung up first); ``robots`` is answered in robots.txt.

The handler talks to its server through `Serving` (what `sim.simserver.SimServer` provides).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import select
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from sim.host_state import Drip, Hit, HostState
from sim.hosts import BLS_PATH, HOSTS, HUGE_BYTES

_CHUNK = 64 * 1024


class Serving(Protocol):
    """What a host's handler needs from the simulator that runs it."""

    #: set when the simulator stops: sleeping handlers wake up and give up
    stopping: threading.Event
    #: BLS registration keys seen in POST bodies (counted, never stored)
    api_keys_seen: int

    @property
    def as_of(self) -> date: ...

    def record(self, hit: Hit) -> None: ...

    def url(self, host: str, path: str = "") -> str: ...

    def robots_txt(self, host: str) -> str: ...

    def payload(self, host: str, path: str) -> tuple[bytes, str, str] | None: ...

    def bls_payload(self, wanted: Sequence[str]) -> bytes: ...


def serve(sim: Serving, state: HostState) -> ThreadingHTTPServer:
    """Start `state`'s host on a free loopback port, in a daemon thread; the server is `state.httpd`."""
    handler = type(f"SimHandler_{state.name}", (SimHandler,), {"sim": sim, "state": state})
    state.httpd = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=state.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                     name=f"sim-{state.name}", daemon=True).start()
    return state.httpd


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # a client that gave up (timeout, size cap) is part of the scenario
        super().handle_error(request, client_address)


class SimHandler(BaseHTTPRequestHandler):
    sim: Serving
    state: HostState
    protocol_version = "HTTP/1.1"
    server_version = "jobzone-sim/1"

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK
        # add ~40 ms to every response, an artefact of the simulator, not of any real host.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # ---- helpers -----------------------------------------------------------------------------
    def _hit(self, status: int) -> None:
        self.sim.record(Hit(self.state.name, self.command, self.path, status, self._arrived,
                            bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")),
                            self.headers.get("User-Agent", "")))

    def _admit(self) -> bool:
        """Enforce the host's rate: False (and a 429 sent) when the client is too fast."""
        self._arrived = time.monotonic()
        st = self.state
        with st.lock:
            if st.interval > 0 and self._arrived - st.last_accepted < st.interval * st.tolerance:
                rejected = True
            else:
                rejected = False
                st.last_accepted = self._arrived
        if rejected:
            self._hit(429)
            self._send(429, b"Too Many Requests\n", headers={"Retry-After": str(max(1, st.retry_after))})
            return False
        return True

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the simulator stops; False when it stopped."""
        return not self.sim.stopping.wait(seconds) if seconds > 0 else True

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
              headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, val in (headers or {}).items():
            self.send_header(name, val)
        self.end_headers()
        if body and status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def _transport_fault(self) -> bool:
        """Apply a transport fault to this request; True when the request was answered by it."""
        st = self.state
        with st.lock:
            found = None
            for kind in ("offhost_redirect", "http_5xx", "timeout", "truncated", "huge", "drip_headers", "drip_body"):
                fault = st.faults.get(kind)
                if fault is not None and fault.matches(self.path) and (fault.remaining is None or fault.remaining > 0):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    found = fault
                    break
        if found is None:
            return False
        kind, p = found.kind, found.params
        if kind == "http_5xx":
            status = int(p.get("status", 503))
            self._hit(status)
            headers = {"Retry-After": str(p["retry_after"])} if "retry_after" in p else {}
            self._send(status, b"upstream error (simulated)\n", headers=headers)
        elif kind == "timeout":
            self._hit(0)
            self._sleep(float(p.get("seconds", 5.0)))
            self.close_connection = True
            try:
                self._send(504, b"too late\n")
            except OSError:
                pass
        elif kind == "offhost_redirect":
            other = next(h for h in HOSTS if h != self.state.name)
            target = p.get("location") or self.sim.url(other, "/moved" + self.path)
            self._hit(302)
            self._send(302, b"", headers={"Location": target})
        elif kind == "truncated":
            payload = self.sim.payload(st.name, self.path)
            body = payload[0] if payload else b"x" * 10_000
            self._hit(200)
            self.send_response(200)
            self.send_header("Content-Type", payload[1] if payload else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        elif kind == "huge":
            self._hit(200)
            self._send_huge(int(p.get("bytes", HUGE_BYTES)), bool(p.get("declare_length", False)))
        elif kind in ("drip_headers", "drip_body"):
            self._hit(200)
            self._drip(kind, float(p.get("interval", 1.0)), float(p.get("max_seconds", 120.0)))
        return True

    def _drip(self, kind: str, interval: float, max_seconds: float) -> None:
        """Answer the real payload, but the header block (or the body) a byte every `interval` s.

        The response is written on the raw socket, past `send_response`'s buffering, so each byte
        really leaves alone. `max_seconds` is the server's own hang-stop: a client that would wait
        for every byte cannot hang the suite, and the `Drip` then says it was not the client that
        ended it.
        """
        payload = self.sim.payload(self.state.name, self.path)
        body, ctype = (payload[0], payload[1]) if payload else (b"x" * 10_000, "text/plain")
        head = (f"HTTP/1.1 200 OK\r\nServer: {self.server_version}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("latin-1")
        slow, fast_part = (head, b"") if kind == "drip_headers" else (body, head)
        drip = Drip(kind, self.path, total=len(slow))
        with self.state.lock:
            self.state.drips.append(drip)
        self.close_connection = True
        sock = self.connection
        ends = time.monotonic() + max_seconds
        try:
            sock.sendall(fast_part)
            for i in range(len(slow)):
                if i and self._peer_hung_up(sock, interval):
                    drip.client_hung_up = True
                    return
                if self.sim.stopping.is_set() or time.monotonic() > ends:
                    return
                sock.sendall(slow[i:i + 1])
                drip.sent += 1
            if kind == "drip_headers":
                sock.sendall(body)
            drip.finished = True
        except OSError:
            drip.client_hung_up = True  # a write to a connection the client closed

    def _peer_hung_up(self, sock: socket.socket, wait: float) -> bool:
        """Wait up to `wait` s; True as soon as the client closes its end (EOF or reset)."""
        until = time.monotonic() + wait
        while (left := until - time.monotonic()) > 0 and not self.sim.stopping.is_set():
            readable, _, _ = select.select([sock], [], [], min(left, 0.2))
            if not readable:
                continue
            try:
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    return True
            except OSError:
                return True
            self.sim.stopping.wait(left)  # the client sent more (a pipelined request): keep the pace
            return False
        return False

    def _send_huge(self, size: int, declare_length: bool) -> None:
        chunk = (b"<p>" + b"0123456789" * 6500 + b"</p>\n")[:_CHUNK]
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8" if self.state.name == "itjobswatch"
                         else "text/csv; charset=utf-8")
        if declare_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            while sent < size and not self.sim.stopping.is_set():
                part = chunk[: min(len(chunk), size - sent)]
                if declare_length:
                    self.wfile.write(part)
                else:
                    self.wfile.write(f"{len(part):X}\r\n".encode() + part + b"\r\n")
                sent += len(part)
            if not declare_length:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hit its size cap and hung up: expected

    # ---- methods -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        if not self._admit():
            return
        st = self.state
        if not self._sleep(st.latency):
            return
        if urlsplit(self.path).path == "/robots.txt":
            self._hit(200)
            return self._send(200, self.sim.robots_txt(st.name).encode())
        if self._transport_fault():
            return
        payload = self.sim.payload(st.name, self.path)
        if payload is None:
            self._hit(404)
            return self._send(404, b"not found (simulated host)\n")
        body, ctype, etag = payload
        headers = {"ETag": etag, "Last-Modified": email.utils.format_datetime(
            datetime.combine(self.sim.as_of, datetime.min.time(), timezone.utc), usegmt=True)}
        if st.max_age is not None:
            headers["Cache-Control"] = f"max-age={st.max_age}"
        inm = self.headers.get("If-None-Match")
        if inm is not None and etag in [c.strip().removeprefix("W/") for c in inm.split(",")]:
            self._hit(304)
            return self._send(304, headers=headers)
        self._hit(200)
        self._send(200, body, ctype, headers)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not self._admit():
            return
        if not self._sleep(self.state.latency):
            return
        if self.state.name != "bls" or urlsplit(self.path).path != BLS_PATH:
            self._hit(404)
            return self._send(404, b"no POST route here\n")
        if self._transport_fault():
            return
        try:
            query = json.loads(raw or b"{}")
            wanted = [str(s).upper() for s in query.get("seriesid") or []]
        except (ValueError, AttributeError):
            self._hit(400)
            return self._send(400, b'{"status":"REQUEST_FAILED","message":["bad JSON body"]}', "application/json")
        if query.get("registrationkey"):
            self.sim.api_keys_seen += 1  # counted, never stored
        body = self.sim.bls_payload(wanted)
        self._hit(200)
        self._send(200, body, "application/json", {"ETag": f'"{hashlib.sha256(body).hexdigest()}"'})
