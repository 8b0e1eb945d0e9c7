"""A real HTTP server on 127.0.0.1 that plays every source from a samples directory.

Used by the offline demo and the tests: ``with serve_samples(dir) as base_url: ...``. Routes come
from ``layout.toml`` (the directory's own, else the packaged one): ``/<source><real path>``.
GET answers carry a sha256 ETag and Last-Modified and honour If-None-Match / If-Modified-Since
(304). The BLS POST API is answered by merging the sample responses by seriesID.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import socket
import sys
import threading
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
DEFAULT_LAYOUT = SAMPLES_DIR / "layout.toml"
ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".yaml": "application/yaml; charset=utf-8",
    ".yml": "application/yaml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def load_layout(samples_dir: Path | str | None = None, layout: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """``{source: {real path: file or [files]}}``: ``layout`` or ``<samples_dir>/layout.toml`` if
    given, else the bundled layout plus every registered package's own ``samples/layout.toml``
    (files there are absolute paths, so one server serves both)."""
    if layout is None:
        own = Path(samples_dir) / "layout.toml" if samples_dir is not None else None
        if own is not None and own.is_file() and own.resolve() != DEFAULT_LAYOUT.resolve():
            layout = own
    if layout is not None:
        with open(layout, "rb") as fh:
            return tomllib.load(fh)
    with open(DEFAULT_LAYOUT, "rb") as fh:
        merged = tomllib.load(fh)
    for source, directory in _registry().sample_dirs().items():
        merged.update(package_layout(source, directory))
    return merged


def package_layout(source: str, directory: Path) -> dict[str, dict[str, Any]]:
    """A package's ``samples/layout.toml`` (one table, ``[<source>]``), its files made absolute."""
    with open(Path(directory) / "layout.toml", "rb") as fh:
        table = tomllib.load(fh)
    unknown = sorted(set(table) - {source})
    if unknown:
        raise ValueError(f"{directory}/layout.toml: tables {unknown}: a package lays out its own source only")

    def absolute(target: Any) -> Any:
        return [absolute(t) for t in target] if isinstance(target, list) else str((Path(directory) / target).resolve())

    return {source: {path: absolute(target) for path, target in table.get(source, {}).items()}}


def _registry():
    # imported here: the registry imports every source, and a source may use this module in tests
    from scrapers import registry

    return registry


def sample_base_urls(base_url: str, layout: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, str]:
    """The ``base_urls`` for ``gather`` that point every source at a loopback server."""
    layout = layout if layout is not None else load_layout()
    sources = _registry().SOURCES
    base_url = base_url.rstrip("/")
    out: dict[str, str] = {}
    for source, routes in layout.items():
        if source in sources and sources[source].base_is_location and routes:
            out[source] = f"{base_url}/{source}{next(iter(routes))}"
        else:
            out[source] = f"{base_url}/{source}"
    # A registered web source the layout leaves out is asked of the loopback server too (and gets
    # a 404): left at its real base URL, a demo or test night would reach the real host. (A source
    # with no hosts reads local files, e.g. the catalogue's claims.)
    for name, source in sources.items():
        if source.hosts:
            out.setdefault(name, f"{base_url}/{name}")
    return out


@dataclass
class SampleServer:
    """A running loopback server; ``requests`` logs (method, path, headers) of every request."""

    samples_dir: Path
    layout: dict[str, dict[str, Any]]
    httpd: ThreadingHTTPServer | None = None
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_urls(self) -> dict[str, str]:
        return sample_base_urls(self.base_url, self.layout)

    def routes(self) -> dict[str, Any]:
        return {f"/{source}{path}": target for source, table in self.layout.items() for path, target in table.items()}

    def start(self) -> SampleServer:
        server = self

        class Handler(_SampleHandler):
            owner = server

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, name="loopback", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


@contextmanager
def serve_samples(samples_dir: Path | str = SAMPLES_DIR, layout: Path | str | None = None) -> Iterator[str]:
    """Serve ``samples_dir`` on 127.0.0.1 (random port) and yield its base URL."""
    with sample_server(samples_dir, layout) as server:
        yield server.base_url


