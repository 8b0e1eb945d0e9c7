"""Publishing a finished night: the analyst copy, the Parquet marts and the static site.

Every artefact is built beside its destination first and swapped in with a rename at the end,
so readers only ever see a complete previous version or a complete new one:

* **Analyst copy** (`published/warehouse.duckdb`): CHECKPOINT the writer (the WAL is folded into
  the file), copy the file to a temp file in the same directory, verify the copy opens and holds
  the same rows, then `os.replace` it over the old copy. An analyst process holding the old copy
  open read-only keeps reading the old inode undisturbed; the next `connect` sees the new file.
  The views and their COMMENTs are part of the file, so they come with the copy.
* **Marts** (`published/marts/*.parquet`): DuckDB `COPY ... TO ... (FORMAT parquet)` into a temp
  directory, then one `os.replace` per file.
* **Site** (`site/`): built in `site.tmp-*`, swapped with `warehouse.site.render.swap_dir`.

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

import logging
import os
import re
import shutil
import stat
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import hashlib
import json

import duckdb

from jobzone.faults import crash_point
from jobzone.paths import code_digest
from jobzone.errors import WarehouseError

log = logging.getLogger(__name__)

#: The marts written beside the analyst copy, with the order that keeps the files deterministic.
MARTS: dict[str, str] = {
    "latest_scores": "role_id",
    "score_history": "role_id, as_of",
    "evidence_history": "role_id, dimension, as_of",
    "zone_changes": "role_id, as_of",
}
#: Tables whose row counts must match between the live warehouse and a fresh copy.
_VERIFY_TABLES = ("aijri_results", "evidence_scores", "runs")
#: Content the artefacts show, with the column that stamps each write. These tables only ever
#: gain rows (history / append semantics), so a row count and the newest stamp identify a state.
_CONTENT_TABLES = {"aijri_results": "created_at", "evidence_scores": "created_at", "metrics": "created_at",
                   "observations": "loaded_at", "quarantine": "created_at", "catalogue_versions": "first_loaded_at"}
#: The code that shapes the artefacts: an upgrade of any of it republishes.
_PUBLISHING_CODE = ("warehouse/views.sql", "warehouse/publish.py", "warehouse/lineage.py", "warehouse/site/*")
MARKER = "PUBLISHED.json"
_TMP = re.compile(r"^\.(?P<name>.+)\.tmp-[0-9a-f]{8}$")


# --------------------------------------------------------------------------- analyst copy

def database_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The file behind the connection's current database."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0]:
        raise WarehouseError("publish: the connection is not backed by a database file")
    return Path(row[0])


def checkpoint(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    """Fold the WAL into the database file; refuse to go on if it is not empty afterwards."""
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise WarehouseError(f"publish: CHECKPOINT failed: {str(exc).splitlines()[0]}") from None
    wal = Path(f"{source}.wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise WarehouseError(f"publish: {wal} is not empty after CHECKPOINT (another writer?)")


def stage_analyst_copy(con: duckdb.DuckDBPyConnection, dest: str | os.PathLike, *,
                       source: str | os.PathLike | None = None) -> Path:
    """Checkpoint, copy the warehouse to a temp file beside `dest`, verify it; returns the temp file."""
    dest = Path(dest)
    src = Path(source) if source is not None else database_path(con)
    if src.resolve() == dest.resolve():
        raise WarehouseError(f"publish: the analyst copy {dest} cannot be the warehouse itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    _clean_temp_files(dest.parent, dest.name)
    checkpoint(con, src)
    tmp = dest.with_name(f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, length=1 << 20)
            fout.flush()
            os.fsync(fout.fileno())
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # analysts read it; nobody writes it
        _verify_copy(con, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def commit_analyst_copy(tmp: Path, dest: str | os.PathLike) -> Path:
    """Atomically put the staged copy in place of `dest`."""
    dest = Path(dest)
    stale_wal = Path(f"{dest}.wal")
    if stale_wal.exists():  # only a read-write open of the copy makes one; it belongs to the old file
        log.warning("publish: removing %s left beside the analyst copy", stale_wal)
        stale_wal.unlink(missing_ok=True)
    os.replace(tmp, dest)
    fsync_dir(dest.parent)
    return dest


def publish_analyst_copy(con: duckdb.DuckDBPyConnection, dest: str | os.PathLike, *,
                         source: str | os.PathLike | None = None) -> Path:
    """CHECKPOINT → copy to a temp file in dest's directory → verify → `os.replace` over `dest`."""
    return commit_analyst_copy(stage_analyst_copy(con, dest, source=source), dest)


