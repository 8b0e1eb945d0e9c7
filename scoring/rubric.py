"""The evidence rubric (`scoring/rubric.toml`): loading, validation, and the bands.

`load_rubric` validates the whole config and raises `RubricError` naming the key path of
the first problems. Applying it to a night's metrics is `scoring.dimensions.score_dimensions`.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import ConfigError
from core.geography import geography_aliases
from core.vocabulary import DIMENSIONS
from scoring.models import METRIC_NAMES, SCORE_MAX, SCORE_MIN
from scoring.observations import RUBRIC_FILE


class RubricError(ConfigError):
    """rubric.toml is missing, unreadable or invalid; the message names the key path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSpec(_Strict):
    weight: float | None = Field(default=None, gt=0)
    fallback_for: str | None = None
    direction: Literal["higher_is_better", "lower_is_better"]
    thresholds: tuple[float, float, float, float]
    format: Literal["pct", "pp", "number"] = "number"
    clamp: tuple[int, int] = (SCORE_MIN, SCORE_MAX)
    max_age_days: int = Field(gt=0)
    min_sample: float | None = Field(default=None, ge=0)
    full_sample: float | None = Field(default=None, gt=0)

    @field_validator("thresholds")
    @classmethod
    def _ascending(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not math.isfinite(x) for x in v) or any(b <= a for a, b in zip(v, v[1:])):
            raise ValueError(f"thresholds must be 4 strictly ascending finite numbers, got {list(v)}")
        return v

    @field_validator("clamp")
    @classmethod
    def _clamp(cls, v: tuple[int, int]) -> tuple[int, int]:
        lo, hi = v
        if not SCORE_MIN <= lo <= hi <= SCORE_MAX:
            raise ValueError(f"clamp must satisfy {SCORE_MIN} <= lo <= hi <= {SCORE_MAX}, got {list(v)}")
        return v

    @model_validator(mode="after")
    def _weight_xor_fallback(self) -> "InputSpec":
        if self.fallback_for is None and self.weight is None:
            raise ValueError("a primary input needs a weight")
        if self.fallback_for is not None and self.weight is not None:
            raise ValueError("a fallback input takes its primary's weight: remove `weight`")
        return self


class DimensionSpec(_Strict):
    min_coverage: float = Field(ge=0, le=1)
    inputs: dict[str, InputSpec]

    @field_validator("inputs")
    @classmethod
    def _inputs(cls, v: dict[str, InputSpec]) -> dict[str, InputSpec]:
        if not v:
            raise ValueError("a dimension needs at least one input")
        unknown = sorted(set(v) - set(METRIC_NAMES))
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; known: {list(METRIC_NAMES)}")
        for name, spec in v.items():
            if spec.fallback_for is not None:
                primary = v.get(spec.fallback_for)
                if primary is None or primary.fallback_for is not None:
                    raise ValueError(f"{name}.fallback_for={spec.fallback_for!r} must name a primary input "
                                     "of the same dimension")
        return v

    def primaries(self) -> list[str]:
        return [m for m, s in self.inputs.items() if s.fallback_for is None]

    def fallback(self, primary: str) -> str | None:
        return next((m for m, s in self.inputs.items() if s.fallback_for == primary), None)


class ConfidenceSpec(_Strict):
    fresh_fraction: float = Field(ge=0, le=1)
    stale_floor: float = Field(ge=0, le=1)
    fallback_discount: float = Field(ge=0, le=1)


class MatchingSpec(_Strict):
    year_tolerance_days: int = Field(ge=0, le=60)
    indeed_lag_days: int = Field(gt=0)
    indeed_tolerance_days: int = Field(ge=0, le=30)


class LayoffSpec(_Strict):
    time_constant_days: float = Field(gt=0)
    window_days: int = Field(gt=0)
    headcount_floor: float = Field(gt=0)
    events_floor: float = Field(gt=0)


class ClaimSpec(_Strict):
    half_life_days: float = Field(gt=0)
    neutral_prior_weight: float = Field(ge=0)


