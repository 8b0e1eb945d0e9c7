"""The observations the Hiring Lab CSVs give."""

METRICS: dict[str, tuple[str, ...] | None] = {
    "postings_index": ("index",), "new_postings_index": ("index",),
    "sector_postings_index": ("index",), "sector_new_postings_index": ("index",),
    "posted_wage_growth_yoy": ("fraction",), "ai_share_postings": ("pct",),
}
HOSTS = {"raw.githubusercontent.com": (0.5, 21600.0)}  # CSVs change weekly, the trackers monthly
