"""The simulator in its own process, controlled over a loopback control port.

Benchmarks run the simulated hosts out of process so that serving 1,000 pages does not compete
for the measuring process's GIL. `SimProcess` mirrors the `SimServer` API that tests and
benchmarks need (base_urls, netloc, write_settings, set_fault, clear_faults, set_as_of, bump,
request/rejected counts, politeness bound, hits on a path)::

    with SimProcess(n_roles=1000, seed=0, as_of=date(2026, 6, 30), intervals={...}, latency={...}) as sim:
        config = sim.write_settings(tmp / "settings.toml")
        ...
        sim.request_counts(); sim.reset_hits()

Child: ``python -m sim.simproc --roles N --seed S --as-of D --intervals JSON --latency JSON``
prints ``SIMPROC {"control": url, "netlocs": {...}, "base_urls": {...}}`` and serves until its
stdin closes (so it never outlives its parent) or it gets SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping

import requests

from sim.hosts import HOSTS
from sim.run_settings import write_settings

REPO = Path(__file__).resolve().parents[1]
_NO_PROXY = {"http": None, "https": None}


class SimProcess:
    """A `SimServer` in a child process (see the module docstring)."""

    def __init__(self, n_roles: int, seed: int = 0, as_of: date = date(2026, 6, 30), *,
                 intervals: Mapping[str, float] | None = None, latency: Mapping[str, float] | float = 0.0,
                 tolerance: float = 0.8, max_age: int | None = None) -> None:
        lat = latency if isinstance(latency, Mapping) else {h: float(latency) for h in HOSTS}
        self.args = ["--roles", str(n_roles), "--seed", str(seed), "--as-of", as_of.isoformat(),
                     "--intervals", json.dumps(dict(intervals or {})), "--latency", json.dumps(dict(lat)),
                     "--tolerance", str(tolerance)]
        if max_age is not None:
            self.args += ["--max-age", str(max_age)]
        self.as_of = as_of
        self.intervals = {h: float((intervals or {}).get(h, 0.0)) for h in HOSTS}
        self.proc: subprocess.Popen | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> SimProcess:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
        self.proc = subprocess.Popen([sys.executable, "-m", "sim.simproc", *self.args], cwd=str(REPO),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("SIMPROC "):
                self.info = json.loads(line[len("SIMPROC "):])
                return self
        raise RuntimeError(f"simulator process exited ({self.proc.wait()}) before it was ready")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- API mirroring SimServer ---------------------------------------------------------------
    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        resp = requests.request(method, self.info["control"] + path, json=payload, timeout=30, proxies=_NO_PROXY)
        resp.raise_for_status()
        return resp.json()

    def base_urls(self) -> dict[str, str]:
        return dict(self.info["base_urls"])

    def netloc(self, host: str) -> str:
        return self.info["netlocs"][host]

    def write_settings(self, path: str | Path, **options: Any) -> Path:
        return write_settings(path, self.info["netlocs"], self.as_of, self.intervals, **options)

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/state")

    def request_counts(self) -> dict[str, int]:
        return self.state()["counts"]

    def rejected_counts(self) -> dict[str, int]:
        return self.state()["rejected"]

    def gap_summary(self) -> dict[str, dict]:
        """Per host: smallest / 1st percentile / median arrival gap as multiples of the allowed interval."""
        return self.state()["gaps"]

    def politeness_bound(self, counts: Mapping[str, int] | None = None) -> tuple[float, str]:
        counts = counts or self.request_counts()
        per_host = {h: counts.get(h, 0) * self.intervals[h] for h in HOSTS}
        host = max(per_host, key=per_host.get)
        return per_host[host], host

    def reset_hits(self) -> None:
        self._call("POST", "/reset")

    def hits_on(self, host: str, path: str) -> int:
        return self._call("POST", "/hits", {"host": host, "path": path})["count"]

    def set_fault(self, host: str, kind: str, roles=None, paths=None, count=None, **params: Any) -> None:
        self._call("POST", "/fault", {"host": host, "kind": kind, "roles": roles, "paths": paths, "count": count,
                                      "params": params})

    def clear_faults(self, host: str | None = None, kind: str | None = None) -> None:
        self._call("POST", "/clear", {"host": host, "kind": kind})

    def set_as_of(self, day: date) -> None:
        self._call("POST", "/as_of", {"as_of": day.isoformat()})
        self.as_of = day

    def bump(self, role_ids=None) -> None:
        self._call("POST", "/bump", {"roles": role_ids})


# --------------------------------------------------------------------------- the child


def _serve(args: argparse.Namespace) -> None:
    from sim import catalogue_gen
    from sim.simserver import SimServer

    roles = catalogue_gen.sim_roles(args.roles, args.seed)
    sim = SimServer(roles, as_of=date.fromisoformat(args.as_of), seed=args.seed,
                    latency=json.loads(args.latency), intervals=json.loads(args.intervals),
                    tolerance=args.tolerance, max_age=args.max_age)
    sim.warm()  # payloads built before serving: generating one must not delay another host's answers
    sim.start()

    class Control(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *a: Any) -> None:
            pass

        def _reply(self, payload: Any) -> None:
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._reply({"counts": sim.request_counts(), "rejected": sim.rejected_counts(),
                         "api_keys_seen": sim.api_keys_seen, "as_of": sim.as_of.isoformat(),
                         "gaps": sim.gap_summary()})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null") or {}
            if self.path == "/reset":
                sim.reset_hits()
            elif self.path == "/hits":
                return self._reply({"count": len(sim.hits(body["host"], body["path"]))})
            elif self.path == "/fault":
                sim.set_fault(body["host"], body["kind"], roles=body.get("roles"), paths=body.get("paths"),
                              count=body.get("count"), **(body.get("params") or {}))
            elif self.path == "/clear":
                sim.clear_faults(body.get("host"), body.get("kind"))
            elif self.path == "/as_of":
                sim.set_as_of(date.fromisoformat(body["as_of"]))
                sim.warm()
            elif self.path == "/bump":
                sim.bump(body.get("roles"))
                sim.warm()
            self._reply({"ok": True})

    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    control.daemon_threads = True
    threading.Thread(target=control.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    host, port = control.server_address[:2]
    print("SIMPROC " + json.dumps({"control": f"http://{host}:{port}", "base_urls": sim.base_urls(),
                                   "netlocs": {h: sim.netloc(h) for h in HOSTS}}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    finally:
        control.shutdown()
        sim.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roles", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--intervals", default="{}")
    parser.add_argument("--latency", default="{}")
    parser.add_argument("--tolerance", type=float, default=0.8)
    parser.add_argument("--max-age", type=int)
    _serve(parser.parse_args(argv))


if __name__ == "__main__":
    main()
