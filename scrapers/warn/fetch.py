"""One request for the consolidated WARN CSV (URL, file:// URL or plain path)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.base import RequestOptions, SourceRequest, as_list
from scrapers.boards import settings as boards_settings
from scrapers.boards.watchlist import optional_watchlist
from scrapers.warn import settings as S


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    # base_url here is the full location of the CSV, like `location` in the source options
    location = options.base_url or options.options.get("location") or (S.BASE_URL + S.PATH)
    companies: list[str] = []
    for role in roles_lookup:
        for name in as_list(role.get("warn_companies")):
            if name not in companies:
                companies.append(str(name))
    # WARN has no occupation field: a company watch-list keeps the national file manageable.
    context: dict[str, Any] = {"companies": companies} if companies else {}
    # The hiring-board watch-list (one reviewed list of companies): notices filed by a watched
    # company are also recorded under its watch-list name, so layoffs and openings meet by company.
    watchlist = optional_watchlist(options.options.get("watchlist") or boards_settings.DEFAULT_WATCHLIST)
    if watchlist is not None:
        context["watchlist"] = [[c.company, *c.aliases] for c in watchlist.companies]
    if options.options.get("postal_code"):  # for a raw single-state file without a state column
        context["postal_code"] = options.options["postal_code"]
    return [SourceRequest(source="warn", url=str(location), allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                          context=context)]
