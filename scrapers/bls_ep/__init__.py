"""BLS Employment Projections (US public domain): per SOC and vintage, base and projected
employment, % change, openings, and the factors BLS names per occupation."""

from dataclasses import fields
from pathlib import Path

from scrapers.base import Simulation, Source
from scrapers.bls_ep import schema, settings, simulated
from scrapers.bls_ep.fetch import requests_for
from scrapers.bls_ep.lookup import LOOKUP
from scrapers.bls_ep.parse import parse

SAMPLES = Path(__file__).resolve().parent / "samples"
#: The registry contract's declarations (scrapers/README.md on the `sources` branch). Handed to
#: `Source` as far as it already has the fields, so the package is registered by one line.
DECLARATIONS = {"lookup": LOOKUP, "metrics": schema.METRICS, "bands": schema.BANDS, "hosts": schema.HOSTS,
                "samples": SAMPLES, "simulation": Simulation(respond=simulated.respond, paths=simulated.paths)}

SOURCE = Source(
    name="bls_ep",
    licence="US public domain",
    attribution="U.S. Bureau of Labor Statistics, Employment Projections program",
    homepage="https://www.bls.gov/emp/",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="BLS Employment Projections",
    credit_line="Source: U.S. Bureau of Labor Statistics, Employment Projections (US public domain)",
    aliases=("employment projections", "bls projections", "bls ep"),
    **{k: v for k, v in DECLARATIONS.items() if k in {f.name for f in fields(Source)}},
)

__all__ = ["SOURCE", "parse", "requests_for"]
