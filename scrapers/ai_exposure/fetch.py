"""One request per declared release of each study (pinned URLs), when a role names an occupation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapers.ai_exposure import settings as S
from scrapers.base import RequestOptions, ScraperError, SourceRequest, as_list
from scrapers.occupations import wants_occupations


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    # Every study file covers every occupation and is parsed whole (see bls_ep.fetch): which
    # roles ask only decides whether the source is asked at all.
    options = options or RequestOptions()
    if not (wants_occupations(roles_lookup) or options.options.get("always")):
        return []
    chosen = as_list(options.options.get("studies")) or list(S.STUDIES)
    unknown = [name for name in chosen if name not in S.STUDIES]
    if unknown:
        raise ScraperError(f"ai_exposure.studies: unknown study {unknown}; known: {sorted(S.STUDIES)}")
    # `bases` (real host -> base URL) points each host elsewhere (the simulator's hosts)
    bases = dict(options.options.get("bases") or {})
    out = []
    for name in chosen:
        study = S.STUDIES[name]
        host = urlsplit(study.base_url).netloc
        # else a loopback base replaces every real base alike: the studies' paths never collide
        base = str(bases[host]).rstrip("/") if host in bases else options.base(study.base_url)
        for release in study.releases:
            out.append(SourceRequest(source="ai_exposure", url=base + release.path,
                                     allowed_content_types=study.content_types,
                                     context={"study": name, "release": release.label}))
    return out