@contextmanager
def sample_server(samples_dir: Path | str = SAMPLES_DIR, layout: Path | str | None = None) -> Iterator[SampleServer]:
    """Like ``serve_samples`` but yields the ``SampleServer`` (request log, base_urls())."""
    samples_dir = Path(samples_dir).resolve()
    server = SampleServer(samples_dir, load_layout(samples_dir, layout)).start()
    try:
        yield server
    finally:
        server.stop()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing its keep-alive connection is normal, not a server error worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, TimeoutError)):
            log.debug("loopback: client %s went away: %s", client_address, exc)
            return
        super().handle_error(request, client_address)


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()}"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


class _SampleHandler(BaseHTTPRequestHandler):
    owner: SampleServer
    protocol_version = "HTTP/1.1"
    server_version = "jobzone-loopback/1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; with Nagle on, a delayed ACK adds ~40 ms
        # to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt: str, *args: Any) -> None:  # keep test output quiet
        log.debug("loopback: " + fmt, *args)

    def _record(self) -> None:
        self.owner.requests.append((self.command, self.path, {k: v for k, v in self.headers.items()}))

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
              headers: Mapping[str, str] | None = None, head_only: bool = False) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body and status != 304 and not head_only:
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET(head_only=True)

    def do_GET(self, head_only: bool = False) -> None:
        self._record()
        if urlsplit(self.path).path == "/robots.txt":
            return self._send(200, ROBOTS_TXT, head_only=head_only)
        target = self.owner.routes().get(self.path)
        if not isinstance(target, str):
            return self._send(404, b"not in the samples layout\n", head_only=head_only)
        path = self.owner.samples_dir / target
        try:
            body = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError:
            return self._send(404, b"sample file missing\n", head_only=head_only)
        etag = _etag(body)
        last_modified = email.utils.formatdate(int(mtime), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": "no-cache"}
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            not_modified = _etag_matches(inm, etag)  # If-None-Match wins over If-Modified-Since
        elif ims is not None:
            try:
                not_modified = int(mtime) <= email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                not_modified = False
        else:
            not_modified = False
        if not_modified:
            return self._send(304, headers=headers)
        ctype = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        self._send(200, body, ctype, headers, head_only=head_only)

    def do_POST(self) -> None:
        self._record()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        target = self.owner.routes().get(self.path)
        if not isinstance(target, list):
            return self._send(404, b"no POST route in the samples layout\n")
        try:
            query = json.loads(raw or b"{}")
            wanted = [str(s).upper() for s in query.get("seriesid") or []]
        except (ValueError, AttributeError):
            return self._send(400, b'{"status":"REQUEST_FAILED","message":["bad JSON body"]}', "application/json")
        body = json.dumps(_bls_merge(self.owner.samples_dir, target, wanted), indent=1).encode()
        self._send(200, body, "application/json", {"ETag": _etag(body)})


def _bls_merge(samples_dir: Path, files: list[str], wanted: list[str]) -> dict[str, Any]:
    """A v2 envelope holding the requested series found in the sample responses.

    Deterministic (fixed responseTime), so an unchanged query gives an unchanged sha256. The
    samples' years are served whatever startyear/endyear say.
    """
    found: dict[str, dict[str, Any]] = {}
    messages: list[str] = []
    for name in files:
        try:
            doc = json.loads((samples_dir / name).read_bytes())
        except (OSError, ValueError):
            continue
        for series in doc.get("Results", {}).get("series", []):
            sid = str(series.get("seriesID", "")).upper()
            if sid in wanted and sid not in found:
                found[sid] = series
                messages += [m for m in doc.get("message") or [] if sid in m]
    out_series = []
    for sid in wanted:
        if sid in found:
            out_series.append(found[sid])
        else:
            messages.append(f"Series does not exist for Series {sid}")
            out_series.append({"seriesID": sid, "data": []})
    return {"status": "REQUEST_SUCCEEDED", "responseTime": 1, "message": messages,
            "Results": {"series": out_series}}
