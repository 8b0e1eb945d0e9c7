"""One night at a time per data home: an flock held for the whole night."""

from __future__ import annotations

import fcntl
import logging
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from core.errors import NightAlreadyRunning
from core.paths import Home
from scrapers.archive import RawArchive

log = logging.getLogger(__name__)


@contextmanager
def exclusive(home: str | None) -> Iterator[Home]:
    """Hold the data home's nightly lock for a whole night; then clear what a killed night left.

    Two overlapping nights (the schedule and a manual run) would interleave their fetches and
    archive writes. The lock is an flock, so the kernel drops it with a killed process.
    """
    home_dir = Home.resolve(home).ensure()
    handle = open(home_dir.lock, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise NightAlreadyRunning(f"{home_dir.lock}: a nightly is already running ({holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        swept = RawArchive(home_dir.raw).sweep_temp_files()
        if swept:
            log.warning("removed %d temp file(s) an interrupted night left in %s", len(swept), home_dir.raw)
        yield home_dir
    finally:
        handle.close()  # releases the flock


def holder(home: Home) -> str | None:
    """Who holds the nightly lock (`pid …, started …`), or None when no night runs; creates nothing."""
    try:
        handle = open(home.lock, "r")
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "another process"
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
