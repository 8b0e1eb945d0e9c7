"""One request per published May reference year, from the first clean 2018-SOC year to the
latest released; each is a conditional GET, so a year already stored costs a 304."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from scrapers.base import RequestOptions, SourceRequest
from scrapers.occupations import wants_occupations
from scrapers.oews import settings as S


def latest_year(today: date, release_month: int = S.RELEASE_MONTH) -> int:
    """The newest May reference year whose national file is out by `today`."""
    return today.year - 1 if today.month >= release_month else today.year - 2


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    if not (wants_occupations(roles_lookup) or options.options.get("always")):
        return []
    first = int(options.options.get("first_year", S.FIRST_YEAR))
    last = latest_year(options.day(), int(options.options.get("release_month", S.RELEASE_MONTH)))
    base = options.base(S.BASE_URL)
    return [SourceRequest(source="oews", url=base + S.PATH.format(yy=f"{year % 100:02d}"),
                          allowed_content_types=S.ALLOWED_CONTENT_TYPES, max_bytes=S.MAX_BYTES,
                          context={"year": year})
            for year in range(last, first - 1, -1)]  # newest first: the year most likely to be new
