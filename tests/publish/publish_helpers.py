"""Builders for the publish tests: a data home whose warehouse holds real scoring nights."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

from core.catalogue import load_catalogue
from tests.support.catalogues import CLASSIC_ROLES
from flows.steps.score import score_stage
from warehouse.db import connect

NIGHTS = [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)]
GENERATED_AT = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def build_templates(directory: Path) -> dict[int, Path]:
    """The warehouse after 1, 2, ... len(NIGHTS) scored nights, one file each.

    Copying template n over a home's warehouse stands in for "the nightly wrote night n".
    """
    catalogue = load_catalogue(CLASSIC_ROLES)
    work = directory / "work.duckdb"
    out = {}
    con = connect(work)
    try:
        for n, night in enumerate(NIGHTS, 1):
            score_stage(con, catalogue, night, f"test-{night}")
            con.execute("CHECKPOINT")
            out[n] = directory / f"after-{n}-nights.duckdb"
            shutil.copyfile(work, out[n])
    finally:
        con.close()
    return out


def advance(home, templates: dict[int, Path], nights: int) -> None:
    """The nightly scored up to night `nights` (the live warehouse only; nothing is published)."""
    shutil.copyfile(templates[nights], home.warehouse)


def snapshot(*roots: Path) -> dict[str, str]:
    """sha256 of every file under the given files/directories (missing ones count too)."""
    out = {}
    for root in roots:
        if root.is_file():
            out[str(root)] = hashlib.sha256(root.read_bytes()).hexdigest()
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[str(root)] = "missing"
    return out


def leftovers(*dirs: Path) -> list[str]:
    return sorted(str(p) for d in dirs if d.exists() for p in d.iterdir() if ".tmp-" in p.name or ".old-" in p.name)
