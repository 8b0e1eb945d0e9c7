"""ONS UK consumer prices (CPI D7BT, CPIH L55O): the deflator that makes UK real wage growth real."""

from pathlib import Path

from scrapers.base import Simulation, Source
from scrapers.ons import schema, settings, simulated
from scrapers.ons.fetch import requests_for
from scrapers.ons.parse import parse, sniff

SOURCE = Source(
    name="ons",
    licence="Open Government Licence v3.0",
    attribution="Office for National Statistics (ONS), licensed under the Open Government Licence v3.0",
    homepage="https://www.ons.gov.uk/economy/inflationandpriceindices",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="Office for National Statistics",
    credit_line="Source: Office for National Statistics licensed under the Open Government Licence v3.0",
    licence_url="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    aliases=("ons", "office for national statistics"),
    metrics=schema.METRICS,
    bands=schema.BANDS,
    hosts=settings.HOSTS,
    samples=Path(__file__).resolve().parent / "samples",
    sniff=sniff,
    simulation=Simulation(respond=simulated.respond, paths=simulated.paths),
)

__all__ = ["SOURCE", "parse", "requests_for", "sniff"]
