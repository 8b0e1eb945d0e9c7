"""The static site: an index of every role and one card page (+ JSON) per role.

Everything is read from the warehouse views (`latest_scores`, `score_history`,
`evidence_history`) and the role catalogue. Jinja2 autoescaping is on for every template and no
template marks data `|safe`, so a scraped string can never become markup. The SVG charts are
drawn here from numbers only.

The site is built in a temporary sibling directory and swapped into place at the end
(`swap_dir`): a failed build leaves the previously published site untouched.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

import duckdb
import jinja2

from core.catalogue import BARRIERS, DIMENSIONS, PRINCIPLES, Catalogue, Role
from core.errors import WarehouseError
from scoring.aijri import load_method, score
from core.files import clean_swap_leftovers as clean_leftovers, swap_dir

SITE_DIR = Path(__file__).resolve().parent
STYLESHEET = SITE_DIR / "style.css"

DIMENSION_LABELS = {
    "job_posting_trends": "Job Posting Trends",
    "company_actions": "Company Actions",
    "wage_trends": "Wage Trends",
    "ai_tool_maturity": "AI Tool Maturity",
    "expert_consensus": "Expert Consensus",
}
BARRIER_LABELS = {
    "regulatory": "Regulatory/Licensing",
    "physical_presence": "Physical Presence",
    "union": "Union/Collective Bargaining",
    "liability": "Liability/Accountability",
    "cultural": "Cultural/Ethical",
}
PRINCIPLE_LABELS = {
    "embodied_physicality": "Embodied Physicality",
    "interpersonal_connection": "Deep Interpersonal Connection",
    "moral_judgment": "Goal-Setting & Moral Judgment",
}
GROWTH_WORDS = {-2: "strong negative", -1: "weak negative", 0: "neutral", 1: "weak positive", 2: "strong positive"}

#: Licence and attribution of every source whose numbers can reach a page. `render_site` takes
#: overrides (e.g. the scrapers' SOURCE descriptors); these are the defaults.
DEFAULT_ATTRIBUTIONS: dict[str, dict[str, Any]] = {
    "itjobswatch": {
        "name": "IT Jobs Watch", "licence": "CC BY-NC-SA 4.0",
        "text": "Source: IT Jobs Watch (CC BY-NC-SA 4.0)",
        "homepage": "https://www.itjobswatch.co.uk/",
        "licence_url": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        "aliases": ["it jobs watch", "itjobswatch"],
    },
    "indeed": {
        "name": "Indeed Hiring Lab", "licence": "CC BY 4.0",
        "text": "Source: Indeed Hiring Lab (CC BY 4.0)",
        "homepage": "https://www.hiringlab.org/",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "aliases": ["indeed hiring lab", "indeed"],
    },
    "bls": {
        "name": "U.S. Bureau of Labor Statistics", "licence": "US public domain",
        "text": "Source: U.S. Bureau of Labor Statistics (US public domain)",
        "homepage": "https://www.bls.gov/",
        "aliases": ["bls", "bureau of labor statistics", "oews"],
    },
    "fred": {
        "name": "FRED, Federal Reserve Bank of St. Louis", "licence": "US public domain data",
        "text": "Source: FRED, Federal Reserve Bank of St. Louis (series from US public-domain sources)",
        "homepage": "https://fred.stlouisfed.org/",
        "aliases": ["fred", "federal reserve bank of st. louis"],
    },
    "layoffs": {
        "name": "layoffs.fyi (Kaggle mirror)", "licence": "ODbL",
        "text": "Source: layoffs.fyi via Kaggle (ODbL)",
        "homepage": "https://layoffs.fyi/",
        "aliases": ["layoffs.fyi"],
    },
    "warn": {
        "name": "WARN notices (Big Local News)", "licence": "public records",
        "text": "Source: WARN notices compiled by Big Local News (public records)",
        "homepage": "https://github.com/biglocalnews/warn-github-flow",
        "aliases": ["warn notice", "big local news"],
    },
    "claims": {
        "name": "Curated expert claims", "licence": "cited per claim",
        "text": "Source: curated expert claims (each cited)",
        "homepage": None,
        "aliases": [],
    },
}
#: Always listed in the footer, whether or not tonight's evidence cites them.
FOOTER_SOURCES = ("itjobswatch", "indeed", "bls", "fred")


# --------------------------------------------------------------------------- public API

def render_site(con_or_path: duckdb.DuckDBPyConnection | str | os.PathLike,
                catalogue: Catalogue | None, out_dir: str | os.PathLike,
                generated_at: datetime | None = None,
                attributions: Mapping[str, Any] | None = None) -> list[Path]:
    """Build the whole site in a temporary sibling of `out_dir`, then swap it into place.

    `con_or_path`: an open connection (e.g. the nightly's) or a warehouse file, opened
    read-only. `catalogue`: the role catalogue; None reads the role documents recorded in the
    warehouse (`catalogue_versions`). Returns the published files (paths under `out_dir`).
    """
    out_dir = Path(out_dir)
    build = stage_site(con_or_path, catalogue, out_dir, generated_at, attributions)
    try:
        swap_dir(build, out_dir)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


def stage_site(con_or_path: duckdb.DuckDBPyConnection | str | os.PathLike, catalogue: Catalogue | None,
               out_dir: str | os.PathLike, generated_at: datetime | None = None,
               attributions: Mapping[str, Any] | None = None) -> Path:
    """Build the site into a fresh `<out_dir>.tmp-<hex>` directory and return it (not yet live)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out_dir)
    build = out_dir.with_name(f"{out_dir.name}.tmp-{uuid.uuid4().hex[:8]}")
    build.mkdir()
    try:
        if isinstance(con_or_path, duckdb.DuckDBPyConnection):
            build_site(con_or_path, catalogue, build, generated_at, attributions)
        else:
            path = Path(con_or_path)
            if not path.exists():
                raise WarehouseError(f"{path}: no warehouse to render the site from")
            con = duckdb.connect(str(path), read_only=True)
            try:
                build_site(con, catalogue, build, generated_at, attributions)
            finally:
                con.close()
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return build


