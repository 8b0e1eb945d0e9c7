"""HN "Ask HN: Who is hiring?" (Algolia HN Search API): monthly job posts, and per role the count
and share of posts matching its patterns, with the comment ids counted."""

from dataclasses import fields

from scrapers.base import Simulation, Source, StoredRead
from scrapers.hn import schema, settings, simulated
from scrapers.hn.fetch import STORED_METRICS, requests_for, stored_state
from scrapers.hn.lookup import LOOKUP
from scrapers.hn.parse import parse
from scrapers.hn.sample_check import SAMPLE_CHECK

SAMPLES = settings.SAMPLES
#: The registry contract's declarations (scrapers/README.md on the `sources` branch). Handed to
#: `Source` as far as it already has the fields, so the package is registered by one line.
DECLARATIONS = {"lookup": LOOKUP, "metrics": schema.METRICS, "bands": schema.BANDS, "hosts": schema.HOSTS,
                "samples": SAMPLES}

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
    # which threads are known and when each was counted: without it every night would ask for
    # the whole thread list again and never count a post
    sample_check=SAMPLE_CHECK,
    stored=StoredRead(metrics=STORED_METRICS, state=stored_state),
    simulation=Simulation(respond=simulated.respond, paths=simulated.paths, lookup=simulated.lookup),
    **{k: v for k, v in DECLARATIONS.items() if k in {f.name for f in fields(Source)}},
)

__all__ = ["SOURCE", "parse", "requests_for"]
