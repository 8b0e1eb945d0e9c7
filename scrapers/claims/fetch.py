"""The claims file is read from the repo (or a configured path/URL), not scraped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.base import RequestOptions, SourceRequest
from scrapers.claims import settings as S


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    location = options.base_url or options.options.get("path") or str(S.DEFAULT_PATH)
    return [SourceRequest(source="claims", url=str(location), allowed_content_types=S.ALLOWED_CONTENT_TYPES)]
