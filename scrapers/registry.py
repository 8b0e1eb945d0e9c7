"""Every source the nightly run knows, by name: the one line a new source adds is here.

Everything that needs to know about a source reads its `SOURCE` descriptor through this module
(the catalogue's lookup keys, the observation vocabularies, politeness per host, the demo's sample
server, the simulator, the site's credits, `jobzone source list`/`parse`). See scrapers/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.catalogue import declare_lookup
from scrapers.base import UNITS, ScraperError, Source
from scrapers.http_settings import declare_hosts
from scrapers.bls import SOURCE as BLS
from scrapers.boards import SOURCE as BOARDS
from scrapers.claims import SOURCE as CLAIMS
from scrapers.fred import SOURCE as FRED
from scrapers.indeed import SOURCE as INDEED
from scrapers.itjobswatch import SOURCE as ITJOBSWATCH
from scrapers.layoffs import SOURCE as LAYOFFS
from scrapers.ons import SOURCE as ONS
from scrapers.warn import SOURCE as WARN
from scrapers.hn import SOURCE as HN
from scrapers.bls_ep import SOURCE as BLS_EP
from scrapers.oews import SOURCE as OEWS
from scrapers.ai_exposure import SOURCE as AI_EXPOSURE

SOURCES: dict[str, Source] = {s.name: s for s in (ITJOBSWATCH, INDEED, BLS, FRED, LAYOFFS, WARN, CLAIMS, BOARDS, ONS, HN, BLS_EP,
                                                 OEWS, AI_EXPOSURE)}

for _source in SOURCES.values():  # core sits below the scrapers: the keys are handed down
    declare_lookup(_source.name, _source.lookup)


def _declare_hosts() -> None:
    declare_hosts(*host_politeness())


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise ScraperError(f"unknown source {name!r}; known: {sorted(SOURCES)}") from None


def metric_vocabulary() -> dict[str, dict[str, tuple[str, ...] | None]]:
    """source -> {metric: allowed units or None}, as each source declares it."""
    return {name: dict(s.metrics) for name, s in SOURCES.items()}


def units() -> tuple[str, ...]:
    """The shared units plus every source's own."""
    return tuple(dict.fromkeys([*UNITS, *(u for s in SOURCES.values() for u in s.units)]))


def host_politeness() -> tuple[dict[str, float], dict[str, float]]:
    """(seconds between requests, recheck_after seconds) per real host; two sources on one host:
    the more patient interval and the shorter freshness win."""
    intervals: dict[str, float] = {}
    recheck: dict[str, float] = {}
    for source in SOURCES.values():
        for host, (interval, fresh) in source.hosts.items():
            intervals[host] = max(intervals.get(host, 0.0), float(interval))
            recheck[host] = min(recheck.get(host, float(fresh)), float(fresh))
    return intervals, recheck


def sample_dirs() -> dict[str, Path]:
    """source -> its package's samples directory (sources still in scrapers/samples/ have none)."""
    return {name: s.samples for name, s in SOURCES.items() if s.samples is not None}


def catalogue_options(catalogue_dir: Path | str) -> dict[str, dict[str, Any]]:
    """The per-source options naming files that travel with a catalogue directory."""
    return {name: {key: str(Path(catalogue_dir) / rel) for key, rel in s.catalogue_files.items()}
            for name, s in SOURCES.items() if s.catalogue_files}


def sniff(name: str, body: bytes, filename: str) -> Mapping[str, Any]:
    """The parse context a saved file implies for `name` (empty when the source declares no sniff)."""
    source = get_source(name)
    return dict(source.sniff(body, filename)) if source.sniff is not None else {}


_declare_hosts()
