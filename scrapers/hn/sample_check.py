"""What a role's HN patterns match in the bundled real Who is hiring? threads (the catalogue's
pattern check, `core.lookup_checks`), counted by the HN parser itself."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from scrapers.base import ParseContext, SampleCheck
from scrapers.hn.parse import parse
from scrapers.hn.settings import SAMPLES

_NOW = datetime(2000, 1, 1, tzinfo=timezone.utc)  # counting reads no fetch time


def _threads(patterns: Mapping[str, Any]) -> pd.DataFrame:
    """The bundled thread samples (the files with posts) parsed as the night parses them."""
    frames = []
    for path in sorted(SAMPLES.glob("*.json")):
        body = path.read_bytes()
        if b'"children"' in body:
            frames.append(parse(body, ParseContext(url=str(path), source="hn", fetched_at=_NOW,
                                                   extra={"patterns": dict(patterns), "kind": "thread"})))
    return pd.concat(frames, ignore_index=True)


def matches(keys: Mapping[str, Any]) -> set[str]:
    """The role ids (of {role_id: hn key}) whose patterns match a post of a bundled thread."""
    patterns = {role_id: key.model_dump() if hasattr(key, "model_dump") else dict(key) for role_id, key in keys.items()}
    frame = _threads(patterns)
    return set(frame.loc[(frame["metric"] == "hn_role_posts") & (frame["value"] > 0), "subject"])


def _tried_on() -> str:
    threads = _threads({})
    posts = int(threads.loc[threads["metric"] == "hn_posts", "value"].sum())
    return f"the {posts} posts of the bundled Who is hiring? threads ({SAMPLES})"


SAMPLE_CHECK = SampleCheck(key="hn", matches=matches, tried_on=_tried_on)