def build_site(con: duckdb.DuckDBPyConnection, catalogue: Catalogue | None, build_dir: str | os.PathLike,
               generated_at: datetime | None = None,
               attributions: Mapping[str, Any] | None = None) -> list[Path]:
    """Write every file of the site into `build_dir` (which must exist); returns them."""
    build_dir = Path(build_dir)
    generated_at = generated_at or datetime.now(timezone.utc)
    sources = normalise_attributions(attributions)
    data = load_site_data(con, catalogue)
    env = _environment()
    written: list[Path] = []

    def put(rel: str, text: str) -> None:
        target = build_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)

    method = load_method()
    pages = [role_page(role, data, method, sources) for role in data.roles]
    footer = _footer_sources(sources, pages)
    common = {"generated_at": _iso_time(generated_at), "methodology_version": method.version,
              "footer_sources": footer}

    index_rows = [p["summary"] for p in pages]
    put("index.html", env.get_template("index.html.j2").render(root="", roles=index_rows, page_title="AIJRI by role",
                                                               **common))
    put("index.json", _json({"generated_at": common["generated_at"], "methodology_version": method.version,
                             "roles": [_json_summary(r) for r in index_rows]}))
    for role, page in zip(data.roles, pages):
        rid = page["role"]["id"]
        full = {**page, **history_parts(role, data)}
        put(f"roles/{rid}.html", env.get_template("role.html.j2").render(
            root="../", page=full, page_title=f"{page['role']['title']}: AIJRI", **common))
        put(f"roles/{rid}.json", _json(role_json(full, common["generated_at"], method.version)))
    shutil.copyfile(STYLESHEET, build_dir / "style.css")
    written.append(build_dir / "style.css")
    return written




