"""Occupation codes, once: the catalogue lookup keys that name them, and their spellings.

2018 SOC codes are ``15-1252``; O*NET-SOC codes add a two-digit suffix (``15-1252.00``,
``15-1299.08``). BLS tables (Employment Projections, OEWS) and most exposure studies key on the
SOC; GPTs-are-GPTs keys on O*NET-SOC. The SOC of an O*NET-SOC code is its first seven characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.base import as_list

#: the role lookup keys (``Role.lookup_keys()``) that name occupations
SOC_KEY = "soc"
ONET_SOC_KEY = "onet_soc"

SOC_RE = re.compile(r"^\d{2}-\d{4}$")
ONET_SOC_RE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")


def soc_of(code: str) -> str | None:
    """The 2018 SOC of a SOC or O*NET-SOC code; None when it is neither."""
    code = str(code).strip()
    if SOC_RE.match(code):
        return code
    if ONET_SOC_RE.match(code):
        return code[:7]
    return None


def wants_occupations(roles_lookup: Sequence[Mapping[str, Any]]) -> bool:
    """True when some role names an occupation (2018 SOC or O*NET-SOC)."""
    return any(as_list(r.get(SOC_KEY)) or as_list(r.get(ONET_SOC_KEY)) for r in roles_lookup)


def role_socs(roles_lookup: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every 2018 SOC the roles name (their `soc`, and the SOC of each O*NET-SOC code), once, sorted."""
    codes = {str(c) for r in roles_lookup for key in (SOC_KEY, ONET_SOC_KEY) for c in as_list(r.get(key))}
    return sorted({soc for soc in map(soc_of, codes) if soc})
