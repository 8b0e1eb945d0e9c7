"""Atomic file helpers: build beside the destination, then rename over it.

Readers only ever see a complete previous version or a complete new one; a crash between
steps leaves temp siblings that the next writer removes (or, for a swapped directory, restores).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

#: a temp sibling, and the companions a database writer opens beside it (DuckDB's `.wal`)
_TMP = re.compile(r"^\.(?P<name>.+)\.tmp-[0-9a-f]{8}(\.wal)?$")


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_beside(target: Path) -> Path:
    """A fresh hidden temp name in `target`'s directory (`.<name>.tmp-xxxxxxxx`)."""
    return target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")


def write_atomic(target: Path, data: bytes) -> Path:
    """Write `data` to a temp sibling, fsync it, and rename it over `target`."""
    tmp = temp_beside(target)
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


def clean_temp_files(directory: Path, name: str) -> None:
    """Remove temp files/dirs an interrupted writer left for `name` (`.<name>.tmp-xxxxxxxx[.wal]`)."""
    for p in directory.iterdir():
        m = _TMP.match(p.name)
        if m and m.group("name") == name:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def swap_dir(new: Path, live: Path) -> None:
    """Put `new` in place of `live`: rename the old one aside, rename the new one in, delete the old.

    Between the two renames (microseconds) `live` is missing; it is never half-written.
    """
    new, live = Path(new), Path(live)
    old = None
    if live.exists():
        old = live.with_name(f"{live.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(live, old)
    try:
        os.replace(new, live)
    except BaseException:
        if old is not None and not live.exists():
            os.replace(old, live)
        raise
    fsync_dir(live.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def clean_swap_leftovers(live: Path) -> None:
    """Remove `<name>.tmp-*` / `<name>.old-*` siblings an interrupted `swap_dir` left behind."""
    live = Path(live)
    if not live.parent.exists():
        return
    pattern = re.compile(rf"^{re.escape(live.name)}\.(tmp|old)-[0-9a-f]{{8}}$")
    for p in live.parent.iterdir():
        if pattern.match(p.name):
            if p.name.startswith(f"{live.name}.old-") and not live.exists():
                os.replace(p, live)  # a swap died between its two renames: put the old one back
                continue
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
