"""The observations the layoffs.fyi mirror gives: one row per event."""

METRICS: dict[str, tuple[str, ...] | None] = {"layoff_headcount": ("count",)}
BANDS = {"layoff_headcount": (0, 1_000_000, True)}
