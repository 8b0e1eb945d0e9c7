"""Indeed Hiring Lab CSVs (CC BY 4.0): URLs, expected columns, metric names."""

from __future__ import annotations

from scrapers.http import CSV_CONTENT_TYPES

#: all three Hiring Lab repos hang off this base; override it for the loopback demo
BASE_URL = "https://raw.githubusercontent.com/hiring-lab"
PATHS = {
    "aggregate": "/job_postings_tracker/master/{cc}/aggregate_job_postings_{cc}.csv",
    "sector": "/job_postings_tracker/master/{cc}/job_postings_by_sector_{cc}.csv",
    "ai_share": "/ai-tracker/main/AI_posting.csv",
    "wage_growth": "/indeed-wage-tracker/main/posted-wage-growth-by-country.csv",
}
ALLOWED_CONTENT_TYPES = CSV_CONTENT_TYPES
# Indeed's country codes are ISO-2 (GB, not UK): core.geography.country_code maps ours onto them.

COLUMNS = {
    "aggregate": ("date", "jobcountry", "indeed_job_postings_index_SA", "variable"),
    "sector": ("date", "jobcountry", "indeed_job_postings_index", "variable", "display_name"),
    "ai_share": ("date", "jobcountry", "AI_share_postings"),
    "wage_growth": ("jobcountry", "month", "posted_wage_growth_yoy"),
}
#: variable -> (metric, series suffix)
AGGREGATE_METRICS = {"total postings": ("postings_index", "total"), "new postings": ("new_postings_index", "new")}
SECTOR_METRICS = {"total postings": ("sector_postings_index", "total"),
                  "new postings": ("sector_new_postings_index", "new")}
NULL_CELLS = frozenset({"", "NA", "N/A", "NaN", "nan", "."})
MONTH_FORMAT = "%b-%y"  # Apr-26
