"""BLS Employment Projections (US public domain): per SOC and vintage, base and projected
employment, % change, openings, and the factors BLS names per occupation."""

from scrapers.base import Source
from scrapers.bls_ep import settings
from scrapers.bls_ep.fetch import requests_for
from scrapers.bls_ep.parse import parse

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
)

__all__ = ["SOURCE", "parse", "requests_for"]
