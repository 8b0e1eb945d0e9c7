"""A loopback webhook that records what alert delivery sends (for Apprise `json://` URLs).

    with Webhook(statuses=[500]) as hook:          # first POST fails, later ones succeed
        url = hook.apprise_url(secret="SECRET-TOKEN") # json://jobzone:SECRET-TOKEN@127.0.0.1:PORT/hooks/jobzone
        ...
        hook.received  -> [Delivery(path, headers, body), ...]
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Webhook:
    #: status codes to answer, in order; when exhausted every further POST gets 200
    statuses: list[int] = field(default_factory=list)
    received: list[Delivery] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> Webhook:
        hook = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    status = hook.statuses.pop(0) if hook.statuses else 200
                    hook.received.append(Delivery(self.path, dict(self.headers.items()), body, status))
                payload = b"ok" if status < 400 else b"failed"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    @property
    def port(self) -> int:
        assert self.httpd is not None
        return self.httpd.server_address[1]

    def apprise_url(self, secret: str, path: str = "/hooks/jobzone") -> str:
        """An Apprise JSON-webhook URL whose password is `secret` (sent as HTTP basic auth)."""
        return f"json://jobzone:{secret}@127.0.0.1:{self.port}{path}"

    @property
    def delivered(self) -> list[Delivery]:
        return [d for d in self.received if d.status < 400]
