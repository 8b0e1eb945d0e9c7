"""Content-addressed raw archive: every fetched body, gzip-compressed, stored once by sha256."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from pathlib import Path

from scrapers.base import ScraperError

_SHA = re.compile(r"^[0-9a-f]{64}$")


class ArchiveError(ScraperError):
    """A body is missing from the archive or its stored bytes do not match their address."""


class RawArchive:
    """``root/ab/cdef….gz`` where ``abcdef…`` is the sha256 of the uncompressed body."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ArchiveError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256[2:]}.gz"

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put(self, body: bytes) -> str:
        """Store ``body`` (idempotent, atomic) and return its sha256."""
        sha = hashlib.sha256(body).hexdigest()
        target = self.path_for(sha)
        if target.is_file():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write a temp file in the same directory, then os.replace: readers never see a partial
        # file, and two writers of the same body simply replace identical content.
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".gz", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as raw:
                # mtime=0 so the same body always gives the same compressed bytes
                with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                    gz.write(body)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def sweep_temp_files(self) -> list[Path]:
        """Remove temp files a killed writer left behind; returns them.

        Only safe while no other writer runs: the nightly calls it under its lock.
        """
        if not self.root.is_dir():
            return []
        left = [p for p in self.root.glob("*/.tmp-*.gz") if p.is_file()]
        for path in left:
            path.unlink(missing_ok=True)
        return left

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            body = gzip.decompress(path.read_bytes())
        except FileNotFoundError:
            raise ArchiveError(f"no archived body {sha256} under {self.root}") from None
        except (OSError, EOFError) as exc:
            raise ArchiveError(f"archived body {path} is unreadable: {exc}") from exc
        if hashlib.sha256(body).hexdigest() != sha256:
            raise ArchiveError(f"archived body {path} does not match its sha256")
        return body
