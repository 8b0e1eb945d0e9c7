"""What a role's board title patterns match in the bundled real board samples (the catalogue's
pattern check, `core.lookup_checks`): every posting title the samples list, by `match.title_mask`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import pandas as pd

from scrapers.base import ParseContext, SampleCheck
from scrapers.boards.match import posting_titles, title_mask
from scrapers.boards.parse import parse, sniff
from scrapers.boards.settings import SAMPLES

_NOW = datetime(2000, 1, 1, tzinfo=timezone.utc)  # matching reads no fetch time


@lru_cache(maxsize=1)
def sample_titles() -> tuple[str, ...]:
    titles: list[str] = []
    for path in sorted(SAMPLES.glob("*.json")):
        body = path.read_bytes()
        frame = parse(body, ParseContext(url=str(path), source="boards", fetched_at=_NOW, extra=sniff(body, path.name)))
        titles += [t for t in posting_titles(frame)["title"].dropna()]
    return tuple(titles)


def matches(keys: Mapping[str, Any]) -> set[str]:
    """The role ids (of {role_id: boards key}) whose patterns match a sample posting title."""
    titles = pd.Series(sample_titles(), dtype=object)
    with warnings.catch_warnings():
        # pandas warns that a pattern with groups is not an extract; a match is all we ask of it
        warnings.simplefilter("ignore", UserWarning)
        return {role_id for role_id, key in keys.items() if bool(title_mask(titles, key).any())}


SAMPLE_CHECK = SampleCheck(
    key="boards", matches=matches,
    tried_on=lambda: f"the {len(sample_titles())} posting titles of the bundled board samples ({SAMPLES})")
