"""RawArchive: content-addressed, gzip, idempotent, atomic."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from scrapers.archive import ArchiveError, RawArchive


def test_put_get_has(tmp_path):
    archive = RawArchive(tmp_path / "raw")
    body = b"date,value\n2025-01-01,1\n" * 100
    sha = archive.put(body)
    assert sha == hashlib.sha256(body).hexdigest()
    path = tmp_path / "raw" / sha[:2] / f"{sha[2:]}.gz"
    assert path.is_file() and gzip.decompress(path.read_bytes()) == body
    assert archive.has(sha) and archive.get(sha) == body
    assert not archive.has("0" * 64)


def test_put_is_idempotent_and_leaves_no_temp_files(tmp_path):
    archive = RawArchive(tmp_path)
    sha = archive.put(b"same")
    first = archive.path_for(sha).stat().st_mtime_ns
    assert archive.put(b"same") == sha
    assert archive.path_for(sha).stat().st_mtime_ns == first
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{sha[2:]}.gz"]


def test_missing_corrupt_and_bad_addresses(tmp_path):
    archive = RawArchive(tmp_path)
    with pytest.raises(ArchiveError, match="no archived body"):
        archive.get("a" * 64)
    sha = archive.put(b"payload")
    archive.path_for(sha).write_bytes(gzip.compress(b"tampered"))
    with pytest.raises(ArchiveError, match="does not match"):
        archive.get(sha)
    with pytest.raises(ArchiveError, match="not a sha256"):
        archive.has("../../etc/passwd")


def test_sweep_removes_only_what_a_killed_writer_left(tmp_path):
    archive = RawArchive(tmp_path)
    sha = archive.put(b"kept")
    left = tmp_path / sha[:2] / ".tmp-deadbeef.gz"
    left.write_bytes(b"half a body")
    assert archive.sweep_temp_files() == [left]
    assert not left.exists() and archive.get(sha) == b"kept"
    assert RawArchive(tmp_path / "none").sweep_temp_files() == []
