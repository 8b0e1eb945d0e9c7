"""Stage progress for `jobzone run`: the CLI installs a listener, the night's steps report to it.

Steps run in Prefect task threads of the same process, so a module-level listener reaches them
without passing unserialisable objects through flow parameters.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

Listener = Callable[[str, str, str], None]
_listener: Listener | None = None
_lock = threading.Lock()
log = logging.getLogger("core.progress")


def listen(listener: Listener | None) -> None:
    global _listener
    _listener = listener


def stage(name: str, status: str, detail: str = "") -> None:
    """Report `status` (running, done, failed) of a named stage or source."""
    log.info("%s: %s %s", name, status, detail)
    with _lock:
        if _listener is not None:
            _listener(name, status, detail)
