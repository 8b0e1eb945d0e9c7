"""Publish a finished night: analyst copy, Parquet marts and site, swapped in together.

`publish_night` stages all three and swaps them in only when all three were built, so a failure
anywhere leaves every previously published artefact as it was. Call it only after the night's
writes have committed.

A night that changed nothing the artefacts show (no new result, evidence, metric, observation,
quarantined row or catalogue version; the same catalogue and the same publishing code) keeps
the previous publication: `published/PUBLISHED.json` records what it was built from. The
operational log tables (runs, fetches, source_health) then reach the analyst copy with the
next night that changes content.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import duckdb

from core import progress
from core.faults import crash_point
from core.files import swap_dir, write_atomic
from core.fingerprint import fingerprint
from core.paths import Home
from flows.steps.plan import NightPlan
from scrapers.registry import SOURCES
from warehouse import queries
from warehouse.db import open_warehouse
from warehouse.publish import MARTS, commit_analyst_copy, commit_marts, stage_analyst_copy, stage_marts
from website import stage_site

MARKER = "PUBLISHED.json"
#: The code that shapes the artefacts: an upgrade of any of it republishes.
_PUBLISHING_CODE = ("warehouse/views.sql", "warehouse/publish.py", "warehouse/lineage.py", "warehouse/queries/*",
                    "website/*", "flows/steps/publish.py")


@dataclass
class Publication:
    analyst_copy: Path
    marts: list[Path]
    site: list[Path]
    seconds: float
    generated_at: datetime
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"analyst_copy": str(self.analyst_copy), "marts": [str(p) for p in self.marts],
                "site_files": len(self.site), "seconds": round(self.seconds, 3),
                "generated_at": self.generated_at.isoformat(), "unchanged": "unchanged" in self.skipped}


def publish(plan: NightPlan) -> dict:
    """The night's publish step (see the module docstring)."""
    progress.stage("publish", "running")
    with open_warehouse(plan.home.warehouse) as con:
        # With a role file skipped tonight, render every card from the documents last loaded
        # (catalogue_versions): one broken edit must not unpublish a role whose history stands.
        publication = publish_night(con, plan.home, catalogue=None if plan.catalogue.errors else plan.catalogue,
                                    attributions={s.name: s for s in SOURCES.values()})
    if "unchanged" in publication.skipped:
        progress.stage("publish", "done", f"nothing changed: kept the publication of {publication.generated_at:%Y-%m-%d %H:%M:%S}")
    else:
        progress.stage("publish", "done", f"{len(publication.site)} site files, {len(publication.marts)} marts")
    return publication.summary()


def publish_night(con: duckdb.DuckDBPyConnection, home: Home, *, catalogue: Any = None,
                  generated_at: datetime | None = None, attributions: Mapping[str, Any] | None = None,
                  site: bool = True, force: bool = False) -> Publication:
    """Stage the analyst copy, the marts and the site; swap all three in only if all were built.

    Nothing is rebuilt when the content and code are those of the standing publication
    (unless `force`); the returned `Publication` then says `unchanged` and when it was built.
    `con` is the nightly's read-write connection, with the night's writes committed. Raises
    (and publishes nothing) when any artefact fails to build.
    """
    started = time.monotonic()
    key = content_key(con, catalogue, site)
    kept = _unchanged_publication(home, key, site)
    if kept is not None and not force:
        return kept
    generated_at = generated_at or datetime.now(timezone.utc)
    copy_tmp = marts_tmp = site_tmp = None
    try:
        copy_tmp = stage_analyst_copy(con, home.analyst_copy)
        marts_tmp = stage_marts(con, home.marts)
        if site:
            site_tmp = stage_site(con, catalogue, home.site, generated_at, attributions)
    except BaseException:
        for leftover in (copy_tmp, marts_tmp, site_tmp):
            if leftover is None:
                continue
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
        raise
    # Everything is built: from here on only renames.
    copy = commit_analyst_copy(copy_tmp, home.analyst_copy)
    crash_point("publish:between-swaps")
    marts = commit_marts(marts_tmp, home.marts)
    site_files: list[Path] = []
    if site_tmp is not None:
        swap_dir(site_tmp, home.site)
        site_files = sorted(p for p in Path(home.site).rglob("*") if p.is_file())
    # Last: a crash before this line leaves an old or no marker, and the next night rebuilds.
    write_atomic(Path(home.published) / MARKER, (json.dumps(
        {"key": key, "generated_at": generated_at.isoformat(), "site": site}, indent=1) + "\n").encode())
    return Publication(analyst_copy=copy, marts=marts, site=site_files, seconds=time.monotonic() - started,
                       generated_at=generated_at, skipped=[] if site else ["site"])


def content_key(con: duckdb.DuckDBPyConnection, catalogue: Any, site: bool) -> str:
    """A digest of everything a publication is built from (see the module docstring)."""
    state: dict[str, Any] = {"site": site}
    for table, (count, newest) in queries.content_stamps(con).items():
        state[table] = [count, str(newest)]
    # Rendered from the catalogue files when they all loaded, else from the stored documents.
    state["catalogue"] = None if catalogue is None else sorted(catalogue.hashes.items())
    # The site's banner says which sources failed and which role files were skipped: a night that
    # recovers (or newly degrades) republishes even when no content row changed.
    if site:
        state["night_health"] = queries.night_health_stamp(con)
    return fingerprint(state, _PUBLISHING_CODE)


def _unchanged_publication(home: Home, key: str, site: bool) -> Publication | None:
    """The standing publication when it was built from `key` and is all still there."""
    try:
        marker = json.loads((Path(home.published) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    marts = [Path(home.marts) / f"{view}.parquet" for view in MARTS]
    site_files = sorted(p for p in Path(home.site).rglob("*") if p.is_file()) if site else []
    present = Path(home.analyst_copy).is_file() and all(p.is_file() for p in marts)
    if site:
        present = present and (Path(home.site) / "index.html").is_file()
    if marker.get("key") != key or not present:
        return None
    return Publication(analyst_copy=Path(home.analyst_copy), marts=marts, site=site_files, seconds=0.0,
                       generated_at=datetime.fromisoformat(marker["generated_at"]),
                       skipped=["unchanged"] + ([] if site else ["site"]))