def normalise_attributions(attributions: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Defaults merged with overrides; an override may be a dict or an object with `name`,
    `licence`, `attribution`, `homepage` attributes (the scrapers' `Source` descriptors)."""
    merged = {k: dict(v) for k, v in DEFAULT_ATTRIBUTIONS.items()}
    for key, value in (attributions or {}).items():
        entry = merged.setdefault(key, {"name": key, "aliases": []})
        if isinstance(value, Mapping):
            given = dict(value)
        else:
            given = {k: getattr(value, k) for k in ("name", "licence", "attribution", "homepage")
                     if hasattr(value, k)}
        given = {k: v for k, v in given.items() if v not in (None, "")}
        if key in DEFAULT_ATTRIBUTIONS:
            given.pop("name", None)  # keep the display name; a descriptor's `name` is the source id
        attribution = given.pop("attribution", None)
        if "text" not in given and (attribution or "licence" in given):
            text = attribution or f"Source: {given.get('name', entry.get('name', key))}"
            licence = given.get("licence", entry.get("licence"))
            given["text"] = text if not licence or licence in text else f"{text} ({licence})"
        entry.update(given)
        entry.setdefault("text", f"Source: {entry.get('name', key)}")
        entry.setdefault("aliases", [])
    return merged


# --------------------------------------------------------------------------- reading the warehouse

#: up to this many nights a page marks every night on its chart and lists it in its table;
#: beyond, the chart marks the nights whose zone or sub-label changed (and the first and last),
#: and the table lists the newest HISTORY_TABLE_ROWS nights (the role's JSON holds them all)
MARK_EVERY_NIGHT_UP_TO = 120
HISTORY_TABLE_ROWS = 90


@dataclass
class SiteData:
    roles: list[Role]
    latest: dict[str, dict]
    #: per role, (as_of, aijri, zone, sublabel) per night, oldest first
    history: dict[str, list[tuple]]
    evidence: dict[str, list[dict]]
    missing: list[str] = field(default_factory=list)
    #: per role, the full result row of its latest night (what the calculation shows)
    current: dict[str, dict] = field(default_factory=dict)


def load_site_data(con: duckdb.DuckDBPyConnection, catalogue: Catalogue | None) -> SiteData:
    latest = {r["role_id"]: r for r in _records(con, "SELECT * FROM latest_scores ORDER BY role_id")}
    # Years of nightly history make millions of rows: the chart needs four typed columns of
    # each night (plain tuples, no per-value conversion), the calculation the latest row only.
    history: dict[str, list[tuple]] = {}
    for role_id, *night in con.execute(
            "SELECT role_id, as_of, aijri, zone, sublabel FROM score_history ORDER BY role_id, as_of").fetchall():
        history.setdefault(role_id, []).append(tuple(night))
    current = {r["role_id"]: r for r in _records(
        con, "SELECT h.role_id, h.as_of, h.task_resistance, h.evidence_total, h.barrier_total, h.growth,"
             " h.pct_time_3plus, h.override_aijri, h.evidence_refreshed, h.methodology_version, h.rubric_version"
             " FROM score_history h JOIN latest_scores l ON h.role_id = l.role_id AND h.as_of = l.as_of")}
    # Pages show the evidence in force on each role's latest night: the newest row per
    # dimension up to then, not every stored version.
    evidence: dict[str, list[dict]] = {}
    for r in _records(con, "SELECT e.role_id, e.dimension, e.as_of, e.version, e.score, e.origin, e.status,"
                           " e.confidence, e.age_days, e.rationale, e.inputs, e.rubric_version"
                           " FROM evidence_history e JOIN latest_scores l USING (role_id) WHERE e.as_of <= l.as_of"
                           " QUALIFY row_number() OVER (PARTITION BY e.role_id, e.dimension ORDER BY e.as_of DESC) = 1"
                           " ORDER BY e.role_id, e.dimension, e.as_of"):
        evidence.setdefault(r["role_id"], []).append(r)
    roles = list(catalogue) if catalogue is not None else _catalogue_from_warehouse(con)
    roles = sorted(roles, key=lambda r: r.title.lower())
    return SiteData(roles=roles, latest=latest, history=history, evidence=evidence,
                    missing=[r.id for r in roles if r.id not in latest], current=current)


def _catalogue_from_warehouse(con: duckdb.DuckDBPyConnection) -> list[Role]:
    rows = con.execute(
        "SELECT c.document FROM catalogue_versions c JOIN role_titles t"
        " ON c.role_id = t.role_id AND c.content_hash = t.catalogue_hash ORDER BY c.role_id").fetchall()
    return [Role.model_validate_json(doc) for (doc,) in rows]


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, (_plain(v) for v in row))) for row in cursor.fetchall()]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value
    return value


# --------------------------------------------------------------------------- one role's page model

def evidence_in_force(rows: list[dict], on: date | None) -> list[dict]:
    """Newest evidence row per dimension on or before `on`, in dimension order."""
    chosen: dict[str, dict] = {}
    for r in rows:
        if on is not None and _to_date(r["as_of"]) > on:
            continue
        prev = chosen.get(r["dimension"])
        if prev is None or _to_date(r["as_of"]) >= _to_date(prev["as_of"]):
            chosen[r["dimension"]] = r
    order = [d for d in DIMENSIONS if d in chosen] + sorted(set(chosen) - set(DIMENSIONS))
    return [chosen[d] for d in order]


