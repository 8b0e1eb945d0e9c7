"""The catalogue keys FRED reads: a role's CPI series (a FRED id; a BLS id is left to bls)."""

from __future__ import annotations

LOOKUP = {"cpi_series": (str | None, None)}
