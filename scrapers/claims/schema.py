"""Pydantic schema of ``roles/expert-claims.yaml``: every claim cited, dated and reviewed."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator


class ExpertClaim(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="stable, unique claim id")
    role_id: str = Field(min_length=1, description="catalogue role id the claim is about")
    claim: str = Field(min_length=10, description="the claim, quoted or closely paraphrased")
    number: float | None = Field(default=None, description="the headline figure, if any")
    unit: str | None = Field(default=None, description="unit of `number`: pct, USD, x, jobs, ...")
    direction: Literal[-1, 0, 1] = Field(description="+1 good for the role's outlook, -1 bad, 0 neutral")
    source_url: HttpUrl
    as_of: date = Field(description="date the claim was published or last confirmed")
    reviewed_by: str = Field(min_length=1, description="who checked the claim against its source")
    geography: str = "global"

    @field_validator("unit")
    @classmethod
    def _empty_unit_is_none(cls, unit: str | None) -> str | None:
        return unit or None

    @model_validator(mode="after")
    def _number_has_unit(self) -> ExpertClaim:
        if self.number is not None and not self.unit:
            raise ValueError("a claim with a `number` needs a `unit`")
        return self


class ClaimsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    claims: list[ExpertClaim]

    @model_validator(mode="after")
    def _unique_ids(self) -> ClaimsFile:
        seen: set[str] = set()
        dupes: set[str] = set()
        for claim in self.claims:
            (dupes if claim.id in seen else seen).add(claim.id)
        if dupes:
            raise ValueError(f"duplicate claim ids: {sorted(dupes)}")
        return self
