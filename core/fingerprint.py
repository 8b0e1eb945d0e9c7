"""One fingerprint helper: what a stored result was computed from, as a sha256.

A refresh and a publication each store the digest of their inputs, so a rerun that finds the
same digest can keep what it already has, and a code upgrade counts as changed inputs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from core.paths import REPO_ROOT


def code_digest(patterns: tuple[str, ...]) -> str:
    """sha256 over the repository files matching `patterns` (globs from the repo root)."""
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(REPO_ROOT.glob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprint(state: dict[str, Any], code: tuple[str, ...] = ()) -> str:
    """sha256 of a JSON-able `state`, plus the digest of the `code` globs when given."""
    payload = dict(state, code=code_digest(code)) if code else state
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