class CpiSpec(_Strict):
    max_lag_days: int = Field(ge=0)
    by_geography: dict[str, list[str]]

    @field_validator("by_geography")
    @classmethod
    def _series(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for geo, series in v.items():
            for s in series:
                if ":" not in s:
                    raise ValueError(f"{geo}: CPI series {s!r} must be written source:ID (e.g. fred:CPIAUCSL)")
        return v

    def series_for(self, geography: str) -> list[str]:
        aliases = geography_aliases(geography)
        for geo, series in self.by_geography.items():
            if geo.upper() in aliases:
                return list(series)
        return []


class GuardSpec(_Strict):
    jump_factor: float = Field(gt=1)
    jump_min_base: float = Field(ge=0)
    jump_max_gap_days: int = Field(ge=0)
    jump_reference_values: int = Field(ge=1)
    jump_confirm_nights: int = Field(ge=2)
    jump_metrics: list[str]
    future_tolerance_days: int = Field(ge=0)
    min_salaries_quoted: float = Field(ge=0)
    salary_quoted_metrics: list[str]
    backwards_exempt_sources: list[str]
    salary_band_metrics: list[str]
    salary_band: dict[str, tuple[float, float]]

    @field_validator("salary_band")
    @classmethod
    def _bands(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for unit, (lo, hi) in v.items():
            if not lo < hi:
                raise ValueError(f"{unit}: band must be [lo, hi] with lo < hi, got {[lo, hi]}")
        return v


class Rubric(_Strict):
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    confidence: ConfidenceSpec
    dimensions: dict[str, DimensionSpec]
    matching: MatchingSpec
    layoffs: LayoffSpec
    claims: ClaimSpec
    cpi: CpiSpec
    guards: GuardSpec

    @field_validator("dimensions")
    @classmethod
    def _dimensions(cls, v: dict[str, DimensionSpec]) -> dict[str, DimensionSpec]:
        unknown = sorted(set(v) - set(DIMENSIONS))
        missing = [d for d in DIMENSIONS if d not in v]
        if unknown or missing:
            raise ValueError(f"dimensions must be exactly {list(DIMENSIONS)}"
                             + (f"; missing {missing}" if missing else "") + (f"; unknown {unknown}" if unknown else ""))
        seen: dict[str, str] = {}
        for dim, spec in v.items():
            for metric in spec.inputs:
                if metric in seen:
                    raise ValueError(f"metric {metric!r} is an input of both {seen[metric]} and {dim}")
                seen[metric] = dim
        return v

    def input(self, metric: str) -> tuple[str, InputSpec]:
        for dim, spec in self.dimensions.items():
            if metric in spec.inputs:
                return dim, spec.inputs[metric]
        raise KeyError(metric)

    def metrics(self) -> list[str]:
        return [m for d in DIMENSIONS for m in self.dimensions[d].inputs]


def _key_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(document)"


def parse_rubric(document: dict, source: str = "rubric") -> Rubric:
    """Validate a rubric document (the parsed TOML); raise RubricError with key paths."""
    try:
        return Rubric.model_validate(document)
    except ValidationError as exc:
        parts = []
        for err in exc.errors()[:5]:
            kind = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            parts.append(f"{_key_path(err['loc'])}: {kind}")
        more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise RubricError(f"{source}: " + "; ".join(parts) + more) from None


#: the rubric the night scores with unless the settings name another (`[flow] rubric`)
DEFAULT_VERSION = "rubric-v2"


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricError(f"{path}: cannot read rubric: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{path}: bad TOML: {exc}") from None


def _document(path: Path) -> dict:
    """The file's tables; with `extends = "<file>"`, every table it leaves out comes from that file
    (a new rubric version restates its dimensions, not the guards and metric parameters)."""
    document = _read(path)
    base = document.pop("extends", None)
    if base is None:
        return document
    parent = _document(path.with_name(str(base)))
    return {**{k: v for k, v in parent.items() if k != "version"}, **document}


def versions() -> dict[str, Path]:
    """Every rubric version shipped (scoring/rubric*.toml) -> its file."""
    out = {}
    for path in sorted(RUBRIC_FILE.parent.glob("rubric*.toml")):
        version = _read(path).get("version")
        if isinstance(version, str):
            out[version] = path
    return out


def load_rubric(path: str | Path | None = None, *, version: str | None = None) -> Rubric:
    """The rubric in `path`, else the shipped `version` (default `DEFAULT_VERSION`)."""
    if path is None:
        version = version or DEFAULT_VERSION
        known = versions()
        if version not in known:
            raise RubricError(f"unknown rubric version {version!r}; shipped: {sorted(known)}")
        path = known[version]
    path = Path(path)
    return parse_rubric(_document(path), str(path))


# --- bands ---------------------------------------------------------------------------------------
def band_index(value: float, thresholds: tuple[float, ...]) -> int:
    """-2..+2 for the half-open band holding `value` (lower edges inclusive)."""
    v = round(float(value), 9)
    return sum(v >= round(t, 9) for t in thresholds) - 2


def input_score(value: float, spec: InputSpec) -> tuple[int, int]:
    """(score after direction and clamp, raw band index)."""
    raw = band_index(value, spec.thresholds)
    signed = -raw if spec.direction == "lower_is_better" else raw
    lo, hi = spec.clamp
    return max(lo, min(hi, signed)), raw


def fmt_value(value: float, fmt: str) -> str:
    """A threshold or value as a person reads it: +10 %, -0.25 pp, +0.75."""
    x = value * 100 if fmt == "pct" else value
    text = f"{x:+.1f}" if fmt == "pct" else f"{x:+.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("+0", "-0"):
        text = "0"
    return text + {"pct": " %", "pp": " pp"}.get(fmt, "")


def band_label(raw: int, spec: InputSpec) -> str:
    t = [fmt_value(x, spec.format) for x in spec.thresholds]
    label = {-2: f"(-inf, {t[0]})", -1: f"[{t[0]}, {t[1]})", 0: f"[{t[1]}, {t[2]})",
             1: f"[{t[2]}, {t[3]})", 2: f"[{t[3]}, +inf)"}[raw]
    return label


def fmt_score(score: int) -> str:
    return f"{score:+d}" if score else "0"


def round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5 + 1e-12), x))
