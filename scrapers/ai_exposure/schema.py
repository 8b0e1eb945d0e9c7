"""The observations the exposure studies give: one metric per published measure."""

from scrapers.ai_exposure.settings import STUDIES

METRICS: dict[str, tuple[str, ...] | None] = {metric: (unit,) for study in STUDIES.values()
                                              for _, metric, unit in study.measures}
#: shares are 0..1; the AIOE scores are standardised (-2.7 .. +1.5 published)
BANDS = {metric: ((0, 1, False) if unit == "fraction" else (-10, 10, False)) for metric, (unit,) in METRICS.items()}
HOSTS = {"raw.githubusercontent.com": (0.5, 7 * 86400.0), "huggingface.co": (1.0, 7 * 86400.0)}
