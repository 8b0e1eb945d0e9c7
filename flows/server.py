"""A local `prefect server start` on 127.0.0.1 for when no PREFECT_API_URL is configured.

Cron schedules only fire on a real server (the ephemeral one has no scheduler), so
`jobzone serve` starts one itself, waits for it to be healthy, and stops it on exit.
"""

from __future__ import annotations

import atexit
import functools
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from core.errors import JobzoneError


class PrefectServerError(JobzoneError):
    """The local Prefect server did not start or answer."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(api_url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise PrefectServerError(f"prefect server exited with code {process.returncode} before it was healthy")
        try:
            if requests.get(f"{api_url}/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise PrefectServerError(f"prefect server at {api_url} not healthy after {timeout:.0f}s")


def _stop(process: subprocess.Popen, grace: float = 15.0) -> None:
    # `prefect server stop` sends one SIGTERM and does not wait; uvicorn can outlive it.
    # We own the process group, so we wait and escalate ourselves.
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def local_prefect_server(port: int | None = None, log_path: Path | None = None,
                         timeout: float = 120.0, ui: bool = False) -> Iterator[str]:
    """Start a Prefect server on 127.0.0.1 (with its UI at the root, when `ui`); yields its API URL.

    The server runs in a session of its own: Ctrl-C in a terminal signals the whole foreground
    process group, and the server must outlive the night it is recording.
    """
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    env["PREFECT_UI_ENABLED"] = "true" if ui else "false"
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
         *([] if ui else ["--no-ui"]), "--analytics-off"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    # A night ended by its watchdog (os._exit after running the atexit hooks) skips `finally`.
    stop = functools.partial(_stop, process)
    atexit.register(stop)
    try:
        wait_healthy(api_url, timeout, process)
        yield api_url
    finally:
        stop()
        atexit.unregister(stop)
        if log_path:
            log.close()
