"""The catalogue keys IT Jobs Watch reads: a role's page slug and kind."""

from __future__ import annotations

from typing import Literal

from core.catalogue import Strict


class ItJobsWatchKey(Strict):
    slug: str
    kind: Literal["permanent", "contract"] = "permanent"


LOOKUP = {"itjobswatch": (ItJobsWatchKey | None, None)}
