"""The observations a job board gives: the board's open postings, each posting, posted pay."""

#: `board_open_postings`: postings listed tonight (null for an empty list: never a zero);
#: `board_posting`: one row per listed posting (period_start = its published date, period_end =
#: the night), so first-seen / last-seen and openings / closings are measurable;
#: `posting_salary_min/max`: the posted range where the ATS carries one (Lever, Ashby).
PAY_UNITS = ("USD/year", "GBP/year", "EUR/year", "CAD/year", "AUD/year", "USD/hour", "GBP/hour", "EUR/hour",
             "CAD/hour", "AUD/hour")
METRICS: dict[str, tuple[str, ...] | None] = {
    "board_open_postings": ("count",),
    "board_posting": ("count",),
    "posting_salary_min": PAY_UNITS,
    "posting_salary_max": PAY_UNITS,
}
BANDS = {"board_open_postings": (1, 100_000, True), "board_posting": (1, 1, True),
         "posting_salary_min": (1, 10_000_000, False), "posting_salary_max": (1, 10_000_000, False)}
