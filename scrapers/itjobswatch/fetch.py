"""Build IT Jobs Watch page requests from the role lookups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from scrapers.base import RequestOptions, ScraperError, SourceRequest
from scrapers.itjobswatch import settings as S


def page_path(slug: str, kind: str) -> str:
    if kind not in S.PATHS:
        raise ScraperError(f"itjobswatch: kind must be one of {list(S.PATHS)}, got {kind!r}")
    # lower-case, spaces -> %20 ("devops engineer" -> devops%20engineer.do)
    return S.PATHS[kind].format(slug=quote(slug.strip().lower(), safe=""))


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    base = options.base(S.BASE_URL)
    out: dict[str, SourceRequest] = {}
    for role in roles_lookup:
        entries = role.get("itjobswatch") or []
        for entry in entries if isinstance(entries, list) else [entries]:
            slug = (entry or {}).get("slug")
            if not slug:
                continue
            kind = entry.get("kind") or "permanent"
            url = base + page_path(slug, kind)
            req = out.get(url)
            if req is None:
                out[url] = req = SourceRequest(
                    source="itjobswatch", url=url, allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                    context={"slug": slug.strip().lower(), "kind": kind, "role_ids": []},
                )
            if role.get("role_id") and role["role_id"] not in req.context["role_ids"]:
                req.context["role_ids"].append(role["role_id"])
    return list(out.values())
