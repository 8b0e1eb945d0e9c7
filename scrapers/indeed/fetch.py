"""Build Indeed Hiring Lab CSV requests; many roles share a file, so URLs are deduplicated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core import geography
from scrapers.base import RequestOptions, SourceRequest, as_list
from scrapers.indeed import settings as S


def country_code(value: str) -> str:
    """Indeed's ISO-2 code for a catalogue country or a CSV ``jobcountry`` cell (UK -> GB)."""
    return geography.country_code(str(value))


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    base = options.base(S.BASE_URL)
    include_ai = options.options.get("ai_share", True)
    include_wages = options.options.get("wage_growth", True)
    out: dict[str, SourceRequest] = {}

    def add(kind: str, url: str, countries: list[str], sectors: list[str], role_id: str | None) -> None:
        req = out.get(url)
        if req is None:
            out[url] = req = SourceRequest(source="indeed", url=url, allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                                           context={"kind": kind, "countries": [], "sectors": [], "role_ids": []})
        for key, values in (("countries", countries), ("sectors", sectors), ("role_ids", [role_id] if role_id else [])):
            for v in values:
                if v not in req.context[key]:
                    req.context[key].append(v)

    for role in roles_lookup:
        entries = role.get("indeed") or []
        for entry in entries if isinstance(entries, list) else [entries]:
            entry = entry or {}
            role_id = role.get("role_id")
            countries = [country_code(c) for c in as_list(entry.get("country")) + as_list(entry.get("countries"))]
            sectors = [str(s) for s in as_list(entry.get("sectors"))]
            for cc in countries:
                add("aggregate", base + S.PATHS["aggregate"].format(cc=cc), [cc], [], role_id)
                if sectors:
                    add("sector", base + S.PATHS["sector"].format(cc=cc), [cc], sectors, role_id)
                if include_ai:
                    add("ai_share", base + S.PATHS["ai_share"], [cc], [], role_id)
                if include_wages:
                    add("wage_growth", base + S.PATHS["wage_growth"], [cc], [], role_id)
    return list(out.values())
