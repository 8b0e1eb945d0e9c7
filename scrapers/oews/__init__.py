"""OEWS national files by year (US public domain): employment and wages per SOC, so wage growth
per occupation exists without a year of our own snapshots."""

from dataclasses import fields
from pathlib import Path

from scrapers.base import Simulation, Source
from scrapers.oews import schema, settings, simulated
from scrapers.oews.fetch import requests_for
from scrapers.oews.lookup import LOOKUP
from scrapers.oews.parse import parse, sniff

SAMPLES = Path(__file__).resolve().parent / "samples"
#: The registry contract's declarations (scrapers/README.md on the `sources` branch). Handed to
#: `Source` as far as it already has the fields, so the package is registered by one line.
DECLARATIONS = {"lookup": LOOKUP, "metrics": schema.METRICS, "bands": schema.BANDS, "hosts": schema.HOSTS,
                "samples": SAMPLES, "sniff": sniff,
                "simulation": Simulation(respond=simulated.respond, paths=simulated.paths)}

SOURCE = Source(
    name="oews",
    licence="US public domain",
    attribution="U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics",
    homepage="https://www.bls.gov/oes/tables.htm",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="BLS Occupational Employment and Wage Statistics",
    credit_line="Source: U.S. Bureau of Labor Statistics, OEWS (US public domain)",
    aliases=("oews", "occupational employment and wage statistics"),
    **{k: v for k, v in DECLARATIONS.items() if k in {f.name for f in fields(Source)}},
)

__all__ = ["SOURCE", "parse", "requests_for"]
