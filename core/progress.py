"""Progress for `jobzone run`: the CLI installs listeners, the night's steps report to them.

Two kinds of report:

* `stage(name, status, detail)`: a stage or a host is `running`, `done`, `degraded` (done, but
  part of it failed: a host some of whose requests failed) or `failed` (it raised).
* `Tally(name, total).tick()`: long work counted out (one host's requests), reported as a
  `Count` (done/total, rate, ETA) to the count listener. A real night is ~1,000 IT Jobs Watch
  pages at 2 s each, about 33 minutes: the count is what tells an operator how long is left.

Steps run in Prefect task threads of the same process, so module-level listeners reach them
without passing unserialisable objects through flow parameters.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

#: what a stage can report (`degraded`: finished, with part of its work failed)
STATUSES = ("running", "done", "degraded", "failed")

Listener = Callable[[str, str, str], None]
CountListener = Callable[[str, "Count"], None]
_listener: Listener | None = None
_count_listener: CountListener | None = None
_lock = threading.Lock()
log = logging.getLogger("core.progress")


def listen(listener: Listener | None, counts: CountListener | None = None) -> None:
    """Install (or, with None, remove) the stage listener and the count listener."""
    global _listener, _count_listener
    _listener, _count_listener = listener, counts


def stage(name: str, status: str, detail: str = "") -> None:
    """Report `status` (one of `STATUSES`) of a named stage or source."""
    log.info("%s: %s %s", name, status, detail)
    with _lock:
        if _listener is not None:
            _listener(name, status, detail)


@dataclass(frozen=True)
class Count:
    """`done` of `total` items after `elapsed` seconds of work."""

    done: int
    total: int
    elapsed: float

    @property
    def seconds_each(self) -> float | None:
        return self.elapsed / self.done if self.done else None

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the rate so far (None before the first item is done)."""
        each = self.seconds_each
        return None if each is None else each * (self.total - self.done)

    def __str__(self) -> str:
        text = f"{self.done}/{self.total}"
        if self.done >= self.total:
            return text
        eta = self.eta_seconds
        return text + (f", ETA {duration(eta)}" if eta is not None else ", ETA unknown")


def duration(seconds: float) -> str:
    """`45 s`, `12 min 05 s`, `2 h 03 min`: how long, for a person."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Tally:
    """Counts one piece of long work out: `tick()` as each item finishes, reported as a `Count`.

    The clock starts at the first `begin()` (or tick), not at construction: a host waiting for
    its robots.txt or its Prefect task slot has not started its pages yet.
    """

    def __init__(self, name: str, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.name, self.total, self._clock = name, total, clock
        self.done = 0
        self._started: float | None = None
        self._lock = threading.Lock()

    def begin(self) -> None:
        """The work starts now (reported as 0/total)."""
        with self._lock:
            if self._started is None:
                self._started = self._clock()
        self._report()

    def tick(self, n: int = 1) -> None:
        with self._lock:
            if self._started is None:
                self._started = self._clock()
            self.done = min(self.total, self.done + n)
        self._report()

    def finish(self) -> None:
        """Everything is done (items skipped count as done: nothing is left to wait for)."""
        with self._lock:
            self.done = self.total
        self._report()

    def count(self) -> Count:
        started = self._started if self._started is not None else self._clock()
        return Count(self.done, self.total, self._clock() - started)

    def _report(self) -> None:
        current = self.count()
        with _lock:
            if _count_listener is not None:
                _count_listener(self.name, current)
