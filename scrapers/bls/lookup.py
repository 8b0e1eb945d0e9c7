"""The catalogue keys BLS reads: OEWS (and other) series ids."""

from __future__ import annotations

LOOKUP = {"bls_series": (list[str], [])}
