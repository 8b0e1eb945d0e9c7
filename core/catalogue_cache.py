"""The parsed catalogue kept between nights: a role file whose bytes have not changed is not
parsed and validated again.

Parsing and validating 1,000 role files took ~0.8 s of every night's plan step, most of a rerun
of the night; unpickling them takes ~0.14 s. An entry is keyed by the sha256 of the file's bytes,
and the whole cache by the code that shapes a `Role` (the `core` and `scrapers` sources, the
declared lookup keys, pydantic's version): any change there and the cache is not used. A cache
that does not load is ignored (and rewritten); a file that fails is never cached.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pydantic

from core.files import write_atomic
from core.fingerprint import code_digest

log = logging.getLogger(__name__)

#: the code a parsed role depends on (over-inclusive on purpose: a stale Role would be wrong quietly)
_ROLE_CODE = ("core/*.py", "scrapers/*.py", "scrapers/*/*.py")


def _code_key(declared: dict[str, str]) -> str:
    return hashlib.sha256(repr((code_digest(_ROLE_CODE), sorted(declared.items()),
                                pydantic.VERSION)).encode()).hexdigest()


class ParsedRoles:
    """Role files parsed on an earlier night, by the sha256 of their bytes (`path` None: no cache)."""

    def __init__(self, path: Path | None, declared: dict[str, str]) -> None:
        self.path = path
        self.key = _code_key(declared) if path is not None else ""
        self.held: dict[str, Any] = {}
        self.seen: dict[str, Any] = {}
        if path is None or not path.exists():
            return
        try:
            with open(path, "rb") as fh:
                stored = pickle.load(fh)  # our own file in the data home, written below
            if stored.get("code") == self.key:
                self.held = stored["roles"]
        except Exception as exc:  # noqa: BLE001 - a cache that does not load is only a cache
            log.warning("catalogue cache %s ignored: %s", path, exc)

    def get_or_parse(self, raw: bytes, parse: Callable[[], Any]) -> Any:
        """The entry of these bytes, else `parse()` (kept for the next load; what raises is not)."""
        digest = hashlib.sha256(raw).hexdigest()
        found = self.held.get(digest)
        if found is None:
            found = parse()
        self.seen[digest] = found
        return found

    def save(self) -> None:
        """Keep what this load read (files gone or changed drop out); written only when it changed."""
        if self.path is None or self.seen.keys() == self.held.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, pickle.dumps({"code": self.key, "roles": self.seen},
                                                 protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            log.warning("catalogue cache %s not written: %s", self.path, exc)
