"""The exposure studies' double for the simulator (`sim/`): every declared release of every
study at its pinned path, in the study's own columns (CSV; the Felten workbooks as the CSV of
their sheet), one row per synthetic role's occupation plus synthetic occupations of other SOC
groups up to a full release's size (`FULL_RELEASE`). GitHub-hosted studies answer on
raw.githubusercontent.com, the Anthropic Economic Index on huggingface.co.

Why the filler: a real release ranks every occupation it covers (~750-900 detailed ones), and
the exposure metric rightly refuses a release ranking fewer than the rubric's `min_sample` (an
excerpt of one SOC group says nothing about all occupations). A double serving only a small
world's roles was such an excerpt, so no rubric-v2 night under ~300 roles had an exposure rank.

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
#: occupations in a simulated release (the 2018 SOC has ~830 detailed occupations; the real files
#: rank 750-900): the roles' own, then filler, so a world of any size is ranked among a full set
FULL_RELEASE = 800
#: SOC major groups of the filler occupations: every one but 15 (computer and mathematical), where
#: the synthetic roles' codes live (`sim.catalogue_gen`: 15-1001, 15-1002, ...), so none collides
_FILLER_MAJORS = ("11", "13", "17", "19", "21", "23", "25", "27", "29", "31", "33", "35", "37", "39", "41", "43",
                  "45", "47", "49", "51", "53")


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


def occupations(socs: Sequence[str], size: int = FULL_RELEASE) -> list[str]:
    """The roles' SOCs, then filler SOCs of other major groups, `size` in all (or every role's)."""
    out = list(socs)
    for k in range(max(0, size - len(out))):
        major = _FILLER_MAJORS[k % len(_FILLER_MAJORS)]
        out.append(f"{major}-{1011 + k // len(_FILLER_MAJORS):04d}")
    return out


def _table(req: SimRequest, study: S.Study, release: S.Release) -> str:
    code = "occupation" if "layout" in req.faults else (
        "occ_code" if study.code_column == "occ_code" else _CODE_HEADER[study.code_system])
    measures = [pattern.replace("\\", "") for pattern, _, _ in study.measures]
    lines = [",".join([code, "title", *measures])]
    scale = 50 if "implausible" in req.faults else 1
    for soc in occupations(role_socs(req.lookups)):
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
