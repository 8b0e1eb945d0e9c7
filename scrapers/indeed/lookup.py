"""The catalogue keys Indeed Hiring Lab reads: a country and its sectors."""

from __future__ import annotations

from pydantic import Field

from core.catalogue import Strict


class IndeedKey(Strict):
    country: str = Field(pattern=r"^[A-Z]{2}$")
    sectors: list[str] = []


LOOKUP = {"indeed": (IndeedKey | None, None)}
