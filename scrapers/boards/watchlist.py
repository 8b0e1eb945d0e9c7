"""The reviewed company watch-list (`roles/watchlists/boards.yaml`): company, ATS, board token,
sector, country. Read by the hiring-board requests and by WARN's company matching."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from core.catalogue import Strict, load_yaml, read_regular_file
from core.errors import CatalogueError
from scrapers.base import ScraperError


class WatchedCompany(Strict):
    company: str = Field(min_length=1)
    ats: Literal["greenhouse", "lever", "ashby"]
    token: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    sector: str = Field(min_length=1)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    region: Literal["global", "eu"] = "global"  # Lever's EU customers answer on api.eu.lever.co
    #: other names the company files under (WARN notices name the legal entity: "Match Group, LLC")
    aliases: list[str] = []
    reviewed: date | None = None
    note: str | None = None


class WatchList(Strict):
    version: Literal[1]
    companies: list[WatchedCompany]

    @model_validator(mode="after")
    def _unique(self) -> "WatchList":
        seen: set[tuple[str, str]] = set()
        for c in self.companies:
            key = (c.ats, c.token.lower())
            if key in seen:
                raise ValueError(f"board {c.ats}:{c.token} is listed twice")
            seen.add(key)
        return self


class WatchListError(ScraperError):
    """The watch-list file is missing, not YAML, or does not match its schema (named in the message)."""


def load_watchlist(path: Path | str) -> WatchList:
    path = Path(path)
    try:
        raw = read_regular_file(path)
    except CatalogueError as exc:
        raise WatchListError(str(exc)) from None
    try:
        document = load_yaml(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WatchListError(f"{path}: not a YAML watch-list: {exc}") from None
    try:
        return WatchList.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        kind = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
        raise WatchListError(f"{path}: {where}: {kind}") from None


def optional_watchlist(path: Path | str) -> WatchList | None:
    """The watch-list, or None when the catalogue has none (it watches no board); a file that is
    there but broken still raises, naming the field."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None
    return load_watchlist(path)
