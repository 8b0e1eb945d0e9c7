"""US WARN Act layoff notices (public records compiled by Big Local News)."""

from scrapers.base import Source
from scrapers.warn import schema
from scrapers.warn.lookup import LOOKUP
from scrapers.warn import settings
from scrapers.warn.fetch import requests_for
from scrapers.warn.parse import parse

SOURCE = Source(
    name="warn",
    licence="Public records (US state WARN notices)",
    attribution="WARN Act notices compiled by Big Local News (Stanford)",
    homepage="https://github.com/biglocalnews/warn-github-flow",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="WARN notices (Big Local News)",
    credit_line="Source: WARN notices compiled by Big Local News (public records)",
    aliases=("warn notice", "big local news"),
    lookup=LOOKUP,
    metrics=schema.METRICS,
    bands=schema.BANDS,
    hosts=schema.HOSTS,
    base_is_location=True,
    catalogue_files={"watchlist": "watchlists/boards.yaml"},
)

__all__ = ["SOURCE", "parse", "requests_for"]
