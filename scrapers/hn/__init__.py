"""HN "Ask HN: Who is hiring?" (Algolia HN Search API): monthly job posts, and per role the count
and share of posts matching its patterns, with the comment ids counted."""

from scrapers.base import Source
from scrapers.hn import settings
from scrapers.hn.fetch import requests_for
from scrapers.hn.parse import parse

SOURCE = Source(
    name="hn",
    licence="HN content: no licence (© the posters / Y Combinator); counts only, no text republished",
    attribution="Hacker News \"Ask HN: Who is hiring?\" threads, via the Algolia HN Search API",
    homepage="https://hn.algolia.com/api",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="Hacker News Who is hiring?",
    credit_line="Source: counts of Hacker News \"Who is hiring?\" posts (via Algolia HN Search)",
    aliases=("hacker news", "who is hiring", "hn"),
)

__all__ = ["SOURCE", "parse", "requests_for"]
