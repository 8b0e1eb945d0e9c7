"""Helpers shared by the scrapers tests (a module name unique across the test tree)."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scrapers.base import ParseContext

SAMPLES = Path(__file__).resolve().parents[2] / "scrapers" / "samples"


def sample(rel: str) -> bytes:
    return (SAMPLES / rel).read_bytes()


def ctx(url: str = "http://127.0.0.1/sample", source: str = "test", **extra) -> ParseContext:
    return ParseContext(url=url, source=source, fetched_at=datetime(2026, 3, 3, tzinfo=UTC), extra=extra)


def one(frame, **where) -> float:
    """The single value matching the column filters (dates may be given as ISO strings)."""
    mask = None
    for col, want in where.items():
        col_values = frame[col].astype(str) if col.startswith("period_") else frame[col]
        m = col_values == want
        mask = m if mask is None else mask & m
    hits = frame[mask]
    assert len(hits) == 1, f"{len(hits)} rows match {where}"
    return hits["value"].iloc[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def raw_server(respond: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[tuple[str, list[str]]]:
    """A stdlib server whose GET handler writes whatever ``respond`` writes (robots.txt -> 404).

    Yields (base_url, paths requested). For responses pytest-httpserver cannot produce, such as a
    body shorter than its Content-Length.
    """
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append(self.path)
            if self.path == "/robots.txt":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            respond(self)
            self.close_connection = True

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class DripLog:
    """What `drip_server` saw of one response: how much of the dripped part went out, and who ended it."""

    path: str
    total: int
    sent: int = 0
    client_hung_up: bool = False
    finished: bool = False


@contextmanager
def drip_server(body: bytes, drip: str, interval: float = 0.2, content_type: str = "text/csv",
                robots: str | None = None) -> Iterator[tuple[str, list[DripLog]]]:
    """A raw-socket HTTP/1.1 server that sends the header block (``drip="headers"``), the
    Content-Length body (``"body"``) or robots.txt (``"robots"``) a byte every `interval` seconds.

    Other requests get the body at once (robots.txt: 404 unless `robots` is given). Yields
    (base_url, logs); a log says whether the client hung up before the drip ended. Never stops
    on its own before 60 s: that is the client's job.
    """
    logs: list[DripLog] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def response(path: str) -> tuple[bytes, bytes, bool]:
        if path == "/robots.txt":
            if robots is None:
                return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", b"", False
            payload, slow = robots.encode(), drip == "robots"
            ctype = "text/plain"
        else:
            payload, slow, ctype = body, drip in ("headers", "body"), content_type
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
                "Connection: close\r\n\r\n").encode()
        return head, payload, slow

    def serve(conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ", 2)[1].decode()
            head, payload, slow = response(path)
            if not slow:
                conn.sendall(head + payload)
                return
            dripped, rest = (head, payload) if drip == "headers" else (payload, b"")
            if drip != "headers":
                conn.sendall(head)
            log = DripLog(path, len(dripped))
            logs.append(log)
            ends = time.monotonic() + 60
            try:
                for i in range(len(dripped)):
                    readable, _, _ = select.select([conn], [], [], interval if i else 0)
                    if readable and conn.recv(1, socket.MSG_PEEK) == b"":
                        log.client_hung_up = True
                        return
                    if stop.is_set() or time.monotonic() > ends:
                        return
                    conn.sendall(dripped[i:i + 1])
                    log.sent += 1
                conn.sendall(rest)
                log.finished = True
            except OSError:
                log.client_hung_up = True

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            handler = threading.Thread(target=serve, args=(conn,), daemon=True)
            handlers.append(handler)
            handler.start()

    handlers: list[threading.Thread] = []
    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", logs
    finally:
        stop.set()
        listener.close()
        # the logs are final only when every handler has seen the hang-up or the stop (on a busy
        # machine a handler may not have run since the client closed its end)
        acceptor.join(timeout=10)
        for handler in handlers:
            handler.join(timeout=10)
