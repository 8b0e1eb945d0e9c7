"""The observations an OEWS national file gives (the BLS API source's metric names)."""

from scrapers.oews.settings import MEASURES

METRICS: dict[str, tuple[str, ...] | None] = {metric: (unit,) for metric, unit in MEASURES.values()}
BANDS = {**{metric: (0, 1_000_000, False) for metric, unit in MEASURES.values() if unit == "USD/year"},
         **{metric: (0, 500, False) for metric, unit in MEASURES.values() if unit == "USD/hour"},
         "oews_employment": (0, 250_000_000, True)}
#: a May year's file never changes once out; bls.gov wants a contact in the User-Agent
HOSTS = {"www.bls.gov": (2.0, 7 * 86400.0)}
