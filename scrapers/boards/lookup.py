"""The catalogue key the hiring boards read: a role's title patterns."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from core.catalogue import Strict


class BoardsKey(Strict):
    """Which posting titles are this role: any `include` regex matches, no `exclude` one does and,
    when `seniority` words are given, one of them appears as a word (all case-insensitive)."""

    include: list[str] = Field(min_length=1)
    exclude: list[str] = []
    seniority: list[str] = []

    @field_validator("include", "exclude")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"bad regex {p!r}: {exc}") from None
        return patterns


LOOKUP = {"boards": (BoardsKey | None, None)}
