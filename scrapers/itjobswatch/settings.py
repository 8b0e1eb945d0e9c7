"""IT Jobs Watch: URLs, selectors and the row-label vocabulary (matched by regex, never by position)."""

from __future__ import annotations

import re

BASE_URL = "https://www.itjobswatch.co.uk"
#: path per kind; {slug} is URL-quoted (spaces -> %20)
PATHS = {"permanent": "/jobs/uk/{slug}.do", "contract": "/contracts/uk/{slug}.do"}
KINDS = tuple(PATHS)
ALLOWED_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
GEOGRAPHY = "UK"

#: current layout first; the 2020 layout has the tables loose in the page
SUMMARY_SELECTORS = ("section#headline_statistics table.summary", "table.summary")
HEADER_SELECTOR = "th.hdrCol"
BASELINE_TITLE_SELECTOR = "th.catTitle"  # marks the all-IT comparison table

#: "6 months to<br>2 Mar 2020" (text with <br> turned into a space)
PERIOD_HEADER = re.compile(r"^(\d+)\s+months?\s+to\s+(\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4})$", re.I)
SAME_PERIOD_HEADER = re.compile(r"^same\s+period\s+(\d{4})$", re.I)
DATE_FORMATS = ("%d %b %Y", "%d %B %Y")

UNITS = {"permanent": "GBP/year", "contract": "GBP/day"}

#: the role-table row that must exist; its absence means "not a role page" -> ParseError
POSTINGS_LABEL = re.compile(r"^(permanent|contract) jobs (requiring an?|citing) (?P<name>.+)$")
POSTINGS_LABEL_HUMAN = "'Permanent/Contract jobs requiring a <title>' or '... citing <skill>'"

#: (regex over the normalised label, metric, unit) - first match wins; the unit "$pay" is the
#: page kind's pay unit. Labels are normalised: tags stripped (<sup>th</sup> -> "th"),
#: lower-cased, whitespace collapsed.
ROW_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(rx), metric, unit)
    for rx, metric, unit in (
        (r"^rank$", "rank", "rank"),
        (POSTINGS_LABEL.pattern, "postings", "count"),
        # baseline (all-IT) table: "Permanent vacancies in the UK with a recognized job title"
        (r"^(permanent|contract) vacancies in the uk( with a recogni[sz]ed job title)?$", "postings", "count"),
        (r"^as % of all (permanent|contract) it jobs advertised in the uk$", "postings_share_pct", "pct"),
        (r"^(permanent|contract) (jobs|job ads|vacancies|postings) % change year-on-year$", "postings_yoy_pct", "pct"),
        (r"^number of (salaries|daily rates) quoted$", "salaries_quoted", "count"),
        (r"^(uk )?median annual salary( \(50th percentile\))?$", "median_salary", "$pay"),
        (r"^(uk )?median daily rate( \(50th percentile\))?$", "median_daily_rate", "$pay"),
        (r"^median( salary| daily rate)? % change year-on-year$", "median_yoy_pct", "pct"),
        (r"^10th percentile$", "salary_p10", "$pay"),
        (r"^25th percentile$", "salary_p25", "$pay"),
        (r"^75th percentile$", "salary_p75", "$pay"),
        (r"^90th percentile$", "salary_p90", "$pay"),
        (r"^uk excluding london median (annual salary|daily rate)$", "median_salary_ex_london", "$pay"),
    )
)

#: rows after one of these belong to the hourly-rate block (contract pages): not in the vocabulary
HOURLY_SECTION = re.compile(r"hourly rate")
NULL_CELLS = frozenset({"", "-", "\u2013", "\u2014", "n/a", "na"})
