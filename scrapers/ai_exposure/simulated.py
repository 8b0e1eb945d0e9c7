"""The exposure studies' double for the simulator (`sim/`): every declared release of every
study at its pinned path, in the study's own columns (CSV; the Felten workbooks as the CSV of
their sheet), one row per synthetic role's occupation. GitHub-hosted studies answer on
raw.githubusercontent.com, the Anthropic Economic Index on huggingface.co.

Content faults: ``layout`` (the code column renamed), ``implausible`` (every score x50, beyond
its declared band).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapers.ai_exposure import settings as S
from scrapers.base import SimRequest
from scrapers.occupations import role_socs

#: the column header each study's file carries for its code and each measure (the patterns'
#: literal spellings; GPTs-are-GPTs escapes the * of "O*NET")
_CODE_HEADER = {"soc": "SOC Code", "onet_soc": "O*NET-SOC Code", "soc2010": "SOC Code"}


def _host(study: S.Study) -> str:
    return urlsplit(study.base_url).netloc


def paths(lookups: Sequence[Mapping[str, Any]], seed: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for study in S.STUDIES.values():
        out.setdefault(_host(study), []).extend(r.path for r in study.releases)
    return out


def options(host_urls: Mapping[str, str]) -> dict[str, Any]:
    return {"bases": {host: url for host, url in host_urls.items() if host in {_host(s) for s in S.STUDIES.values()}}}


def _code(study: S.Study, soc: str) -> str:
    return f"{soc}.00" if study.code_system == "onet_soc" else soc


def _table(req: SimRequest, study: S.Study, release: S.Release) -> str:
    code = "occupation" if "layout" in req.faults else (
        "occ_code" if study.code_column == "occ_code" else _CODE_HEADER[study.code_system])
    measures = [pattern.replace("\\", "") for pattern, _, _ in study.measures]
    lines = [",".join([code, "title", *measures])]
    scale = 50 if "implausible" in req.faults else 1
    for soc in role_socs(req.lookups):
        r = random.Random(f"{req.seed}|ai_exposure|{study.name}|{release.label}|{soc}|{req.epoch}")
        values = [round(r.uniform(-2, 1.5) if unit == "index" else r.random(), 6) * scale
                  for _, _, unit in study.measures]
        lines.append(",".join([_code(study, soc), f'"Sim occupation {soc}"', *map(str, values)]))
    return "\n".join(lines) + "\n"


def respond(req: SimRequest) -> tuple[bytes, str] | None:
    path = urlsplit(req.path).path
    for study in S.STUDIES.values():
        for release in study.releases:
            if path.endswith(release.path):  # a loopback prefix may lead
                return _table(req, study, release).encode(), "text/csv; charset=utf-8"
    return None
