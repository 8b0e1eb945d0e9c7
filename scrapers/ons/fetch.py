"""One generator CSV request per configured ONS series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.base import RequestOptions, ScraperError, SourceRequest, as_list
from scrapers.ons import settings as S


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    wanted = [str(s).strip().upper() for s in as_list(options.options.get("series", list(S.DEFAULT_SERIES)))]
    unknown = [s for s in wanted if s not in S.SERIES]
    if unknown:
        raise ScraperError(f"ons: [sources.ons] series {unknown} unknown; known: {sorted(S.SERIES)}")
    base = options.base(S.BASE_URL)
    out = []
    for cdid in dict.fromkeys(wanted):
        dataset = S.SERIES[cdid][0]
        # the generator's uri is lower-case (…/timeseries/d7bt/mm23), as the ONS site links it
        url = base + S.PATH.format(cdid=cdid.lower(), dataset=dataset)
        out.append(SourceRequest(source="ons", url=url, allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                                 context={"cdid": cdid}))
    return out
