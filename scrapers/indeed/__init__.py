"""Indeed Hiring Lab (CC BY 4.0): postings indices by country and sector, AI share, posted wages."""

from scrapers.base import Source
from scrapers.indeed import schema
from scrapers.indeed.lookup import LOOKUP
from scrapers.indeed import settings
from scrapers.indeed.fetch import requests_for
from scrapers.indeed.parse import parse

SOURCE = Source(
    name="indeed",
    licence="CC BY 4.0",
    attribution="Indeed Hiring Lab",
    homepage="https://www.hiringlab.org/",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="Indeed Hiring Lab",
    credit_line="Source: Indeed Hiring Lab (CC BY 4.0)",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    aliases=("indeed hiring lab", "indeed"),
    lookup=LOOKUP,
    metrics=schema.METRICS,
    hosts=schema.HOSTS,
)

__all__ = ["SOURCE", "parse", "requests_for"]
