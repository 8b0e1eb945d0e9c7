"""Deterministic numbers and the small text/date formats the generated payloads share.

Every generated value is a function of its parts (seed, source, role, date, ...) through
`unit`, so the same world serves byte-identical payloads on every run.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def unit(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts (blake2b; fast and stable across runs)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0 ** 64


def between(lo: float, hi: float, *parts: Any) -> float:
    return lo + (hi - lo) * unit(*parts)


def money(value: float) -> str:
    return f"&#163;{value:,.0f}"


def pct(value: float) -> str:
    return f"{value:+.2f}%"


def day_text(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def months_back(d: date, n: int) -> date:
    """The first day of the month n months before d's month."""
    idx = d.year * 12 + d.month - 1 - n
    return date(idx // 12, idx % 12 + 1, 1)


def csv_field(value: Any) -> str:
    """One CSV field, quoted when it holds a comma, a quote or a newline."""
    text = str(value)
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
