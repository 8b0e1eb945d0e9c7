"""The occupation workbook: one conditional GET for the current release, plus any archived
vintages the settings name (their URLs are not guessed: BLS has moved them before)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.base import RequestOptions, SourceRequest, as_list
from scrapers.bls_ep import settings as S
from scrapers.occupations import wants_occupations


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    # The workbook holds every occupation, and it is parsed only when it changes (once a year):
    # it is kept whole, so a role added later finds its SOC in what is already stored.
    options = options or RequestOptions()
    if not (wants_occupations(roles_lookup) or options.options.get("always")):
        return []
    base = options.base(S.BASE_URL)
    paths = [S.CURRENT_PATH] + [str(p) for p in as_list(options.options.get("archive_paths"))]
    return [SourceRequest(source="bls_ep", url=base + path, allowed_content_types=S.ALLOWED_CONTENT_TYPES,
                          context={"release": "current" if path == S.CURRENT_PATH else "archive"})
            for path in dict.fromkeys(paths)]
