"""ONS UK consumer prices through the ONS website's CSV generator (the API it replaced, the old
`api.ons.gov.uk/timeseries/...`, was retired on 25 Nov 2024)."""

from __future__ import annotations

from scrapers.http import CSV_CONTENT_TYPES

BASE_URL = "https://www.ons.gov.uk"
PATH = "/generator?format=csv&uri=/economy/inflationandpriceindices/timeseries/{cdid}/{dataset}"
ALLOWED_CONTENT_TYPES = CSV_CONTENT_TYPES
#: D7BT, the CPI index (2015=100), is what the real-wage metrics deflate with (a year-on-year
#: change of an index, like FRED's CPIAUCSL). CPIH's rate L55O (and the CPIH index L522, the CPI
#: rate D7G7) are read the same way when asked for: [sources.ons] series = ["D7BT", "L55O"]. L55O
#: is not asked by default only because no real copy of it is bundled, so the offline demo could
#: not serve it (it would be a 404 every demo night).
DEFAULT_SERIES: tuple[str, ...] = ("D7BT",)
#: CDID -> (dataset, metric, unit)
SERIES = {
    "D7BT": ("mm23", "cpi_index", "index"),
    "D7G7": ("mm23", "cpi_yoy_pct", "pct"),
    "L522": ("mm23", "cpih_index", "index"),
    "L55O": ("mm23", "cpih_yoy_pct", "pct"),
}
#: the metadata rows above the observations, by their first cell
META_ROWS = ("Title", "CDID", "Source dataset ID", "PreUnit", "Unit", "Release date", "Next release",
             "Important notes")
NULL_CELLS = frozenset({"", "..", "x", "-"})
MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                      "NOV", "DEC"), start=1)}
#: ONS publishes monthly and releases about the middle of the next month: recheck after 12 h
HOSTS = {"www.ons.gov.uk": (1.0, 43200.0)}
