"""The observations IT Jobs Watch pages give (ARCHITECTURE.md "Metric vocabulary")."""

PAY = ("GBP/year", "GBP/day")
METRICS: dict[str, tuple[str, ...] | None] = {
    "postings": ("count",), "postings_share_pct": ("pct",), "rank": ("rank",),
    "salaries_quoted": ("count",), "median_salary": ("GBP/year",), "median_daily_rate": ("GBP/day",),
    "median_yoy_pct": ("pct",), "postings_yoy_pct": ("pct",),
    "salary_p10": PAY, "salary_p25": PAY, "salary_p75": PAY, "salary_p90": PAY, "median_salary_ex_london": PAY,
}
HOSTS = {"www.itjobswatch.co.uk": (2.0, 43200.0)}  # pages are recalculated daily: one request every 2 s
