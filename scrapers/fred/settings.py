"""FRED keyless CSV download: URL, series -> metric, accepted headers."""

from __future__ import annotations

from scrapers.http import CSV_CONTENT_TYPES

BASE_URL = "https://fred.stlouisfed.org"
PATH = "/graph/fredgraph.csv?id={series_id}"
ALLOWED_CONTENT_TYPES = CSV_CONTENT_TYPES
DEFAULT_SERIES: tuple[str, ...] = ("CPIAUCSL", "AHETPI", "JTSJOL")

#: series id -> (metric, unit, geography, frequency, scale). JOLTS is published in thousands;
#: scale turns it into a plain count so the unit stays honest.
SERIES = {
    "CPIAUCSL": ("cpi_index", "index", "US", "monthly", 1.0),
    "AHETPI": ("avg_hourly_earnings", "USD/hour", "US", "monthly", 1.0),
    "JTSJOL": ("job_openings", "count", "US", "monthly", 1000.0),
    "GBRCPIALLMINMEI": ("cpi_index", "index", "GB", "monthly", 1.0),
}
UNKNOWN_SERIES = ("fred_value", "value", "US", "daily", 1.0)

#: date column names seen in the wild: the 2024+ header, the older one, and the `processed_*`
#: files of the sample repo (header `date,value`, the id is not in the file)
DATE_COLUMNS = ("observation_date", "DATE", "date")
NULL_CELLS = frozenset({"", ".", "NA", "#N/A"})