def sources_of(row: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The sources an evidence row rests on: named in its inputs JSON (a `source`/`sources` entry,
    a key, a `source:...` series key) or, for published rows, in its rationale."""
    found: list[str] = []

    def add(name: str) -> None:
        if name in sources and name not in found:
            found.append(name)

    def walk(value: Any, key: str | None = None) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                add(str(k))
                walk(v, str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            if key in ("source", "sources"):
                add(value)
            prefix = value.split(":", 1)[0]
            if prefix != value:
                add(prefix)

    inputs = row.get("inputs")
    if isinstance(inputs, str):
        try:
            inputs = json.loads(inputs)
        except ValueError:
            inputs = None
    walk(inputs)
    text = " ".join(str(row.get(k) or "") for k in ("rationale",)).lower()
    for name, meta in sources.items():
        for alias in meta.get("aliases") or []:
            if alias and re.search(rf"(?<![a-z]){re.escape(alias.lower())}(?![a-z])", text):
                add(name)
                break
    return found


def role_page(role: Role, data: SiteData, method: Any, sources: Mapping[str, Mapping[str, Any]]) -> dict:
    latest = data.latest.get(role.id)
    history = data.history.get(role.id, [])
    as_of = _to_date(latest["as_of"]) if latest else None
    current = data.current.get(role.id) if latest else None
    evidence_rows = evidence_in_force(data.evidence.get(role.id, []), as_of)
    evidence = []
    for r in evidence_rows:
        cited = sources_of(r, sources)
        evidence.append({
            "dimension": r["dimension"], "label": DIMENSION_LABELS.get(r["dimension"], r["dimension"]),
            "score": r["score"], "origin": r["origin"], "status": r["status"],
            "confidence": r["confidence"], "as_of": _to_date(r["as_of"]), "age_days": r["age_days"],
            "rationale": r["rationale"], "rubric_version": r["rubric_version"],
            "sources": [{"id": s, "text": sources[s]["text"], "homepage": sources[s].get("homepage")} for s in cited],
            "inputs": _parse_json(r["inputs"]),
        })

    calc = None
    if current is not None:
        result = score(current["task_resistance"], current["evidence_total"], current["barrier_total"],
                       current["growth"], current["pct_time_3plus"],
                       published_sublabel=role.published.sublabel if role.published else None, method=method)
        calc = {
            "tr": current["task_resistance"], "evidence_total": current["evidence_total"],
            "barrier_total": current["barrier_total"], "growth": current["growth"],
            "em": result.em, "bm": result.bm, "gm": result.gm, "raw": result.raw,
            "raw_floor": float(method.raw_floor), "raw_span": float(method.raw_span),
            "aijri_unrounded": result.aijri_unrounded, "aijri": result.aijri, "zone": result.zone,
            "sublabel": result.sublabel, "clamped": result.clamped,
            "override_aijri": current["override_aijri"],
            "boundaries": [{
                "direction": b.direction, "to_zone": b.to_zone, "boundary": b.boundary,
                "aijri_points": b.aijri_points, "evidence_points": b.evidence_points,
                "evidence_steps": b.evidence_steps} for b in result.boundaries],
            "zone_rule": _zone_rule(result.zone, result.sublabel, current["growth"], current["pct_time_3plus"],
                                    method),
        }

    tasks = None
    if role.has_task_table:
        share = {k: sum(t.time_pct for t in role.tasks if t.involvement == k)
                 for k in ("DISPLACEMENT", "AUGMENTATION", "NOT INVOLVED")}
        weighted = sum(t.time_pct * t.score for t in role.tasks) / 100
        tasks = {"rows": [t.model_dump() for t in role.tasks], "weighted": weighted, "tr": role.tr,
                 "share": share, "pct_3plus": role.pct_time_3plus}

    chart_points = _chart_points(history)
    summary = {
        "id": role.id, "title": role.title, "seniority": role.seniority,
        "href": f"roles/{role.id}.html",
        "aijri": latest["aijri"] if latest else None, "zone": latest["zone"] if latest else None,
        "sublabel": latest["sublabel"] if latest else None, "as_of": as_of,
        "change": latest["change"] if latest else None,
        "previous_as_of": _to_date(latest["previous_as_of"]) if latest and latest["previous_as_of"] else None,
        "previous_zone": latest["previous_zone"] if latest else None,
        "sparkline": sparkline(chart_points, title=f"{role.title}: AIJRI history"),
    }
    return {
        "role": {"id": role.id, "title": role.title, "seniority": role.seniority, "soc": role.soc,
                 "geography": role.geography},
        "summary": summary,
        "latest": latest,
        "published": role.published.model_dump() if role.published else None,
        "protective": [{"name": PRINCIPLE_LABELS[k], "score": role.protective[k].score,
                        "rationale": role.protective[k].rationale} for k in PRINCIPLES if k in role.protective],
        "protective_total": sum(p.score for p in role.protective.values()) if role.protective else None,
        "growth": {"score": role.growth.score, "words": GROWTH_WORDS.get(role.growth.score, ""),
                   "rationale": role.growth.rationale},
        "tasks": tasks,
        "task_resistance_cited": role.task_resistance.model_dump() if role.task_resistance else None,
        "evidence": evidence,
        "evidence_total": current["evidence_total"] if current else role.baseline_evidence_total,
        "evidence_refreshed": bool(current and current["evidence_refreshed"]),
        "evidence_total_cited": role.evidence_total.model_dump() if role.evidence_total else None,
        "barriers": [{"name": BARRIER_LABELS[k], "score": role.barriers[k].score,
                      "rationale": role.barriers[k].rationale} for k in BARRIERS if k in role.barriers],
        "barrier_total": role.barrier_sum,
        "barrier_total_cited": role.barrier_total.model_dump() if role.barrier_total else None,
        "calc": calc,
        "methodology_version": current["methodology_version"] if current else None,
        "rubric_version": current["rubric_version"] if current else None,
    }


def history_parts(role: Role, data: SiteData) -> dict:
    """The history chart, table and JSON rows of one role's page.

    Built only while that page is written (see `build_site`): years of nights for every role
    at once would hold millions of point dicts.
    """
    points = _chart_points(data.history.get(role.id, []))
    return {"history": points, "history_table": points[::-1][:HISTORY_TABLE_ROWS],
            "history_not_listed": max(0, len(points) - HISTORY_TABLE_ROWS),
            "chart": history_chart(points, title=f"{role.title}: AIJRI history")}


def _chart_points(history: list[tuple]) -> list[dict]:
    return [{"as_of": _to_date(night), "aijri": float(aijri), "zone": zone, "sublabel": sublabel}
            for night, aijri, zone, sublabel in history]


def _zone_rule(zone: str, sublabel: str | None, growth: float, pct: float | None, m: Any) -> str:
    green, yellow = float(m.green_min), float(m.yellow_min)
    if zone == "Green":
        why = (f"growth {growth:+g} ≥ {m.accelerated_min_growth:+d}" if sublabel == "Accelerated"
               else f"growth {growth:+g} < {m.accelerated_min_growth:+d}")
        return f"The score is ≥ {green:g}; {why}."
    if zone == "Yellow":
        if pct is None:
            return (f"The score is in {yellow:g}–{green - 0.1:g}; the task table is not public, so the "
                    "published sub-label is kept.")
        cmp = "≥" if sublabel == "Urgent" else "<"
        return (f"The score is in {yellow:g}–{green - 0.1:g}, and {pct:g} % {cmp} "
                f"{float(m.urgent_min_pct_time_3plus):g} % of task time scores 3+.")
    return f"The score is below {yellow:g}."


def role_json(page: dict, generated_at: str, methodology_version: str) -> dict:
    return ({
        "generated_at": generated_at, "methodology_version": methodology_version,
        "role": page["role"], "latest": page["latest"], "calculation": page["calc"],
        "evidence": page["evidence"], "evidence_total": page["evidence_total"],
        "history": page["history"],
    })


def _json_summary(summary: dict) -> dict:
    return _jsonable({k: v for k, v in summary.items() if k != "sparkline"})


# --------------------------------------------------------------------------- SVG charts (numbers only)

def history_chart(points: list[dict], *, title: str, width: int = 640, height: int = 240) -> dict:
    """Coordinates of the AIJRI history chart on a fixed 0-100 axis with the zone bands."""
    left, right, top, bottom = 44, 16, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    m = load_method()
    green, yellow = float(m.green_min), float(m.yellow_min)

    def y_of(v: float) -> float:
        return round(top + plot_h * (1 - max(0.0, min(100.0, v)) / 100), 2)

    xs = _x_positions([p["as_of"] for p in points], left + 10, plot_w - 20)
    coords = [{"x": x, "y": y_of(p["aijri"]), **p} for x, p in zip(xs, points)]
    bands = [
        {"zone": "Green", "y": y_of(100), "h": round(y_of(green) - y_of(100), 2)},
        {"zone": "Yellow", "y": y_of(green), "h": round(y_of(yellow) - y_of(green), 2)},
        {"zone": "Red", "y": y_of(yellow), "h": round(y_of(0) - y_of(yellow), 2)},
    ]
    ticks = [{"v": v, "y": y_of(v)} for v in (0, yellow, green, 100)]
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
        c["label"] = f"{c['as_of'].isoformat()}: {c['aijri']:.1f} ({_state(c['zone'], c['sublabel'])})"
    summary = (f"{title}: {len(coords)} point(s)" + (
        f", from {coords[0]['aijri']:.1f} on {coords[0]['as_of'].isoformat()} to {coords[-1]['aijri']:.1f}"
        f" on {coords[-1]['as_of'].isoformat()}" if coords else ", no results yet"))
    return {"width": width, "height": height, "left": left, "plot_w": plot_w, "top": top, "plot_h": plot_h,
            "points": coords, "marked": marked, "polyline": " ".join(f"{c['x']},{c['y']}" for c in coords),
            "bands": bands, "ticks": ticks, "x_labels": x_labels, "title": title, "summary": summary}


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
    xs = _x_positions([p["as_of"] for p in points], pad, width - 2 * pad)
    coords = [{"x": x, "y": round(pad + (height - 2 * pad) * (1 - (p["aijri"] - lo) / (hi - lo)), 2),
               "aijri": p["aijri"], "as_of": p["as_of"]} for x, p in zip(xs, points)]
    label = (f"{title}: " + ", ".join(f"{c['aijri']:.1f} on {c['as_of'].isoformat()}" for c in coords[-10:])
             if coords else f"{title}: no results yet")
    return {"width": width, "height": height, "points": coords,
            "polyline": " ".join(f"{c['x']},{c['y']}" for c in coords), "label": label,
            "last": coords[-1] if coords else None}


def _x_positions(days: list[date], left: float, span: float) -> list[float]:
    if not days:
        return []
    if len(days) == 1:
        return [round(left + span / 2, 2)]
    first, last = days[0], days[-1]
    total = (last - first).days or 1
    return [round(left + span * (d - first).days / total, 2) for d in days]


# --------------------------------------------------------------------------- Jinja2

@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(SITE_DIR)),
        autoescape=True,  # every template, whatever its name: data is always escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["signed"] = _signed
    env.filters["num"] = _num
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:g} %"
    env.filters["state"] = lambda z, s=None: "–" if z is None else _state(z, s)
    env.filters["lower_zone"] = lambda z: (z or "none").lower()
    env.filters["date"] = lambda d: "–" if d is None else _to_date(d).isoformat()
    env.filters["dimension"] = lambda d: DIMENSION_LABELS.get(d, d)
    return env


def _footer_sources(sources: Mapping[str, Mapping[str, Any]], pages: Iterable[dict]) -> list[dict]:
    used = [s["id"] for p in pages for e in p["evidence"] for s in e["sources"]]
    names = list(FOOTER_SOURCES) + [s for s in dict.fromkeys(used) if s not in FOOTER_SOURCES]
    return [{"id": n, "name": sources[n].get("name", n), "text": sources[n]["text"],
             "homepage": _web_url(sources[n].get("homepage")), "licence_url": _web_url(sources[n].get("licence_url"))}
            for n in names if n in sources]


def _web_url(value: Any) -> str | None:
    """Only plain http(s) links reach an href."""
    return value if isinstance(value, str) and re.match(r"^https?://[^\s\"'<>]+$", value) else None


def _signed(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    v = float(value)
    if digits == 0 and v == int(v):
        return "0" if v == 0 else f"{int(v):+d}"
    text = f"{v:+.{digits or 1}f}"
    return text[1:] if float(text) == 0 else text  # no sign on zero


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value):.{digits}f}"


def _state(zone: str, sublabel: str | None) -> str:
    return f"{zone} ({sublabel})" if sublabel else zone


def _to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _iso_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # most values; checked first (ABC isinstance checks cost seconds on big pages)
    if kind is float:
        return None if math.isnan(value) or math.isinf(value) else value
    if kind is date:
        return value.isoformat()
    if kind is dict:
        return {str(k): _jsonable(v) for k, v in value.items()}
    if kind is list:
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _parse_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _json(payload: Any) -> str:
    # Compact: with `indent` json falls back to its pure-Python encoder, which took 16 s for
    # 1,000 role files of 3 years' history each. `python -m json.tool` pretty-prints a file.
    return json.dumps(_jsonable(payload), separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


