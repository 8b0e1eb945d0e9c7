"""The site's pages beside the role cards: score movements, methodology, the downloads and the night banner.

The methodology page reads `scoring/method.toml` and `scoring/rubric.toml` through their loaders
and words each value with the scoring modules' own helpers (`band_label`, `input_score`), so a
band or a zone is stated in one place and shown, never restated.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from collections.abc import Mapping
from typing import Any

from core.vocabulary import DIMENSION_LABELS, DIMENSIONS
from scoring.aijri import Method
from scoring.metrics.registry import label as metric_label
from scoring.rubric import Rubric, band_label, input_score
from website.explain import cause_words, moved_words
from website.formats import jsonable, state, to_date

#: the columns of index.csv, each a key of a page summary (index.json carries these and more)
INDEX_COLUMNS = ("id", "title", "seniority", "aijri", "zone", "sublabel", "change", "as_of", "previous_as_of",
                 "previous_zone", "evidence_total", "evidence_refreshed")
#: the columns of changes.csv, each a key of a movements page row
CHANGE_COLUMNS = ("as_of", "role_id", "title", "from", "from_aijri", "to_aijri", "change", "from_state", "to_state",
                  "causes", "moved")


def zone_bands(method: Method) -> list[dict]:
    """Each zone and the AIJRI range it covers, from the method's thresholds and precision."""
    below = lambda edge: f"{edge - method.quantum:f}"  # noqa: E731 - the top of the zone under an edge
    green, yellow = method.green_min, method.yellow_min
    return [{"zone": "Green", "text": f"≥ {green:f}"},
            {"zone": "Yellow", "text": f"{yellow:f}–{below(green)}"},
            {"zone": "Red", "text": f"< {yellow:f}"}]


def zones_sentence(method: Method) -> str:
    """"Green ≥ 48, Yellow 25–47.9, Red < 25", as every page that names the zones says it."""
    return ", ".join(f"{b['zone']} {b['text']}" for b in zone_bands(method))


def movement_rows(movements: list[dict], titles: Mapping[str, str]) -> list[dict]:
    """The movements page, one group per night (newest first): who moved, how far, and why."""
    nights: dict[Any, list[dict]] = {}
    for m in movements:
        from_state = state(m["from_zone"], m["from_sublabel"]) if m["from_zone"] else "–"
        to_state = state(m["to_zone"], m["to_sublabel"])
        nights.setdefault(to_date(m["as_of"]), []).append({
            "role_id": m["role_id"], "title": m.get("title") or titles.get(m["role_id"], m["role_id"]),
            "href": f"roles/{m['role_id']}.html",
            "from": to_date(m["from_as_of"]).isoformat() if m["from_as_of"] else "published card",
            "from_aijri": m["from_aijri"], "to_aijri": m["to_aijri"], "change": m["change"],
            "from_state": from_state, "to_state": to_state, "crossed": m["from_zone"] != m["to_zone"],
            "causes": list(m["causes"] or []), "cause_words": cause_words(m), "moved": moved_words(m),
            "as_of": to_date(m["as_of"])})
    return [{"as_of": night, "rows": rows} for night, rows in nights.items()]


def to_csv(rows: list[Mapping[str, Any]], columns: tuple[str, ...]) -> str:
    """Rows as CSV with a header; lists joined by "; ", dates ISO, None empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = jsonable({c: row.get(c) for c in columns})
        writer.writerow(["; ".join(map(str, v)) if isinstance(v, list) else "" if v is None else v
                         for v in values.values()])
    return out.getvalue()


def _num(value: Decimal | float) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else f"{value:g}"


def methodology(method: Method, rubric: Rubric) -> dict:
    """The methodology page: the formula's constants, ranges, zones and sub-labels from the method,
    and every dimension's inputs and bands from the rubric."""
    formula = [
        f"EM = 1 + {_num(method.em_per_point)} × evidence total",
        f"BM = 1 + {_num(method.bm_per_point)} × barrier total",
        f"GM = 1 + {_num(method.gm_per_point)} × AI growth correlation",
        "raw = Task Resistance × EM × BM × GM",
        f"AIJRI = (raw − {_num(method.raw_floor)}) / {_num(method.raw_span)} × 100, clamped to "
        f"{_num(method.clamp_min)}–{_num(method.clamp_max)} and rounded half-up to {method.decimals} decimal(s)",
    ]
    ranges = [{"input": name.replace("_", " "), "low": _num(lo), "high": _num(hi)}
              for name, (lo, hi) in method.ranges.items()]
    sublabels = [
        {"zone": "Green", "text": f"Accelerated when AI growth ≥ {method.accelerated_min_growth:+d}, "
                                  f"otherwise {method.green_default}"},
        {"zone": "Yellow", "text": f"Urgent when ≥ {_num(method.urgent_min_pct_time_3plus)} % of task time scores 3+, "
                                   f"otherwise {method.yellow_below_threshold}; a role whose task table is not "
                                   "public keeps its published sub-label"},
        {"zone": "Red", "text": "no sub-label"},
    ]
    dimensions = []
    for dim in DIMENSIONS:
        spec = rubric.dimensions[dim]
        inputs = []
        for metric, ispec in spec.inputs.items():
            t = ispec.thresholds
            inside = {-2: t[0] - 1, -1: (t[0] + t[1]) / 2, 0: (t[1] + t[2]) / 2, 1: (t[2] + t[3]) / 2, 2: t[3] + 1}
            bands = [{"band": band_label(raw, ispec), "score": input_score(inside[raw], ispec)[0]}
                     for raw in (-2, -1, 0, 1, 2)]
            inputs.append({"metric": metric, "label": metric_label(metric), "weight": ispec.weight,
                           "fallback_for": ispec.fallback_for,
                           "direction": ispec.direction.replace("_", " "), "bands": bands,
                           "clamp": list(ispec.clamp), "max_age_days": ispec.max_age_days,
                           "min_sample": ispec.min_sample, "full_sample": ispec.full_sample})
        dimensions.append({"dimension": dim, "label": DIMENSION_LABELS.get(dim, dim),
                           "min_coverage": spec.min_coverage, "inputs": inputs})
    return {"method_version": method.version, "rubric_version": rubric.version, "formula": formula,
            "ranges": ranges, "zones": zone_bands(method), "sublabels": sublabels, "dimensions": dimensions,
            "confidence": rubric.confidence.model_dump()}
