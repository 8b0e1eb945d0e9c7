"""The catalogue keys WARN reads: a role's companies (besides the boards watch-list)."""

from __future__ import annotations

LOOKUP = {"warn_companies": (list[str], [])}
