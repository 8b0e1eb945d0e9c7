"""Fault suite: the real nightly flow against the simulated sources (sim/simserver.py).

Each module builds its own small world (a dozen synthetic roles, fast intervals, short timeouts)
and runs whole nights through `flows.nightly.nightly`; several faults that do not interfere share
one night. Everything here is `slow` (real servers, Prefect, subprocesses).
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

#: fast politeness for the simulated hosts (allowed interval = the client's interval)
FAST_INTERVALS = {"itjobswatch": 0.01, "github": 0.005, "bls": 0.005, "fred": 0.005}


def night(home: Path, catalogue: Path, config: Path, as_of, base_urls: dict[str, str]) -> dict:
    """One nightly flow run, in this process."""
    from flows.nightly import nightly

    return nightly(home=str(home), catalogue=str(catalogue), config=str(config), as_of=as_of.isoformat(),
                   base_urls=base_urls)


class LogTap(logging.Handler):
    """Every log record of the process (formatted, with tracebacks), for secret scanning."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._lock2 = threading.Lock()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a broken record must not break the night
            text = f"{record.name} {record.msg!r} {record.args!r}"
        with self._lock2:
            self.lines.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def tap_logs() -> Iterator[LogTap]:
    """Capture every logger (root, prefect, jobzone, scrapers, urllib3, apprise) at DEBUG."""
    tap = LogTap()
    ours = ["jobzone", "scrapers", "scoring", "warehouse", "flows", "urllib3", "apprise"]
    saved = []
    for name in ["", "prefect", *ours]:
        lg = logging.getLogger(name)
        saved.append((lg, lg.level))
        if name in ("", "prefect") or not lg.propagate:
            lg.addHandler(tap)
        if name in ours:
            lg.setLevel(logging.DEBUG)
    try:
        yield tap
    finally:
        for lg, level in saved:
            lg.removeHandler(tap)
            lg.setLevel(level)
