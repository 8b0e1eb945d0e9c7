"""What the roles' title/post patterns match in the bundled real samples, by each source's own matching.

`core.lookup_checks.check_against_samples` takes these (core sits below the scrapers): a board
pattern is tried on every posting title the boards samples list (`scrapers.boards.match.title_mask`),
an HN pattern on every post of the bundled threads (the HN parser's own counting).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import pandas as pd

from scrapers.base import ParseContext
from scrapers.registry import get_source

_NOW = datetime(2000, 1, 1, tzinfo=timezone.utc)  # no parser here reads the fetch time for matching


@lru_cache(maxsize=1)
def _board_titles() -> tuple[str, ...]:
    from scrapers.boards import parse, sniff
    from scrapers.boards.match import posting_titles

    source = get_source("boards")
    titles: list[str] = []
    for path in sorted(source.samples.glob("*.json")):
        body = path.read_bytes()
        frame = parse(body, ParseContext(url=str(path), source="boards", fetched_at=_NOW, extra=sniff(body, path.name)))
        titles += [t for t in posting_titles(frame)["title"].dropna()]
    return tuple(titles)


def boards_matches(keys: Mapping[str, Any]) -> set[str]:
    from scrapers.boards.match import title_mask

    titles = pd.Series(_board_titles(), dtype=object)
    with warnings.catch_warnings():
        # pandas warns that a pattern with groups is not an extract; a match is all we ask of it
        warnings.simplefilter("ignore", UserWarning)
        return {role_id for role_id, key in keys.items() if bool(title_mask(titles, key).any())}


def _hn_threads(patterns: Mapping[str, Any]) -> pd.DataFrame:
    """The bundled thread samples (the files with posts) parsed as the night parses them."""
    from scrapers.hn import parse

    frames = []
    for path in sorted(get_source("hn").samples.glob("*.json")):
        body = path.read_bytes()
        if b'"children"' in body:
            frames.append(parse(body, ParseContext(url=str(path), source="hn", fetched_at=_NOW,
                                                   extra={"patterns": dict(patterns), "kind": "thread"})))
    return pd.concat(frames, ignore_index=True)


def hn_matches(keys: Mapping[str, Any]) -> set[str]:
    patterns = {role_id: key.model_dump() if hasattr(key, "model_dump") else dict(key) for role_id, key in keys.items()}
    frame = _hn_threads(patterns)
    return set(frame.loc[(frame["metric"] == "hn_role_posts") & (frame["value"] > 0), "subject"])


def sample_matchers() -> dict[str, tuple[Any, str]]:
    """lookup key -> (matcher, what it was tried on), for `core.lookup_checks.check_against_samples`."""
    threads = _hn_threads({})
    n_posts = int(threads.loc[threads["metric"] == "hn_posts", "value"].sum())
    return {
        "boards": (boards_matches, f"the {len(_board_titles())} posting titles of the bundled board samples "
                                   f"({get_source('boards').samples})"),
        "hn": (hn_matches, f"the {n_posts} posts of the bundled Who is hiring? threads ({get_source('hn').samples})"),
    }
