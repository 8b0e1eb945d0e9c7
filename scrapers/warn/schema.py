"""The observations WARN notices give: one row per notice (a layoff event)."""

METRICS: dict[str, tuple[str, ...] | None] = {"layoff_headcount": ("count",)}
BANDS = {"layoff_headcount": (0, 1_000_000, True)}
HOSTS = {"raw.githubusercontent.com": (0.5, 21600.0)}
