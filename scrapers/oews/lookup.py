"""The catalogue keys OEWS reads: none of its own.

It reads the role's occupations, `soc` (2018 SOC, the role's top-level `soc` field) and
`onet_soc` (declared by ai_exposure), named once in `scrapers.occupations`.
"""

from __future__ import annotations

LOOKUP: dict = {}
