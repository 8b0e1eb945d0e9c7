"""Occupation AI exposure and usage studies (Microsoft, OpenAI GPTs-are-GPTs, Felten AIOE,
Anthropic Economic Index): each study its own series, every release kept, keyed by SOC."""

from scrapers.ai_exposure import settings
from scrapers.ai_exposure.fetch import requests_for
from scrapers.ai_exposure.parse import parse
from scrapers.base import Source

SOURCE = Source(
    name="ai_exposure",
    licence="per study: CC BY 4.0 (Microsoft, Felten et al.), MIT (OpenAI), CC BY / MIT (Anthropic)",
    attribution="; ".join(s.citation for s in settings.STUDIES.values()),
    homepage="https://github.com/microsoft/working-with-ai",
    allowed_content_types=tuple(dict.fromkeys(t for s in settings.STUDIES.values() for t in s.content_types)),
    requests_for=requests_for,
    parse=parse,
    display_name="Occupation AI exposure studies",
    credit_line="Sources: Microsoft Working with AI (CC BY 4.0); Eloundou et al., GPTs are GPTs (MIT); "
                "Felten, Raj & Seamans AIOE (CC BY 4.0); Anthropic Economic Index",
    aliases=("ai applicability", "gpts are gpts", "aioe", "anthropic economic index", "observed exposure"),
)

__all__ = ["SOURCE", "parse", "requests_for"]
