"""The SVG charts, as coordinates for the templates: drawn from numbers only, never from text."""

from __future__ import annotations

import math
from datetime import date

from scoring.aijri import load_method
from website.formats import state, to_date

#: up to this many nights a page marks every night on its chart and lists it in its table;
#: beyond, the chart marks the nights whose zone or sub-label changed (and the first and last),
#: and the table lists the newest HISTORY_TABLE_ROWS nights (the role's JSON holds them all)
MARK_EVERY_NIGHT_UP_TO = 120
HISTORY_TABLE_ROWS = 90


def chart_points(history: list[tuple]) -> list[dict]:
    """(as_of, aijri, zone, sublabel) nights, as stored, as the points the charts and tables take."""
    return [{"as_of": to_date(night), "aijri": float(aijri), "zone": zone, "sublabel": sublabel}
            for night, aijri, zone, sublabel in history]


#: the narrowest AIJRI span the history chart's axis shows: a flat history still reads as flat
MIN_AXIS_SPAN = 10.0


def axis_range(values: list[float], *, floor: float = 0.0, ceiling: float = 100.0) -> tuple[float, float, float]:
    """(low, high, tick step) of a value axis fitted to `values`: a round step giving about five
    ticks, the range padded by one step either side, at least MIN_AXIS_SPAN wide, inside floor..ceiling."""
    lo, hi = (min(values), max(values)) if values else (floor, ceiling)
    if hi - lo < MIN_AXIS_SPAN:
        mid = (hi + lo) / 2
        lo, hi = mid - MIN_AXIS_SPAN / 2, mid + MIN_AXIS_SPAN / 2
    step = next(s for s in (1, 2, 5, 10, 20, 25) if (hi - lo) / s <= 6)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if lo == min(values, default=lo):
        lo -= step
    if hi == max(values, default=hi):
        hi += step
    return max(floor, lo), min(ceiling, hi), step


def history_chart(points: list[dict], *, title: str, width: int = 640, height: int = 240) -> dict:
    """Coordinates of the AIJRI history chart: the axis fitted to the data, the zone bands clipped to it."""
    left, right, top, bottom = 44, 16, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    m = load_method()  # the zone thresholds the bands are drawn at
    green, yellow = float(m.green_min), float(m.yellow_min)
    low, high, step = axis_range([p["aijri"] for p in points])

    def y_of(v: float) -> float:
        return round(top + plot_h * (1 - (max(low, min(high, v)) - low) / (high - low)), 2)

    xs = x_positions([p["as_of"] for p in points], left + 10, plot_w - 20)
    coords = [{"x": x, "y": y_of(p["aijri"]), **p} for x, p in zip(xs, points)]
    bands = [band for band in (
        {"zone": "Green", "y": y_of(high), "h": round(y_of(green) - y_of(high), 2)},
        {"zone": "Yellow", "y": y_of(green), "h": round(y_of(yellow) - y_of(green), 2)},
        {"zone": "Red", "y": y_of(yellow), "h": round(y_of(low) - y_of(yellow), 2)},
    ) if band["h"] > 0]
    values = sorted({*(low + i * step for i in range(int(round((high - low) / step)) + 1)),
                     *(b for b in (yellow, green) if low <= b <= high)})
    # a boundary's label wins over a round tick closer than a third of a step
    values = [v for v in values if v in (yellow, green) or all(abs(v - b) >= step / 3 for b in (yellow, green))]
    ticks = [{"v": v, "y": y_of(v), "boundary": v in (yellow, green)} for v in values]
    x_labels = []
    if coords:
        x_labels.append({"x": coords[0]["x"], "text": coords[0]["as_of"].isoformat(), "anchor": "start"})
        if len(coords) > 1:
            x_labels.append({"x": coords[-1]["x"], "text": coords[-1]["as_of"].isoformat(), "anchor": "end"})
        if len(coords) == 1:
            x_labels[0]["anchor"] = "middle"
    if len(coords) <= MARK_EVERY_NIGHT_UP_TO:
        marked = coords
    else:
        marked = [c for i, c in enumerate(coords) if i in (0, len(coords) - 1) or
                  (c["zone"], c["sublabel"]) != (coords[i - 1]["zone"], coords[i - 1]["sublabel"])]
        marked = [coords[0], *marked[1:][-(MARK_EVERY_NIGHT_UP_TO - 1):]] if len(marked) > MARK_EVERY_NIGHT_UP_TO \
            else marked
    for c in marked:  # only marked points carry a tooltip
        c["label"] = f"{c['as_of'].isoformat()}: {c['aijri']:.1f} ({state(c['zone'], c['sublabel'])})"
    summary = (f"{title}: {len(coords)} point(s)" + (
        f", from {coords[0]['aijri']:.1f} on {coords[0]['as_of'].isoformat()} to {coords[-1]['aijri']:.1f}"
        f" on {coords[-1]['as_of'].isoformat()}" if coords else ", no results yet"))
    return {"width": width, "height": height, "left": left, "plot_w": plot_w, "top": top, "plot_h": plot_h,
            "points": coords, "marked": marked, "polyline": " ".join(f"{c['x']},{c['y']}" for c in coords),
            "bands": bands, "ticks": ticks, "low": low, "high": high, "x_labels": x_labels, "title": title, "summary": summary}


def sparkline(points: list[dict], *, title: str, width: int = 120, height: int = 28) -> dict:
    pad = 3
    values = [p["aijri"] for p in points]
    lo, hi = (min(values), max(values)) if values else (0.0, 100.0)
    if hi - lo < 2:
        mid = (hi + lo) / 2
        lo, hi = mid - 1, mid + 1
    if len(points) > width:
        # a 120-pixel line cannot show more nights than pixels: evenly spaced nights, the last kept
        step = (len(points) - 1) / (width - 1)
        points = [points[round(i * step)] for i in range(width)]
    xs = x_positions([p["as_of"] for p in points], pad, width - 2 * pad)
    coords = [{"x": x, "y": round(pad + (height - 2 * pad) * (1 - (p["aijri"] - lo) / (hi - lo)), 2),
               "aijri": p["aijri"], "as_of": p["as_of"]} for x, p in zip(xs, points)]
    label = (f"{title}: " + ", ".join(f"{c['aijri']:.1f} on {c['as_of'].isoformat()}" for c in coords[-10:])
             if coords else f"{title}: no results yet")
    return {"width": width, "height": height, "points": coords,
            "polyline": " ".join(f"{c['x']},{c['y']}" for c in coords), "label": label,
            "last": coords[-1] if coords else None}


def x_positions(days: list[date], left: float, span: float) -> list[float]:
    if not days:
        return []
    if len(days) == 1:
        return [round(left + span / 2, 2)]
    first, last = days[0], days[-1]
    total = (last - first).days or 1
    return [round(left + span * (d - first).days / total, 2) for d in days]
