"""Hiring boards: open postings per watched company from Greenhouse, Lever and Ashby public JSON.

One package with three readers, not three packages: the watch-list, the role title patterns,
the observation vocabulary and the matching are one concern; the ATSs differ only in URL and
JSON shape (`parse.READERS`). Each ATS host keeps its own politeness (`settings.HOSTS`).
"""

from scrapers.base import Simulation, Source
from scrapers.boards import schema, settings, simulated
from scrapers.boards.fetch import requests_for
from scrapers.boards.lookup import LOOKUP
from scrapers.boards.parse import parse, sniff
from scrapers.boards.sample_check import SAMPLE_CHECK

SOURCE = Source(
    name="boards",
    licence="Employers' public job boards (no data licence stated); counts and pay only, no posting text republished",
    attribution="Public job boards of the watched companies (Greenhouse, Lever, Ashby)",
    homepage="https://developers.greenhouse.io/job-board.html",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="Company job boards (Greenhouse, Lever, Ashby)",
    credit_line="Source: the watched companies' public job boards (Greenhouse, Lever, Ashby)",
    aliases=("job board", "greenhouse", "lever", "ashby"),
    lookup=LOOKUP,
    metrics=schema.METRICS,
    bands=schema.BANDS,
    units=schema.PAY_UNITS,
    hosts=settings.HOSTS,
    samples=settings.SAMPLES,
    catalogue_files={"watchlist": settings.WATCHLIST_FILE},
    sniff=sniff,
    sample_check=SAMPLE_CHECK,
    simulation=Simulation(respond=simulated.respond, paths=simulated.paths, lookup=simulated.lookup,
                          files=simulated.files, options=simulated.options),
)

__all__ = ["SOURCE", "parse", "requests_for", "sniff"]
