"""The catalogue key HN reads: a role's patterns over the Who is hiring? posts."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from core.catalogue import Strict


class HnKey(Strict):
    """Case-insensitive regexes: a post counts for the role when an `include` matches and no
    `exclude` does, over the whole post (`text`) or its first line (`header`)."""

    include: list[str] = Field(min_length=1)
    exclude: list[str] = []
    where: Literal["text", "header"] = "text"

    @field_validator("include", "exclude")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a regex: {exc}") from None
        return patterns


LOOKUP = {"hn": (HnKey | None, None)}
