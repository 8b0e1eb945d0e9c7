"""Shared helpers: machine description, child processes with peak RSS, timing statistics."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH-RESULT "


#: The scoring benchmark scores rubric-v1: its row-by-row loop baseline (`benchmarks.baseline`)
#: does rubric-v1's arithmetic, and issue 10's targets are set against that engine. The nightly
#: benchmark runs the shipped default (rubric-v2).
SCORING_RUBRIC = "rubric-v1"


def scoring_settings(dest: Path) -> Path:
    """The shipped settings with the night's rubric pinned to `SCORING_RUBRIC`, written to `dest`."""
    import re

    text = (REPO / "core" / "settings.toml").read_text()
    pinned, n = re.subn(r'(?m)^rubric = "[^"]*"$', f'rubric = "{SCORING_RUBRIC}"', text)
    if n != 1:
        raise RuntimeError("core/settings.toml: no single [flow] rubric line to pin")
    dest.write_text(pinned)
    return dest


def cache_root() -> Path:
    """Where benchmark worlds and the benchmarks' Prefect home live ($JOBZONE_BENCH_CACHE)."""
    return Path(os.environ.get("JOBZONE_BENCH_CACHE") or Path.home() / ".cache" / "jobzone-bench")


def machine() -> dict[str, Any]:
    """What the numbers were measured on (printed with every result)."""
    import duckdb
    import pandas
    import prefect

    try:
        mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem_gb = round(mem_kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        mem_gb = None
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "memory_gb": mem_gb,
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "prefect": prefect.__version__,
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process's own address space so far, in MiB.

    Not `getrusage().ru_maxrss`: Linux carries it across fork + exec, so a benchmark child
    started by a parent that had just built a 3 GB world reported the parent's 3 GB as its
    own peak. /proc/self/status VmHWM belongs to the address space exec created.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # not Linux: the best there is


def quiet_env(prefect_home: str | os.PathLike | None = None, **extra: str) -> dict[str, str]:
    from sim.nightrun import child_env

    home = prefect_home or os.environ.get("PREFECT_HOME") or str(cache_root() / "prefect")
    return child_env(home, {k: str(v) for k, v in extra.items()})


def emit_result(payload: dict[str, Any]) -> None:
    """A child's result: one prefixed JSON line on stdout (everything else is ignored)."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def run_child(module: str, args: Sequence[str], env: dict[str, str] | None = None,
              timeout: float = 900.0) -> dict[str, Any]:
    """Run `python -m benchmarks.<module> ...` and return the JSON it emitted with `emit_result`."""
    cmd = [sys.executable, "-m", f"benchmarks.{module}", *args]
    proc = subprocess.run(cmd, env=env or quiet_env(), cwd=str(REPO), capture_output=True, text=True,
                          timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).splitlines()[-30:])
        raise RuntimeError(f"benchmark child {module} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1][len(RESULT_PREFIX):])


@contextmanager
def stopwatch(into: dict[str, float], key: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        into[key] = into.get(key, 0.0) + time.perf_counter() - started


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    data = sorted(values)
    if not data:
        return float("nan")
    if len(data) == 1:
        return float(data[0])
    pos = (len(data) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return float(data[lo] + (data[hi] - data[lo]) * (pos - lo))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b
