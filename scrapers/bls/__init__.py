"""US BLS Public Data API v2 (public domain): OEWS wages per occupation, CPI."""

from scrapers.base import Source
from scrapers.bls import schema
from scrapers.bls.lookup import LOOKUP
from scrapers.bls import settings
from scrapers.bls.fetch import requests_for
from scrapers.bls.parse import parse

SOURCE = Source(
    name="bls",
    licence="US public domain",
    attribution="U.S. Bureau of Labor Statistics",
    homepage="https://www.bls.gov/developers/",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="U.S. Bureau of Labor Statistics",
    credit_line="Source: U.S. Bureau of Labor Statistics (US public domain)",
    aliases=("bls", "bureau of labor statistics", "oews"),
    lookup=LOOKUP,
    metrics=schema.METRICS,
    metric_pattern=schema.METRIC_PATTERN,
    hosts=schema.HOSTS,
)

__all__ = ["SOURCE", "parse", "requests_for"]
