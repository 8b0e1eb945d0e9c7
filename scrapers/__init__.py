"""Fetch + parse, one package per source; every parser returns the long observation format."""

# The registry hands every source's catalogue lookup keys down to core.catalogue on import, so
# any code that touches a scraper sees the full role model (see scrapers/README.md).
from scrapers import registry as _registry  # noqa: E402,F401
