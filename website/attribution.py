"""Who is credited where: each source's licence and attribution line, beside the evidence it
supports and in the footer.

The one table of sources is the scrapers' descriptors (`scrapers.registry.SOURCES`, the
`Source` dataclass): the site reads each source's `display_name`, `credit_line`, `homepage`,
`licence_url` and `aliases` from there. Callers may pass overrides (dicts, or objects shaped
like a descriptor), e.g. for a source that has no package yet.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from scrapers.registry import SOURCES
from website.formats import web_url

#: Always listed in the footer, whether or not tonight's evidence cites them.
FOOTER_SOURCES = ("itjobswatch", "indeed", "bls", "fred")


def _credit(name: str, attribution: str | None, licence: str | None) -> str:
    """The attribution line of a source that names none: its attribution, then its licence."""
    text = attribution or f"Source: {name}"
    return text if not licence or licence in text else f"{text} ({licence})"


def attribution_of(source: Any) -> dict[str, Any]:
    """What the site prints for one `Source` descriptor."""
    name = getattr(source, "display_name", "") or source.name
    return {"name": name, "licence": source.licence,
            "text": getattr(source, "credit_line", "") or _credit(name, source.attribution, source.licence),
            "homepage": source.homepage or None, "licence_url": getattr(source, "licence_url", "") or None,
            "aliases": list(getattr(source, "aliases", ()))}


def registered_attributions() -> dict[str, dict[str, Any]]:
    """Every registered source's attribution, by source name, in the registry's order."""
    return {key: attribution_of(source) for key, source in SOURCES.items()}


def normalise_attributions(attributions: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The registered sources' attributions merged with overrides.

    An override is a full descriptor (it has a `credit_line`: taken as it is), a dict, or an
    object with some of `name`, `licence`, `attribution`, `homepage`: merged field by field,
    its attribution line made from its attribution and licence. A registered source keeps
    its display name (a bare descriptor's `name` is the source id).
    """
    merged = registered_attributions()
    for key, value in (attributions or {}).items():
        if not isinstance(value, Mapping) and getattr(value, "credit_line", ""):
            merged[key] = attribution_of(value)
            continue
        known = key in merged
        entry = merged.setdefault(key, {"name": key, "aliases": []})
        if isinstance(value, Mapping):
            given = dict(value)
        else:
            given = {k: getattr(value, k) for k in ("name", "licence", "attribution", "homepage")
                     if hasattr(value, k)}
        given = {k: v for k, v in given.items() if v not in (None, "")}
        if known:
            given.pop("name", None)
        attribution = given.pop("attribution", None)
        if "text" not in given and (attribution or "licence" in given):
            given["text"] = _credit(given.get("name", entry.get("name", key)), attribution,
                                    given.get("licence", entry.get("licence")))
        entry.update(given)
        entry.setdefault("text", f"Source: {entry.get('name', key)}")
        entry.setdefault("aliases", [])
    return merged


@functools.lru_cache(maxsize=1024)
def _alias_search(alias: str):
    return re.compile(rf"(?<![a-z]){re.escape(alias)}(?![a-z])").search


def sources_of(row: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The sources an evidence row rests on: named in its inputs JSON (a `source`/`sources` entry,
    a key, a `source:...` series key) or, for published rows, in its rationale."""
    found: list[str] = []

    def add(name: str) -> None:
        if name in sources and name not in found:
            found.append(name)

    def walk(value: Any, key: str | None = None) -> None:
        kind = type(value)  # parsed JSON: exact types first (an ABC isinstance per value cost seconds a night)
        if kind is dict or (kind is not str and kind is not list and isinstance(value, Mapping)):
            for k, v in value.items():
                add(str(k))
                walk(v, str(k))
        elif kind is list or isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif kind is str or isinstance(value, str):
            if key in ("source", "sources"):
                add(value)
            prefix = value.split(":", 1)[0]
            if prefix != value:
                add(prefix)

    inputs = row.get("inputs")
    if isinstance(inputs, str):
        try:
            inputs = json.loads(inputs)
        except ValueError:
            inputs = None
    walk(inputs)
    text = " ".join(str(row.get(k) or "") for k in ("rationale",)).lower()
    for name, meta in sources.items():
        for alias in meta.get("aliases") or []:
            # the substring test first: the word-bounded search can only match where it holds
            if alias and alias.lower() in text and _alias_search(alias.lower())(text):
                add(name)
                break
    return found


def footer_sources(sources: Mapping[str, Mapping[str, Any]], pages: Iterable[dict]) -> list[dict]:
    """The footer's list: the always-listed sources, then every other source a page cites."""
    used = [s["id"] for p in pages for e in p["evidence"] for s in e["sources"]]
    names = list(FOOTER_SOURCES) + [s for s in dict.fromkeys(used) if s not in FOOTER_SOURCES]
    return [{"id": n, "name": sources[n].get("name", n), "text": sources[n]["text"],
             "homepage": web_url(sources[n].get("homepage")), "licence_url": web_url(sources[n].get("licence_url"))}
            for n in names if n in sources]
