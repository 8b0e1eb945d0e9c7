"""Every source the nightly run knows, by name."""

from __future__ import annotations

from scrapers.base import ScraperError, Source
from scrapers.bls import SOURCE as BLS
from scrapers.claims import SOURCE as CLAIMS
from scrapers.fred import SOURCE as FRED
from scrapers.indeed import SOURCE as INDEED
from scrapers.itjobswatch import SOURCE as ITJOBSWATCH
from scrapers.layoffs import SOURCE as LAYOFFS
from scrapers.warn import SOURCE as WARN

SOURCES: dict[str, Source] = {s.name: s for s in (ITJOBSWATCH, INDEED, BLS, FRED, LAYOFFS, WARN, CLAIMS)}

# Later sources slot in with the same package shape (settings.py, fetch.py, parse.py, SOURCE):
#   - greenhouse / lever / ashby: public job-board JSON for a company watch-list (hiring counts)
#   - pypistats / github: AI-tool adoption (downloads, stars); both need our own nightly history


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise ScraperError(f"unknown source {name!r}; known: {sorted(SOURCES)}") from None
