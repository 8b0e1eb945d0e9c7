"""OEWS national files (US public domain), one per May reference year: URLs, columns, codes."""

from __future__ import annotations

BASE_URL = "https://www.bls.gov"
#: oesm24nat.zip holds oesm24nat/national_M2024_dl.xlsx (the pattern of the member names is
#: seen in real copies; the archive path is BLS's special-requests folder)
PATH = "/oes/special-requests/oesm{yy}nat.zip"
ALLOWED_CONTENT_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv",
                         "text/plain")
#: a national zip is a few MB; a year's file never changes once published
MAX_BYTES = 40_000_000
#: 2020 used the hybrid SOC (15-1256 instead of 15-1252), so the clean 2018-SOC history starts in 2021
FIRST_YEAR = 2021
#: May estimates are released about April of the next year; asked for from May on, so a late
#: release is not a failed night
RELEASE_MONTH = 5
REFERENCE_MONTH = 5

WORKBOOK_MEMBER = r"(.*/)?national_M(\d{4})_dl\.xlsx"
YEAR_IN_NAME = (r"national_M(\d{4})_dl", r"oesm(\d{2})nat")

REQUIRED = ("OCC_CODE", "OCC_TITLE", "O_GROUP", "TOT_EMP", "A_MEDIAN")
#: column -> (metric, unit); the metric names are the BLS API source's, so both read the same
MEASURES = {
    "TOT_EMP": ("oews_employment", "count"),
    "A_MEAN": ("oews_annual_mean", "USD/year"),
    "A_PCT10": ("oews_annual_p10", "USD/year"),
    "A_PCT25": ("oews_annual_p25", "USD/year"),
    "A_MEDIAN": ("oews_annual_median", "USD/year"),
    "A_PCT75": ("oews_annual_p75", "USD/year"),
    "A_PCT90": ("oews_annual_p90", "USD/year"),
    "H_MEAN": ("oews_hourly_mean", "USD/hour"),
    "H_MEDIAN": ("oews_hourly_median", "USD/hour"),
}
#: the BLS API's data type code for each column, so a row names the API series it matches
API_DATATYPES = {"TOT_EMP": "01", "H_MEAN": "03", "A_MEAN": "04", "H_MEDIAN": "08", "A_PCT10": "11",
                 "A_PCT25": "12", "A_MEDIAN": "13", "A_PCT75": "14", "A_PCT90": "15"}
#: OEWS placeholders: every one is "no value", never a number
PLACEHOLDERS = {
    "*": "not available",
    "**": "employment estimate not available",
    "#": "top-coded: at or above the published ceiling ($115.00/hour or $239,200/year in 2024)",
    "~": "less than 0.5 percent",
}
SOC = r"\d{2}-\d{4}"
CROSS_INDUSTRY = "000000"
