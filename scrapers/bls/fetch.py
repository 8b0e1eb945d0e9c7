"""Build BLS v2 POST bodies: series batched under the per-query limit, key from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.base import RequestOptions, SourceRequest, as_list
from scrapers.bls import settings as S


def is_bls_series(series_id: str) -> bool:
    sid = series_id.strip().upper()
    return bool(S.OEWS_ID.match(sid)) or sid[:3] in S.PREFIX_METRICS


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    env = options.env if options.env is not None else os.environ
    key = (env.get(S.API_KEY_ENV) or "").strip()
    series: list[str] = []
    for role in roles_lookup:
        # cpi_series may name a BLS CPI id (CUUR0000SA0) or a FRED one (CPIAUCSL): take only BLS ids
        cpi = [c for c in as_list(role.get("cpi_series")) if is_bls_series(str(c))]
        for sid in as_list(role.get("bls_series")) + cpi:
            sid = str(sid).strip().upper()
            if sid not in series:
                series.append(sid)
    for sid in as_list(options.options.get("extra_series", list(S.DEFAULT_EXTRA_SERIES))):
        sid = str(sid).strip().upper()
        if sid not in series:
            series.append(sid)
    if not series:
        return []
    end_year = options.day().year
    years = min(int(options.options.get("years", S.DEFAULT_YEARS)), S.MAX_YEARS[bool(key)])
    batch = S.MAX_SERIES[bool(key)]
    url = options.base(S.BASE_URL) + S.PATH
    out = []
    for i in range(0, len(series), batch):
        body: dict[str, Any] = {
            "seriesid": series[i:i + batch],
            "startyear": str(end_year - years + 1),
            "endyear": str(end_year),
            "catalog": True,
            "calculations": True,
        }
        if key:
            body["registrationkey"] = key  # never logged: SourceRequest hides json from repr and key
        out.append(SourceRequest(source="bls", url=url, method="POST", json=body,
                                 allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                                 context={"series": series[i:i + batch]}))
    return out
