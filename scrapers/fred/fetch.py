"""One fredgraph.csv request per configured FRED series (no API key needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from scrapers.base import RequestOptions, SourceRequest, as_list
from scrapers.bls.fetch import is_bls_series
from scrapers.fred import settings as S


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    wanted = [str(s).strip().upper() for s in as_list(options.options.get("series", list(S.DEFAULT_SERIES)))]
    for role in roles_lookup:  # a role may ask for extra series (e.g. a UK CPI)
        wanted += [str(s).strip().upper() for s in as_list(role.get("fred_series"))]
        # cpi_series may be a FRED id (CPIAUCSL, GBRCPIALLMINMEI) or a BLS one (left to the bls source)
        wanted += [str(s).strip().upper() for s in as_list(role.get("cpi_series")) if not is_bls_series(str(s))]
    base = options.base(S.BASE_URL)
    out: dict[str, SourceRequest] = {}
    for sid in dict.fromkeys(wanted):
        url = base + S.PATH.format(series_id=quote(sid, safe=""))
        out[url] = SourceRequest(source="fred", url=url, allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                                 context={"series_id": sid})
    return list(out.values())
