"""Crash points for the fault suite: `JOBZONE_CRASH_AT=<name>` kills the process right there.

A real `kill -9` at a chosen point inside the night (mid-transaction, between two renames)
is the only honest way to test that a crash loses nothing; with the variable unset this is a
dictionary lookup and nothing else.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "JOBZONE_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
