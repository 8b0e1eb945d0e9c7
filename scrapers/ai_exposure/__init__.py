"""Occupation AI exposure and usage studies (Microsoft, OpenAI GPTs-are-GPTs, Felten AIOE,
Anthropic Economic Index): each study its own series, every release kept, keyed by SOC."""

from dataclasses import fields
from pathlib import Path

from scrapers.ai_exposure import schema, settings, simulated
from scrapers.ai_exposure.fetch import requests_for
from scrapers.ai_exposure.lookup import LOOKUP
from scrapers.ai_exposure.parse import parse
from scrapers.base import Simulation, Source

SAMPLES = Path(__file__).resolve().parent / "samples"
#: The registry contract's declarations (scrapers/README.md on the `sources` branch). Handed to
#: `Source` as far as it already has the fields, so the package is registered by one line.
DECLARATIONS = {"lookup": LOOKUP, "metrics": schema.METRICS, "bands": schema.BANDS, "hosts": schema.HOSTS,
                "samples": SAMPLES,
                "simulation": Simulation(respond=simulated.respond, paths=simulated.paths, options=simulated.options)}

SOURCE = Source(
    name="ai_exposure",
    licence="CC BY 4.0 (Microsoft, Felten et al.); MIT (OpenAI); CC BY or MIT (Anthropic)",
    attribution="Microsoft (Tomlinson et al. 2025); OpenAI (Eloundou et al. 2023); Felten, Raj & Seamans (2021, "
                "2023); Anthropic Economic Index",
    homepage="https://github.com/microsoft/working-with-ai",
    allowed_content_types=tuple(dict.fromkeys(t for s in settings.STUDIES.values() for t in s.content_types)),
    requests_for=requests_for,
    parse=parse,
    display_name="Occupation AI exposure studies",
    credit_line="Sources: Microsoft Working with AI (CC BY 4.0); Eloundou et al., GPTs are GPTs (MIT); "
                "Felten, Raj & Seamans AIOE (CC BY 4.0); Anthropic Economic Index",
    aliases=("ai applicability", "gpts are gpts", "aioe", "anthropic economic index", "observed exposure"),
    **{k: v for k, v in DECLARATIONS.items() if k in {f.name for f in fields(Source)}},
)

__all__ = ["SOURCE", "parse", "requests_for"]
