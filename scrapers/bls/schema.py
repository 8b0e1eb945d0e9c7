"""The observations the BLS API gives: CPI and OEWS (an open family, `oews_*`)."""

METRICS: dict[str, tuple[str, ...] | None] = {"cpi_index": ("index",), "cpi_yoy_pct": ("pct",)}
METRIC_PATTERN = r"^oews_[a-z0-9_]+$"
HOSTS = {"api.bls.gov": (1.0, 43200.0)}
