"""layoffs.fyi tech layoffs, via the Kaggle mirror CSV (ODbL)."""

from scrapers.base import Source
from scrapers.layoffs import schema
from scrapers.layoffs.lookup import LOOKUP
from scrapers.layoffs import settings
from scrapers.layoffs.fetch import requests_for
from scrapers.layoffs.parse import parse

SOURCE = Source(
    name="layoffs",
    licence="ODbL (Kaggle dataset swaptr/layoffs-2022)",
    attribution="layoffs.fyi, via the Kaggle dataset swaptr/layoffs-2022",
    homepage="https://layoffs.fyi/",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="layoffs.fyi (Kaggle mirror)",
    credit_line="Source: layoffs.fyi via Kaggle (ODbL)",
    aliases=("layoffs.fyi",),
    lookup=LOOKUP,
    metrics=schema.METRICS,
    bands=schema.BANDS,
    base_is_location=True,
)

__all__ = ["SOURCE", "parse", "requests_for"]
