"""The AIJRI formula, zones, sub-labels and distances to the zone boundaries.

Scalar scoring (`score`) works in `Decimal` so that half-up rounding acts on the decimal
value, not on a binary float. `score_frame` is the vectorised form for whole catalogues and
long histories; it agrees with `score` to the last digit (ties are resolved in Decimal).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import ConfigError, InputRangeError

METHOD_FILE = Path(__file__).with_name("method.toml")
ZONES = ("Red", "Yellow", "Green")


@dataclass(frozen=True)
class Method:
    version: str
    em_per_point: Decimal
    bm_per_point: Decimal
    gm_per_point: Decimal
    raw_floor: Decimal
    raw_span: Decimal
    decimals: int
    clamp_min: Decimal
    clamp_max: Decimal
    ranges: dict[str, tuple[Decimal, Decimal]]
    green_min: Decimal
    yellow_min: Decimal
    accelerated_min_growth: int
    green_default: str
    urgent_min_pct_time_3plus: Decimal
    yellow_below_threshold: str

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimals)


@lru_cache(maxsize=8)
def load_method(path: Path | None = None) -> Method:
    path = Path(path or METHOD_FILE)
    try:
        cfg = tomllib.loads(path.read_text())
        f, z, s = cfg["formula"], cfg["zones"], cfg["sublabels"]
        d = lambda v: Decimal(str(v))  # noqa: E731 - strings in TOML keep decimals exact
        return Method(
            version=cfg["version"],
            em_per_point=d(f["em_per_point"]),
            bm_per_point=d(f["bm_per_point"]),
            gm_per_point=d(f["gm_per_point"]),
            raw_floor=d(f["raw_floor"]),
            raw_span=d(f["raw_span"]),
            decimals=int(f["decimals"]),
            clamp_min=d(f["clamp_min"]),
            clamp_max=d(f["clamp_max"]),
            ranges={k: (d(lo), d(hi)) for k, (lo, hi) in cfg["ranges"].items()},
            green_min=d(z["green_min"]),
            yellow_min=d(z["yellow_min"]),
            accelerated_min_growth=int(s["accelerated_min_growth"]),
            green_default=s["green_default"],
            urgent_min_pct_time_3plus=d(s["urgent_min_pct_time_3plus"]),
            yellow_below_threshold=s["yellow_below_threshold"],
        )
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: invalid methodology config: {exc!r}") from None


def _dec(value: float | int | str | Decimal) -> Decimal:
    # repr() of a float is its shortest round-trip decimal, so 3.05 stays 3.05.
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else str(value))


def zone_of(aijri_rounded: float | Decimal, method: Method) -> str:
    value = _dec(aijri_rounded)
    if value >= method.green_min:
        return "Green"
    if value >= method.yellow_min:
        return "Yellow"
    return "Red"


def sublabel_of(
    zone: str, growth: float, pct_time_3plus: float | None, method: Method, published_sublabel: str | None = None
) -> str | None:
    if zone == "Green":
        return "Accelerated" if growth >= method.accelerated_min_growth else method.green_default
    if zone == "Yellow":
        if pct_time_3plus is None:
            # No public task table: the Yellow sub-label is unknown, so keep what was published,
            # if it was a Yellow one (a Green role's "Transforming" says nothing about Yellow).
            return published_sublabel if published_sublabel in _yellow_sublabels(method) else None
        return "Urgent" if _dec(pct_time_3plus) >= method.urgent_min_pct_time_3plus else method.yellow_below_threshold
    return None


def _yellow_sublabels(method: Method) -> tuple[str, str]:
    return ("Urgent", method.yellow_below_threshold)


@dataclass(frozen=True)
class Boundary:
    direction: str  # "up" or "down"
    to_zone: str
    boundary: float  # the published-figure threshold
    aijri_points: float  # signed change of the published figure that reaches the boundary
    evidence_points: float | None  # signed continuous evidence change that reaches it
    evidence_steps: int | None  # smallest whole-point evidence change that changes zone (None: unreachable)


@dataclass(frozen=True)
class AijriResult:
    task_resistance: float
    evidence_total: float
    barrier_total: float
    growth: float
    pct_time_3plus: float | None
    em: float
    bm: float
    gm: float
    raw: float
    aijri_unrounded: float
    aijri: float
    zone: str
    sublabel: str | None
    clamped: bool
    methodology_version: str
    boundaries: list[Boundary] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def check_ranges(method: Method, **inputs: float | None) -> None:
    for name, value in inputs.items():
        if value is None:
            continue
        lo, hi = method.ranges[name]
        if isinstance(value, float) and math.isnan(value):
            raise InputRangeError(f"{name}: not a number")
        if not lo <= _dec(value) <= hi:
            raise InputRangeError(f"{name}={value} is outside {lo}..{hi}")


def _unrounded(tr: Decimal, e: Decimal, b: Decimal, g: Decimal, m: Method) -> tuple[Decimal, ...]:
    em = 1 + m.em_per_point * e
    bm = 1 + m.bm_per_point * b
    gm = 1 + m.gm_per_point * g
    raw = tr * em * bm * gm
    return em, bm, gm, raw, (raw - m.raw_floor) / m.raw_span * 100


def _round(value: Decimal, m: Method) -> Decimal:
    return value.quantize(m.quantum, rounding=ROUND_HALF_UP)


def _boundaries(tr: Decimal, e: Decimal, b: Decimal, g: Decimal, published: Decimal, zone: str, m: Method):
    lo_e, hi_e = m.ranges["evidence_total"]
    half = m.quantum / 2
    out = []
    neighbours = {"Red": [("up", "Yellow", m.yellow_min)],
                  "Yellow": [("up", "Green", m.green_min), ("down", "Red", m.yellow_min)],
                  "Green": [("down", "Yellow", m.green_min)]}[zone]
    for direction, to_zone, threshold in neighbours:
        # The published figure reaches `threshold` exactly when the unrounded value reaches
        # threshold − half a quantum (half-up rounding), in both directions.
        target_raw = m.raw_floor + m.raw_span * (threshold - half) / 100
        em_needed = target_raw / (tr * (1 + m.bm_per_point * b) * (1 + m.gm_per_point * g))
        e_star = (em_needed - 1) / m.em_per_point
        if direction == "up":
            aijri_points = threshold - published
            e_new = math.ceil(e_star)
        else:
            aijri_points = (threshold - m.quantum) - published
            e_new = math.ceil(e_star) - 1
        steps = int(e_new - e) if lo_e <= e_new <= hi_e else None
        out.append(Boundary(direction, to_zone, float(threshold), float(aijri_points),
                            float(round(e_star - e, 3)), steps))
    return out


def score(
    task_resistance: float,
    evidence_total: float,
    barrier_total: float,
    growth: float,
    pct_time_3plus: float | None = None,
    *,
    published_sublabel: str | None = None,
    method: Method | None = None,
) -> AijriResult:
    m = method or load_method()
    check_ranges(m, task_resistance=task_resistance, evidence_total=evidence_total,
                 barrier_total=barrier_total, growth=growth, pct_time_3plus=pct_time_3plus)
    tr, e, b, g = (_dec(v) for v in (task_resistance, evidence_total, barrier_total, growth))
    em, bm, gm, raw, unrounded = _unrounded(tr, e, b, g, m)
    clamped_value = min(max(unrounded, m.clamp_min), m.clamp_max)
    published = _round(clamped_value, m)
    zone = zone_of(published, m)
    return AijriResult(
        task_resistance=float(tr), evidence_total=float(e), barrier_total=float(b), growth=float(g),
        pct_time_3plus=None if pct_time_3plus is None else float(pct_time_3plus),
        em=float(em), bm=float(bm), gm=float(gm), raw=float(raw),
        aijri_unrounded=float(unrounded), aijri=float(published), zone=zone,
        sublabel=sublabel_of(zone, float(g), pct_time_3plus, m, published_sublabel),
        clamped=clamped_value != unrounded, methodology_version=m.version,
        boundaries=_boundaries(tr, e, b, g, published, zone, m),
    )


SCORE_INPUTS = ["task_resistance", "evidence_total", "barrier_total", "growth", "pct_time_3plus"]


def score_frame(frame: pd.DataFrame, method: Method | None = None) -> pd.DataFrame:
    """Vectorised `score` over a frame with the SCORE_INPUTS columns (+ optional published_sublabel).

    Returns the input frame with em, bm, gm, raw, aijri_unrounded, aijri, zone, sublabel,
    clamped and methodology_version added. Inputs are assumed range-checked.
    """
    m = method or load_method()
    tr = frame["task_resistance"].to_numpy(dtype="float64")
    e = frame["evidence_total"].to_numpy(dtype="float64")
    b = frame["barrier_total"].to_numpy(dtype="float64")
    g = frame["growth"].to_numpy(dtype="float64")
    em = 1 + float(m.em_per_point) * e
    bm = 1 + float(m.bm_per_point) * b
    gm = 1 + float(m.gm_per_point) * g
    raw = tr * em * bm * gm
    unrounded = (raw - float(m.raw_floor)) / float(m.raw_span) * 100
    clamped_value = np.clip(unrounded, float(m.clamp_min), float(m.clamp_max))
    scale = 10 ** m.decimals
    scaled = clamped_value * scale
    rounded = np.floor(scaled + 0.5) / scale
    # A float can sit a hair either side of an exact .x5; redo the near-ties in Decimal.
    near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for i in np.flatnonzero(near_tie):
        _, _, _, _, u = _unrounded(_dec(float(tr[i])), _dec(float(e[i])), _dec(float(b[i])), _dec(float(g[i])), m)
        rounded[i] = float(_round(min(max(u, m.clamp_min), m.clamp_max), m))
    zone = np.where(rounded >= float(m.green_min), "Green", np.where(rounded >= float(m.yellow_min), "Yellow", "Red"))
    pct = frame["pct_time_3plus"].to_numpy(dtype="float64") if "pct_time_3plus" in frame else np.full(len(frame), np.nan)
    published = (frame["published_sublabel"].astype(object).where(frame["published_sublabel"].notna(), None).to_numpy()
                 if "published_sublabel" in frame else np.full(len(frame), None, dtype=object))
    green_label = np.where(g >= m.accelerated_min_growth, "Accelerated", m.green_default)
    published = np.where(np.isin(published.astype(str), list(_yellow_sublabels(m))), published, None)
    yellow_label = np.where(np.isnan(pct), published,
                            np.where(pct >= float(m.urgent_min_pct_time_3plus), "Urgent", m.yellow_below_threshold))
    sublabel = np.where(zone == "Green", green_label, np.where(zone == "Yellow", yellow_label, None))
    out = frame.copy()
    out["em"], out["bm"], out["gm"], out["raw"] = em, bm, gm, raw
    out["aijri_unrounded"], out["aijri"] = unrounded, rounded
    out["zone"] = zone.astype(object)
    out["sublabel"] = pd.Series(sublabel, index=frame.index, dtype=object).where(lambda s: s.notna(), None)
    out["clamped"] = clamped_value != unrounded
    out["methodology_version"] = m.version
    return out
