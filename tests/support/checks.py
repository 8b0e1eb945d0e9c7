"""Read-side helpers for fault tests: warehouse snapshots, text dumps, file-tree digests, greps."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

import duckdb

#: tables whose existing rows must never change or disappear (append / history semantics)
IMMUTABLE_TABLES = ("catalogue_versions", "evidence_scores", "aijri_results", "fetches", "observations",
                    "quarantine", "metrics", "source_health")
#: columns an upsert table may legitimately change on an existing key
MUTABLE_COLUMNS = {"runs": {"finished_at", "status", "summary"},
                   "alerts": {"status", "attempts", "last_error", "delivered_at"}}


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name").fetchall()]


def _connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def snapshot(path: str | Path) -> dict[str, set[tuple]]:
    """Every row of every table, as tuples of strings (order-free, comparable across opens)."""
    con = _connect(path)
    try:
        out = {}
        for t in tables(con):
            out[t] = {tuple("" if v is None else str(v) for v in row)
                      for row in con.execute(f'SELECT * FROM "{t}"').fetchall()}
        return out
    finally:
        con.close()


def keyed(path: str | Path, table: str, key: Iterable[str]) -> dict[tuple, dict[str, Any]]:
    con = _connect(path)
    try:
        cur = con.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cur.description]
        key = list(key)
        return {tuple(str(r[names.index(k)]) for k in key): dict(zip(names, r)) for r in cur.fetchall()}
    finally:
        con.close()


def lost_or_changed(before: dict[str, set[tuple]], after: dict[str, set[tuple]],
                    tables_: Iterable[str] = IMMUTABLE_TABLES) -> dict[str, int]:
    """Rows of `before` missing from `after`, per immutable table (empty dict = nothing lost)."""
    out = {}
    for t in tables_:
        missing = before.get(t, set()) - after.get(t, set())
        if missing:
            out[t] = len(missing)
    return out


def dump_text(path: str | Path) -> str:
    """Every table, every row, as text (to grep for things that must never be stored)."""
    con = _connect(path)
    try:
        parts = []
        for t in tables(con):
            for row in con.execute(f'SELECT * FROM "{t}"').fetchall():
                parts.append(t + "\t" + "\t".join("" if v is None else str(v) for v in row))
        for (sql,) in con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall():
            parts.append(str(sql))
        return "\n".join(parts)
    finally:
        con.close()


def tree_digest(root: str | Path) -> dict[str, str]:
    """{relative path: sha256} of every file under `root` (missing root: empty)."""
    root = Path(root)
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def grep_tree(root: str | Path, needles: Iterable[str], *, gunzip: bool = True) -> list[tuple[str, str]]:
    """(file, needle) for every file under `root` containing a needle (gzip members decompressed)."""
    hits = []
    needles = [n.encode() for n in needles]
    for p in sorted(Path(root).rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if gunzip and data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except OSError:
                pass
        for n in needles:
            if n in data:
                hits.append((str(p), n.decode()))
    return hits


def one_per_key(path: str | Path, table: str, key: Iterable[str], where: str = "TRUE",
                params: list | None = None) -> list[tuple]:
    """Keys with more than one row (e.g. a duplicated history version)."""
    cols = ", ".join(key)
    con = _connect(path)
    try:
        return con.execute(f'SELECT {cols}, count(*) FROM "{table}" WHERE {where} GROUP BY {cols} HAVING count(*) > 1',
                           params or []).fetchall()
    finally:
        con.close()


def rows(path: str | Path, sql: str, params: list | None = None) -> list[tuple]:
    con = _connect(path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def json_rows(path: str | Path, sql: str, params: list | None = None) -> list[dict]:
    con = _connect(path)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()


def parse_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
