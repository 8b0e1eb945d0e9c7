"""The catalogue keys layoffs.fyi reads: the industries a role's layoffs are counted in."""

from __future__ import annotations

LOOKUP = {"layoff_industries": (list[str], [])}
