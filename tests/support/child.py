"""Run a child process to its end, line by line, under a hang-stop."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path


def run_child(cmd: list[str], env: dict[str, str], *, cwd: Path, hang_stop: float,
              on_line: Callable[[subprocess.Popen, str], None] | None = None) -> tuple[int, list[str]]:
    """(exit code, output lines) of `cmd`, stdout and stderr together. The child runs in its own
    session so the hang-stop (and the cleanup) can kill everything it started, not just itself."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=str(cwd), start_new_session=True)
    stopper = threading.Timer(hang_stop, lambda: os.killpg(proc.pid, signal.SIGKILL))
    stopper.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if on_line is not None:
                on_line(proc, lines[-1])
        code = proc.wait()
    finally:
        stopper.cancel()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return code, lines
