"""The sources' checks of the roles' pattern keys against their bundled real samples.

`core.lookup_checks.check_against_samples` takes these (core sits below the scrapers). Each
source declares its own (`Source.sample_check`, e.g. `scrapers/boards/sample_check.py`).
"""

from __future__ import annotations

from typing import Any

from scrapers.registry import SOURCES


def sample_matchers() -> dict[str, tuple[Any, str]]:
    """lookup key -> (matcher, what it was tried on), for `core.lookup_checks.check_against_samples`."""
    return {s.sample_check.key: (s.sample_check.matches, s.sample_check.tried_on())
            for s in SOURCES.values() if s.sample_check is not None}
