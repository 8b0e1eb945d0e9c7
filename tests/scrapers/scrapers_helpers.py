"""Helpers shared by the scrapers tests (a module name unique across the test tree)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
