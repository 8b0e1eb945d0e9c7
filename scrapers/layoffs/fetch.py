"""The layoffs CSV is one file from a configured location (URL, file:// URL or plain path)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.base import RequestOptions, SourceRequest, as_list
from scrapers.layoffs import settings as S


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    location = options.base_url or options.options.get("location") or S.DEFAULT_LOCATION
    if not location:
        return []  # not configured: nothing to fetch (the Kaggle mirror has no keyless URL)
    industries: list[str] = []
    for role in roles_lookup:
        for ind in as_list(role.get("layoff_industries")):
            if ind not in industries:
                industries.append(str(ind))
    # Every event is kept (scoring filters by industry via `detail`); the union is informative only.
    return [SourceRequest(source="layoffs", url=str(location), allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                          context={"role_industries": industries})]
