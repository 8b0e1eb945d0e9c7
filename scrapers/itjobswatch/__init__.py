"""IT Jobs Watch (UK): per-role postings and salary for 3 periods, from server-rendered HTML."""

from scrapers.base import Source
from scrapers.itjobswatch import schema
from scrapers.itjobswatch.lookup import LOOKUP
from scrapers.itjobswatch import settings
from scrapers.itjobswatch.fetch import requests_for
from scrapers.itjobswatch.parse import parse

SOURCE = Source(
    name="itjobswatch",
    licence="CC BY-NC-SA 4.0 (non-commercial, share-alike)",
    attribution="Source: IT Jobs Watch",
    homepage="https://www.itjobswatch.co.uk/",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="IT Jobs Watch",
    credit_line="Source: IT Jobs Watch (CC BY-NC-SA 4.0)",
    licence_url="https://creativecommons.org/licenses/by-nc-sa/4.0/",
    aliases=("it jobs watch", "itjobswatch"),
    lookup=LOOKUP,
    metrics=schema.METRICS,
    hosts=schema.HOSTS,
)

__all__ = ["SOURCE", "parse", "requests_for"]
