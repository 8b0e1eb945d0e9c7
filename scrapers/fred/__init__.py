"""FRED (St. Louis Fed) keyless CSV downloads: CPI, average hourly earnings, JOLTS openings."""

from scrapers.base import Source
from scrapers.fred import schema
from scrapers.fred.lookup import LOOKUP
from scrapers.fred import settings
from scrapers.fred.fetch import requests_for
from scrapers.fred.parse import parse

SOURCE = Source(
    name="fred",
    licence="US public domain (BLS series); FRED asks for attribution",
    attribution="Federal Reserve Bank of St. Louis, FRED; series from U.S. Bureau of Labor Statistics",
    homepage="https://fred.stlouisfed.org/",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="FRED, Federal Reserve Bank of St. Louis",
    credit_line="Source: FRED, Federal Reserve Bank of St. Louis (series from US public-domain sources)",
    aliases=("fred", "federal reserve bank of st. louis"),
    lookup=LOOKUP,
    metrics=schema.METRICS,
    hosts=schema.HOSTS,
)

__all__ = ["SOURCE", "parse", "requests_for"]
