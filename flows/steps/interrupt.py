"""Stopping a night on SIGTERM (or Ctrl-C) promptly, wherever it is, with the run recorded.

`interruptible()` wraps a whole night. While it is active:

* SIGTERM / SIGINT raise `NightInterrupted` in the main thread, wherever it is (asleep, waiting on
  a host's future, blocked in a read the kernel interrupts, inside a transaction, which then rolls
  back). The step that catches it records the run `interrupted`; uncaught it exits 128 + signal.
* The fetch threads stop at their next request (`watching`): signals reach only the main thread,
  and the task runner waits for its threads before the flow can end.
* A watchdog ends the process if a thread still holds it `GRACE_SECONDS` after the signal (a
  read blocked in the kernel cannot be interrupted from Python): the run is recorded by then.

Prefect installs its own SIGTERM bridge around a flow run; ours replaces it for the night's
duration and puts it back after. With ours, Prefect reports an interrupted night as crashed.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from core.errors import NightInterrupted

log = logging.getLogger(__name__)

#: after a signal, how long the process may take to unwind before it is ended regardless
GRACE_SECONDS = 20.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)

_stop = threading.Event()        # the night is stopping (a signal, or a failed step): fetch no more
_signalled = threading.Event()   # a signal arrived: raise once, never again while unwinding
_depth = 0
_depth_lock = threading.Lock()


class FetchStopped(Exception):
    """Raised in a fetch thread at its next request once the night is stopping."""


def stop_fetching() -> None:
    """Tell every fetch thread of this night to stop at its next request."""
    _stop.set()


def stopping() -> bool:
    return _stop.is_set()


def _on_signal(signum: int, frame: Any) -> None:
    if _signalled.is_set():
        return  # already unwinding: a second raise would cut the recording of the run short
    _signalled.set()
    _stop.set()
    threading.Thread(target=_watchdog, args=(signum,), name="night-watchdog", daemon=True).start()
    raise NightInterrupted(signum)


def _watchdog(signum: int) -> None:
    time.sleep(GRACE_SECONDS)  # a daemon thread: a process that exits in time takes it along
    sys.stderr.write(f"error: interrupted by {signal.Signals(signum).name}: a thread did not stop within "
                     f"{GRACE_SECONDS:.0f} s; exiting now\n")
    try:
        atexit._run_exitfuncs()  # e.g. stop Prefect's temporary server rather than orphan it
    finally:
        os._exit(128 + signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM/SIGINT raise `NightInterrupted` inside; fetch threads stop at their next request."""
    global _depth
    with _depth_lock:
        _depth += 1
        if _depth == 1:  # a new night: whatever stopped the last one (in this process) is over
            _stop.clear()
            _signalled.clear()
    previous: dict[int, Any] = {}
    try:
        for signum in SIGNALS:
            previous[signum] = signal.signal(signum, _on_signal)
    except ValueError:
        # Not the main thread (signals reach only the main thread): whoever runs the night in a
        # thread owns stopping it; the night still stops fetching when a step fails.
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        with _depth_lock:
            _depth -= 1


class _Watching(Mapping):
    """The conditional-GET validators as the fetch loop reads them: once per request, in that
    host's thread, before the request is sent. So the one lookup every request makes is where a
    stopping night stops it, and where the request before it is counted done (scrapers' fetch
    loop has no stop or progress hook of its own; `get` is the call it makes per request)."""

    def __init__(self, inner: Mapping, on_request: Callable[[], None] | None = None) -> None:
        self._inner = inner
        self._on_request = on_request

    def __getitem__(self, key: Any) -> Any:
        if _stop.is_set():
            raise FetchStopped("the night is stopping: no further requests")
        return self._inner[key]

    def get(self, key: Any, default: Any = None) -> Any:
        if self._on_request is not None:
            self._on_request()
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)

    def __bool__(self) -> bool:
        return True  # `validators or {}` must keep this view even when there are none yet


def watching(validators: Mapping, on_request: Callable[[], None] | None = None) -> Mapping:
    """`validators` as a view that stops the fetch loop once the night is stopping, calling
    `on_request` as each request is about to be sent."""
    return _Watching(validators, on_request)
