"""The observations FRED series give."""

METRICS: dict[str, tuple[str, ...] | None] = {"cpi_index": ("index",), "avg_hourly_earnings": None,
                                              "job_openings": None}
HOSTS = {"fred.stlouisfed.org": (1.0, 43200.0)}
