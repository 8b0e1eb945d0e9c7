"""US BLS Public Data API v2: endpoint, batch limits, series-id decoding tables."""

from __future__ import annotations

import re

BASE_URL = "https://api.bls.gov"
PATH = "/publicAPI/v2/timeseries/data/"
ALLOWED_CONTENT_TYPES = ("application/json", "text/json", "text/plain")
API_KEY_ENV = "BLS_API_KEY"
#: documented limits: v2 with a key 50 series/query and 20 years; without a key 25 and 10
MAX_SERIES = {True: 50, False: 25}
MAX_YEARS = {True: 20, False: 10}
DEFAULT_YEARS = 3
#: series fetched whatever the roles say (CPI-U, not seasonally adjusted, US city average)
DEFAULT_EXTRA_SERIES: tuple[str, ...] = ("CUUR0000SA0",)

OK_STATUS = "REQUEST_SUCCEEDED"
QUOTA_STATUS = "REQUEST_NOT_PROCESSED"
TOP_CODED_FOOTNOTE = "5"
NULL_VALUES = frozenset({"-", "", "(NA)", "N/A"})

#: OEWS id = OEU + area type (N/S/M) + 7-digit area + 6-digit industry + 6-digit SOC + 2-digit datatype
OEWS_ID = re.compile(r"^OEU(?P<area_type>[NSM])(?P<area>\d{7})(?P<industry>\d{6})(?P<soc>\d{6})(?P<datatype>\d{2})$")
OEWS_DATATYPES = {
    "01": ("oews_employment", "count"),
    "03": ("oews_hourly_mean", "USD/hour"),
    "04": ("oews_annual_mean", "USD/year"),
    "08": ("oews_hourly_median", "USD/hour"),
    "11": ("oews_annual_p10", "USD/year"),
    "12": ("oews_annual_p25", "USD/year"),
    "13": ("oews_annual_median", "USD/year"),
    "14": ("oews_annual_p75", "USD/year"),
    "15": ("oews_annual_p90", "USD/year"),
}
#: other series families by id prefix: (level metric, unit, yoy metric from pct_changes["12"])
PREFIX_METRICS = {
    "CUU": ("cpi_index", "index", "cpi_yoy_pct"),
    "CUS": ("cpi_index", "index", "cpi_yoy_pct"),
    "CWU": ("cpi_index", "index", "cpi_yoy_pct"),
    "CWS": ("cpi_index", "index", "cpi_yoy_pct"),
    # CPI average prices (e.g. APU0000701111 flour, the v2 envelope sample): a price, not an index
    "APU": ("cpi_avg_price", "USD", "cpi_yoy_pct"),
    "CES": ("avg_hourly_earnings", "USD/hour", None),
}

STATE_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
    "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
    "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT",
    "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
    "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT",
    "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY", "66": "GU", "72": "PR", "78": "VI",
}
#: OEWS annual estimates are for May of the reference year
OEWS_REFERENCE_MONTH = 5
