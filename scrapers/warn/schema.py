"""The observations WARN notices give: one row per notice (a layoff event)."""

#: `layoff_headcount`: every notice (or those of the roles' warn_companies); `watchlist_layoff_headcount`:
#: a notice filed by a watch-list company (roles/watchlists/boards.yaml), under the watch-list's name
METRICS: dict[str, tuple[str, ...] | None] = {"layoff_headcount": ("count",), "watchlist_layoff_headcount": ("count",)}
BANDS = {"layoff_headcount": (0, 1_000_000, True), "watchlist_layoff_headcount": (0, 1_000_000, True)}
HOSTS = {"raw.githubusercontent.com": (0.5, 21600.0)}