def _verify_copy(con: duckdb.DuckDBPyConnection, copy: Path) -> None:
    expected = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _VERIFY_TABLES}
    try:
        check = duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"publish: the new analyst copy does not open: {str(exc).splitlines()[0]}") from None
    try:
        views = {v for (v,) in check.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        missing = set(MARTS) - views
        if missing:
            raise WarehouseError(f"publish: the new analyst copy lacks view(s) {sorted(missing)}")
        for table, count in expected.items():
            got = check.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if got != count:
                raise WarehouseError(f"publish: the new analyst copy has {got} {table} rows, the warehouse {count}")
        check.execute("SELECT count(*) FROM latest_scores").fetchone()
    except duckdb.Error as exc:
        raise WarehouseError(f"publish: the new analyst copy fails a query: {str(exc).splitlines()[0]}") from None
    finally:
        check.close()


# --------------------------------------------------------------------------- marts

def stage_marts(con: duckdb.DuckDBPyConnection, marts_dir: str | os.PathLike) -> Path:
    """Write every mart as Parquet into a temp directory inside `marts_dir`; returns it."""
    marts_dir = Path(marts_dir)
    marts_dir.mkdir(parents=True, exist_ok=True)
    _clean_temp_files(marts_dir, "marts")
    tmp = marts_dir / f".marts.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        for view, order in MARTS.items():
            target = str(tmp / f"{view}.parquet").replace("'", "''")
            con.execute(f"COPY (SELECT * FROM {view} ORDER BY {order}) TO '{target}' (FORMAT parquet)")
    except duckdb.Error as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise WarehouseError(f"publish: writing the marts failed: {str(exc).splitlines()[0]}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def commit_marts(tmp: Path, marts_dir: str | os.PathLike) -> list[Path]:
    """Move each staged Parquet file over its predecessor (`os.replace`, atomic per file)."""
    marts_dir = Path(marts_dir)
    out = []
    for view in MARTS:
        staged = tmp / f"{view}.parquet"
        final = marts_dir / f"{view}.parquet"
        os.replace(staged, final)
        out.append(final)
    fsync_dir(marts_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def publish_marts(con: duckdb.DuckDBPyConnection, marts_dir: str | os.PathLike) -> list[Path]:
    return commit_marts(stage_marts(con, marts_dir), marts_dir)


# --------------------------------------------------------------------------- everything, all or nothing

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


def publish_night(con: duckdb.DuckDBPyConnection, home: Any, *, catalogue: Any = None,
                  generated_at: datetime | None = None, attributions: Mapping[str, Any] | None = None,
                  site: bool = True, force: bool = False) -> Publication:
    """Stage the analyst copy, the marts and the site; swap all three in only if all were built.

    Nothing is rebuilt when the content and code are those of the standing publication
    (unless `force`); the returned `Publication` then says `unchanged` and when it was built.

    `home` is a `jobzone.paths.Home` (analyst_copy, marts, site). `con` is the nightly's
    read-write connection, with the night's writes committed. Raises (and publishes nothing)
    when any artefact fails to build.
    """
    from warehouse.site.render import stage_site, swap_dir

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
    _write_marker(Path(home.published) / MARKER, {"key": key, "generated_at": generated_at.isoformat(),
                                                 "site": site})
    return Publication(analyst_copy=copy, marts=marts, site=site_files, seconds=time.monotonic() - started,
                       generated_at=generated_at, skipped=[] if site else ["site"])


def content_key(con: duckdb.DuckDBPyConnection, catalogue: Any, site: bool) -> str:
    """A digest of everything a publication is built from (see the module docstring)."""
    state: dict[str, Any] = {"site": site}
    for table, stamp in _CONTENT_TABLES.items():
        count, newest = con.execute(f'SELECT count(*), max("{stamp}") FROM "{table}"').fetchone()
        state[table] = [count, str(newest)]
    # Rendered from the catalogue files when they all loaded, else from the stored documents.
    state["catalogue"] = None if catalogue is None else sorted(catalogue.hashes.items())
    state["code"] = code_digest(_PUBLISHING_CODE)
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def _unchanged_publication(home: Any, key: str, site: bool) -> Publication | None:
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


def _write_marker(path: Path, payload: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(payload, indent=1) + "\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- helpers

def _clean_temp_files(directory: Path, name: str) -> None:
    """Remove temp files/dirs an interrupted publish left behind (`.<name>.tmp-xxxxxxxx`)."""
    for p in directory.iterdir():
        m = _TMP.match(p.name)
        if m and m.group("name") == name:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


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
