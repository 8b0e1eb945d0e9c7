"""OEWS national files by year (US public domain): employment and wages per SOC, so wage growth
per occupation exists without a year of our own snapshots."""

from scrapers.base import Source
from scrapers.oews import settings
from scrapers.oews.fetch import requests_for
from scrapers.oews.parse import parse

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
)

__all__ = ["SOURCE", "parse", "requests_for"]
