"""Catalogue-wide checks of the roles' lookup patterns (`boards`, `hn`: any key with `include` regexes).

Two roles with identical patterns count exactly the same postings, so one of them is mislabelled;
a role whose patterns match nothing in its source's bundled samples has a key nobody has seen work.
Both name the role file and the field (`CatalogueError`). The sample check takes the matching from
the scrapers (each source's `Source.sample_check`, gathered by `scrapers.sample_matches`), since
core sits below them and parses nothing itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from core.errors import CatalogueError

#: a source's check over the bundled samples: {role_id: key} -> the role ids whose key matches something
SampleMatcher = Callable[[Mapping[str, Any]], set[str]]


def pattern_keys(role: Any) -> dict[str, Any]:
    """The role's lookup keys that are title/post patterns (a model with an `include` list)."""
    return {name: value for name, value in role.lookup if value is not None and hasattr(value, "include")}


def _matcher_identity(value: Any) -> str:
    # a pattern key is a set of alternatives: the same regexes in another order match the same posts
    doc = {k: sorted(set(v)) if isinstance(v, list) else v for k, v in value.model_dump().items()}
    return json.dumps(doc, sort_keys=True)


def identical_patterns(roles: Iterable[Any], files: Mapping[str, Path]) -> list[tuple[set[str], str]]:
    """(role ids, message) per group of roles whose patterns for one key are identical."""
    seen: dict[tuple[str, str], list[str]] = {}
    for role in roles:
        for key, value in pattern_keys(role).items():
            seen.setdefault((key, _matcher_identity(value)), []).append(role.id)
    out = []
    for (key, _), ids in seen.items():
        if len(ids) > 1:
            names = " and ".join(str(files.get(i, i)) for i in ids)
            out.append((set(ids), f"{names}: lookup.{key}: identical patterns in {len(ids)} roles "
                                  f"({', '.join(ids)}): they would count the same postings"))
    return out


def check_against_samples(catalogue: Any, matchers: Mapping[str, tuple[SampleMatcher, str]]) -> None:
    """Raise on the first role whose patterns for a source match nothing in that source's samples.

    `matchers`: lookup key -> (matcher, a description of the samples for the message).
    """
    for key, (matcher, described) in matchers.items():
        keyed = {role.id: value for role in catalogue for k, value in pattern_keys(role).items() if k == key}
        matched = matcher(keyed) if keyed else set()
        for role_id in sorted(set(keyed) - matched):
            raise CatalogueError(f"{catalogue.files[role_id]}: lookup.{key}: the patterns match nothing in "
                                 f"{described}; check them against real postings (or drop the key)")
