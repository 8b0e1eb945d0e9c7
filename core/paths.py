"""Where everything lives: one data directory holds all state."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "JOBZONE_HOME"
DEFAULT_HOME = Path("data")
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> "Home":
        chosen = home or os.environ.get(HOME_ENV) or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    def ensure(self) -> "Home":
        for d in (self.root, self.raw, self.published, self.marts):
            d.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def analyst_copy(self) -> Path:
        return self.published / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        return self.published / "marts"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def catalogue_cache(self) -> Path:
        """The role files parsed on earlier nights (`core.catalogue_cache`)."""
        return self.root / "catalogue.cache"

    @property
    def lock(self) -> Path:
        return self.root / "nightly.lock"
