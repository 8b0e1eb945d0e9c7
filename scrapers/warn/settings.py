"""WARN Act notices, Big Local News consolidated CSV (public records): location and column aliases."""

from __future__ import annotations

from scrapers.http import CSV_CONTENT_TYPES

#: Big Local News' standardised national file. The default branch was not verified offline:
#: set [sources.warn] location in settings.toml if it moves.
BASE_URL = "https://raw.githubusercontent.com/biglocalnews/warn-github-flow/main"
PATH = "/data/warn-transformer/processed/consolidated.csv"
ALLOWED_CONTENT_TYPES = CSV_CONTENT_TYPES

#: canonical column -> accepted header names (the processed schema first, then raw per-state ones
#: such as Washington's "Company,Location,Layoff Start Date,# of Workers,...,Received Date")
COLUMN_ALIASES = {
    "hash_id": ("hash_id",),
    "postal_code": ("postal_code", "state"),
    "company": ("company", "Company"),
    "location": ("location", "Location"),
    "notice_date": ("notice_date", "Received Date", "Notice Date"),
    "effective_date": ("effective_date", "Layoff Start Date", "Effective Date"),
    "jobs": ("jobs", "# of Workers", "Number of Workers"),
}
REQUIRED = ("company", "notice_date", "jobs")
