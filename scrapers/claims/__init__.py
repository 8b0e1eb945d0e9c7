"""Expert consensus: hand-entered, reviewed claims (``roles/expert-claims.yaml``), validated."""

from scrapers.base import Source
from scrapers.claims import settings
from scrapers.claims.fetch import requests_for
from scrapers.claims.parse import load_claims, parse
from scrapers.claims.schema import ClaimsFile, ExpertClaim

SOURCE = Source(
    name="claims",
    licence="Project-curated citations (each claim keeps its own source_url)",
    attribution="See each claim's source_url",
    homepage="",
    allowed_content_types=settings.ALLOWED_CONTENT_TYPES,
    requests_for=requests_for,
    parse=parse,
    display_name="Curated expert claims",
    credit_line="Source: curated expert claims (each cited)",
    aliases=(),
    metrics={"expert_claim": ("direction",)},
    catalogue_files={"path": "expert-claims.yaml"},
)

__all__ = ["SOURCE", "ClaimsFile", "ExpertClaim", "load_claims", "parse", "requests_for"]
