"""BLS Employment Projections (US public domain): the occupation workbook, its tables and labels."""

from __future__ import annotations

BASE_URL = "https://www.bls.gov"
#: the current release only; BLS replaces it every September with the next vintage
CURRENT_PATH = "/emp/ind-occ-matrix/occupation.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_CONTENT_TYPES = (XLSX, "application/octet-stream", "application/zip", "text/csv", "text/plain")
#: sheet-name patterns (whole name, case-insensitive)
PROJECTIONS_SHEET = r"Table 1\.2"
FACTORS_SHEET = r"Table 1\.12"

#: header regexes, matched on the normalised cell (dashes plain, footnote marks dropped): the
#: years in the headers change every release ("Employment, 2023" then "Employment, 2024")
CODE = r".*National Employment Matrix (occupation )?code"
TITLE = r".*National Employment Matrix (occupation )?title"
OCC_TYPE = r"Occupation type"
EMPLOYMENT = r"Employment, (\d{4})"
CHANGE_COUNT = r"Employment change, numeric, .*"
CHANGE_PCT = r"Employment change, percent, .*"
OPENINGS = r"Occupational openings, .*annual average"
MEDIAN_WAGE = r"Median annual wage, dollars, \d{4}"
INDUSTRY = r".*National Employment Matrix industry title"
INDUSTRY_CODE = r".*National Employment Matrix industry code"
FACTORS = r"Factors affecting occupational utilization"

SOC = r"\d{2}-\d{4}"
#: "—" (em dash) is BLS's "data unavailable"; norm() turns it into "-"
NULL_CELLS = frozenset({"—", "-", "–", "(NA)", "NA", "N/A"})
#: a wage at or above the OEWS ceiling is published as ">=$239,200": a floor, never the value
TOP_CODED = r">=\s*\$?[\d,.]+"
#: employment and openings are published in thousands; stored as counts
THOUSANDS = 1000.0

#: (measure, metric, unit, period kind, scale): the period kinds "base", "projected" and "span"
#: all date a figure by its vintage's base year (see parse._periods)
MEASURES = (
    ("employment_base", "ep_employment_base", "count", "base", THOUSANDS),
    ("employment_projected", "ep_employment_projected", "count", "projected", THOUSANDS),
    ("change_count", "ep_change_count", "count", "span", THOUSANDS),
    ("change_pct", "ep_change_pct", "pct", "span", 1.0),
    ("openings", "ep_openings_annual_avg", "count", "span", THOUSANDS),
    ("median_wage", "ep_median_wage", "USD/year", "base", 1.0),
)
#: Table 1.12 sentences say which way the occupation's share moves and why
SHARE_UP = r"share (increases|will increase|is expected to increase)"
SHARE_DOWN = r"share (decreases|will decrease|is expected to decrease)"
AI_WORDS = r"artificial intelligence|\bAI\b|generative|large language model|machine learning"
