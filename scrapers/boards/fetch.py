"""One request per watched board per night (Greenhouse, Lever or Ashby public JSON)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from scrapers.base import RequestOptions, SourceRequest
from scrapers.boards import settings as S
from scrapers.boards.watchlist import WatchedCompany, optional_watchlist


def board_url(company: WatchedCompany, options: RequestOptions) -> str:
    """The real URL, or the same path below a replacement base: `bases[ats]` (one per simulated
    ATS host) or the source's one `base_url` plus `/<ats>` (the loopback demo's layout)."""
    real_base, path = S.ATS[company.ats]
    if company.ats == "lever" and company.region == "eu":
        real_base = S.LEVER_EU_BASE
    bases = options.options.get("bases") or {}
    if bases.get(company.ats):
        base = str(bases[company.ats]).rstrip("/")
    elif options.base_url:
        base = options.base_url.rstrip("/") + "/" + company.ats
    else:
        base = real_base
    return base + path.format(token=quote(company.token, safe=""))


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    watchlist = optional_watchlist(options.options.get("watchlist") or S.DEFAULT_WATCHLIST)
    out: dict[str, SourceRequest] = {}
    for company in watchlist.companies if watchlist is not None else ():
        url = board_url(company, options)
        # The role title patterns are not sent along: the parse keeps every posting (the fact),
        # and roles are matched against stored titles (scrapers.boards.match), so an edited
        # pattern re-counts the whole history the same way.
        out.setdefault(url, SourceRequest(
            source="boards", url=url, allowed_content_types=S.ALLOWED_CONTENT_TYPES,
            context={"ats": company.ats, "token": company.token, "company": company.company,
                     "sector": company.sector, "country": company.country, "night": options.day().isoformat()}))
    return list(out.values())
