"""The page model: what the index and each role's card show, read from the warehouse.

Every number a page shows as a result (AIJRI, zone, sub-label, EM/BM/GM, raw, clamping, the
versions) is the one the nightly stored in `aijri_results`; the site computes no score. All
reads go through `warehouse.queries` (the site section).
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from datetime import date, timedelta
from collections.abc import Mapping
from typing import Any

import duckdb

from core.catalogue import ASSESSMENT_LABELS, ORIGIN_LABELS, Catalogue, Role
from core.errors import InputRangeError
from core.vocabulary import BARRIER_LABELS, BARRIERS, DIMENSION_LABELS, DIMENSIONS, PRINCIPLE_LABELS, PRINCIPLES
from scoring.aijri import ZONES, score
from scoring.metrics.registry import label as metric_label
from warehouse import queries
from website.attribution import sources_of
from website.charts import HISTORY_TABLE_ROWS, chart_points, history_chart, sparkline
from website.explain import cause_words, claims_of, dimension_words, signal_words, used_and_unused
from website.formats import jsonable, parse_json, plain_rows, signed, to_date, web_url

#: fetch hosts the site names but never links (the demo's loopback server is not a public page)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", None}

#: the movements page lists the nights of this many days up to the newest result
MOVEMENT_DAYS = 90

GROWTH_WORDS = {-2: "strong negative", -1: "weak negative", 0: "neutral", 1: "weak positive", 2: "strong positive"}


@dataclass
class SiteData:
    roles: list[Role]
    latest: dict[str, dict]
    #: per role, (as_of, aijri, zone, sublabel) per night, oldest first
    history: dict[str, list[tuple]]
    evidence: dict[str, list[dict]]
    missing: list[str] = field(default_factory=list)
    #: per role, the stored result row of its latest night (what the calculation shows)
    current: dict[str, dict] = field(default_factory=dict)
    #: per role, the fetches behind each metric of its latest night (`queries.site_lineage`)
    lineage: dict[str, list[dict]] = field(default_factory=dict)
    #: the stored score movements the movements page lists, newest night first
    movements: list[dict] = field(default_factory=list)
    #: the newest night that fetched: its run and each source's failures (`queries.site_night_health`)
    health: dict | None = None


def load_site_data(con: duckdb.DuckDBPyConnection, catalogue: Catalogue | None) -> SiteData:
    latest = {r["role_id"]: r for r in plain_rows(queries.site_latest_scores(con))}
    # Years of nightly history make millions of rows: the chart needs four typed columns of
    # each night (plain tuples, no per-value conversion), the calculation the latest row only.
    history: dict[str, list[tuple]] = {}
    for role_id, *night in queries.site_score_nights(con):
        history.setdefault(role_id, []).append(tuple(night))
    current = {r["role_id"]: r for r in plain_rows(queries.site_latest_results(con))}
    # Pages show the evidence in force on each role's latest night: the newest row per
    # dimension up to then, not every stored version.
    evidence: dict[str, list[dict]] = {}
    for r in plain_rows(queries.site_evidence_in_force(con)):
        evidence.setdefault(r["role_id"], []).append(r)
    lineage: dict[str, list[dict]] = {}
    for r in plain_rows(queries.site_lineage(con)):
        lineage.setdefault(r["role_id"], []).append(r)
    newest = max((to_date(r["as_of"]) for r in latest.values()), default=None)
    movements = plain_rows(queries.score_movements(
        con, since=newest - timedelta(days=MOVEMENT_DAYS) if newest else None))
    roles = list(catalogue) if catalogue is not None else [
        Role.model_validate_json(doc) for doc in queries.site_role_documents(con)]
    roles = sorted(roles, key=lambda r: r.title.lower())
    return SiteData(roles=roles, latest=latest, history=history, evidence=evidence,
                    missing=[r.id for r in roles if r.id not in latest], current=current,
                    lineage=lineage, movements=movements, health=queries.site_night_health(con))


def methodology_versions(data: SiteData) -> list[str]:
    """The methodology versions the shown results were stored under, sorted."""
    return sorted({r["methodology_version"] for r in data.current.values() if r.get("methodology_version")})


def evidence_in_force(rows: list[dict], on: date | None) -> list[dict]:
    """Newest evidence row per dimension on or before `on`, in dimension order."""
    chosen: dict[str, dict] = {}
    for r in rows:
        if on is not None and to_date(r["as_of"]) > on:
            continue
        prev = chosen.get(r["dimension"])
        if prev is None or to_date(r["as_of"]) >= to_date(prev["as_of"]):
            chosen[r["dimension"]] = r
    order = [d for d in DIMENSIONS if d in chosen] + sorted(set(chosen) - set(DIMENSIONS))
    return [chosen[d] for d in order]


def calculation(role: Role, stored: dict, method: Any) -> dict:
    """The card's Result section: the stored result, as the nightly wrote it.

    Nothing here is recomputed: the modifiers, raw, AIJRI, zone, sub-label and clamping are the
    stored columns. `method` supplies the formula's constants and the thresholds the text names.
    """
    reproduced = what_if(role, stored, method)
    return {
        "tr": stored["task_resistance"], "evidence_total": stored["evidence_total"],
        "barrier_total": stored["barrier_total"], "growth": stored["growth"],
        "em": stored["em"], "bm": stored["bm"], "gm": stored["gm"], "raw": stored["raw"],
        "raw_floor": float(method.raw_floor), "raw_span": float(method.raw_span),
        "aijri_unrounded": stored["aijri_unrounded"], "aijri": stored["aijri"], "zone": stored["zone"],
        "sublabel": stored["sublabel"], "clamped": bool(stored["clamped"]),
        "override_aijri": stored["override_aijri"],
        "boundaries": [{"direction": b.direction, "to_zone": b.to_zone, "boundary": b.boundary,
                        "aijri_points": b.aijri_points, "evidence_points": b.evidence_points,
                        "evidence_steps": b.evidence_steps} for b in (reproduced.boundaries if reproduced else [])],
        "zone_rule": zone_rule(stored["zone"], stored["sublabel"], stored["growth"], stored["pct_time_3plus"],
                               method) if reproduced else
        f"Stored under methodology {stored['methodology_version']}, whose thresholds this site does not hold.",
    }


def what_if(role: Role, stored: dict, method: Any) -> Any:
    """The method run on the stored inputs, for the distance to the neighbouring zones only.

    A what-if cannot be stored, so the boundaries are derived from the stored inputs with
    `scoring.aijri` (the one place the formula lives); nothing else of this result is shown.
    They, and the zone rule's thresholds, describe the stored result only if the method still
    gives that result for these inputs; None when it does not (e.g. the result was stored under
    another methodology) or the inputs are outside the method's ranges.
    """
    try:
        result = score(stored["task_resistance"], stored["evidence_total"], stored["barrier_total"],
                       stored["growth"], stored["pct_time_3plus"],
                       published_sublabel=role.published.sublabel if role.published else None, method=method)
    except InputRangeError:
        return None
    same = (result.zone, result.sublabel) == (stored["zone"], stored["sublabel"]) and \
        math.isclose(result.aijri, stored["aijri"], abs_tol=1e-9)
    return result if same else None


def zone_rule(zone: str, sublabel: str | None, growth: float, pct: float | None, m: Any) -> str:
    """Why the stored zone and sub-label hold, in the method's thresholds."""
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


def role_page(role: Role, data: SiteData, method: Any, sources: Mapping[str, Mapping[str, Any]]) -> dict:
    latest = data.latest.get(role.id)
    history = data.history.get(role.id, [])
    as_of = to_date(latest["as_of"]) if latest else None
    current = data.current.get(role.id) if latest else None
    fetches = role_fetches(role, data)
    evidence = [evidence_entry(r, role, data, sources, fetches)
                for r in evidence_in_force(data.evidence.get(role.id, []), as_of)]

    tasks = None
    if role.has_task_table:  # the catalogue's task table, as cited (the stored TR is in `calc`)
        share = {k: sum(t.time_pct for t in role.tasks if t.involvement == k)
                 for k in ("DISPLACEMENT", "AUGMENTATION", "NOT INVOLVED")}
        weighted = sum(t.time_pct * t.score for t in role.tasks) / 100
        tasks = {"rows": [t.model_dump() for t in role.tasks], "weighted": weighted, "tr": role.tr,
                 "share": share, "pct_3plus": role.pct_time_3plus}

    moved = next((m for m in data.movements if m["role_id"] == role.id and as_of is not None
                  and to_date(m["as_of"]) == as_of), None)
    summary = {
        "id": role.id, "title": role.title, "seniority": role.seniority,
        "href": f"roles/{role.id}.html",
        "aijri": latest["aijri"] if latest else None, "zone": latest["zone"] if latest else None,
        "sublabel": latest["sublabel"] if latest else None, "as_of": as_of,
        "zone_rank": ZONES.index(latest["zone"]) if latest and latest["zone"] in ZONES else None,
        "change": latest["change"] if latest else None,
        "previous_as_of": to_date(latest["previous_as_of"]) if latest and latest["previous_as_of"] else None,
        "previous_zone": latest["previous_zone"] if latest else None,
        "sparkline": sparkline(chart_points(history), title=f"{role.title}: AIJRI history"),
        # the published card beside tonight's: whose inputs tonight's rests on says what a gap means
        "published_aijri": role.published.aijri if role.published else None,
        "published_zone": role.published.zone if role.published else None,
        "published_sublabel": role.published.sublabel if role.published else None,
        "assessment": role.assessment, "inputs": ASSESSMENT_LABELS[role.assessment],
        "vs_published": (round(latest["aijri"] - role.published.aijri, 1)
                         if latest and latest["aijri"] is not None and role.published else None),
    }
    return {
        "role": {"id": role.id, "title": role.title, "seniority": role.seniority, "soc": role.soc,
                 "geography": role.geography},
        "summary": summary,
        "latest": latest,
        "moved": None if moved is None else {
            "change": moved["change"], "from": "the published card" if moved["from_as_of"] is None
            else to_date(moved["from_as_of"]).isoformat(), "cause": cause_words(moved),
            "href": f"../changes.html#night-{as_of.isoformat()}"},
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
        "totals_note": totals_note(role, evidence, current),
        "barriers": [{"name": BARRIER_LABELS[k], "score": role.barriers[k].score,
                      "rationale": role.barriers[k].rationale} for k in BARRIERS if k in role.barriers],
        "barrier_total": role.barrier_sum,
        "barrier_total_cited": role.barrier_total.model_dump() if role.barrier_total else None,
        "calc": calculation(role, current, method) if current is not None else None,
        "methodology_version": current["methodology_version"] if current else None,
        "rubric_version": current["rubric_version"] if current else None,
    }


def role_fetches(role: Role, data: SiteData) -> dict[str, list[dict]]:
    """Per derived metric, the fetches behind a role's metrics (the lineage), each with its public link."""
    fetches: dict[str, list[dict]] = {}
    for f in data.lineage.get(role.id, []):
        fetches.setdefault(f["derived_metric"], []).append(
            {**f, "link": web_url(f["url"]) if urlsplit(str(f["url"])).hostname not in LOCAL_HOSTS else None})
    return fetches


def evidence_entry(r: dict, role: Role, data: SiteData, sources: Mapping[str, Mapping[str, Any]],
                   fetches: dict[str, list[dict]] | None = None) -> dict:
    """One row of a card's evidence table: tonight's stored value, the published one, what moved
    it in words, its signals with the fetches behind them (the lineage) and its claims' links.
    `fetches`: the role's `role_fetches` (shared by its five rows)."""
    inputs = parse_json(r["inputs"])
    # parsed once for both (a text that did not parse is left to sources_of, which reads it as none)
    cited = sources_of(r if isinstance(inputs, str) else {**r, "inputs": inputs}, sources)
    published = role.evidence[r["dimension"]].score if r["dimension"] in role.evidence else None
    row = {**r, "inputs": inputs}
    fetches = role_fetches(role, data) if fetches is None else fetches
    used, unused = used_and_unused(inputs)
    signals = [{"metric": u.get("metric"), "label": metric_label(u.get("metric") or ""), "used": True,
                "status": u.get("status"), "words": signal_words(u), "fetches": fetches.get(u.get("metric"), [])}
               for u in used]
    signals += [{"metric": u.get("metric"), "label": metric_label(u.get("metric") or ""), "used": False,
                 "status": u.get("status"), "words": u.get("note") or "", "fetches": fetches.get(u.get("metric"), [])}
                for u in unused]
    return {
        "dimension": r["dimension"], "label": DIMENSION_LABELS.get(r["dimension"], r["dimension"]),
        "score": r["score"], "origin": r["origin"], "status": r["status"],
        "confidence": r["confidence"], "as_of": to_date(r["as_of"]), "age_days": r["age_days"],
        "rationale": r["rationale"], "rubric_version": r["rubric_version"],
        "sources": [{"id": s, "text": sources[s]["text"], "homepage": sources[s].get("homepage")} for s in cited],
        "inputs": inputs, "published": published,
        "baseline_origin": ORIGIN_LABELS[role.evidence[r["dimension"]].origin] if published is not None else None,
        "published_basis": role.evidence[r["dimension"]].basis if published is not None else None,
        "words": dimension_words(row, published), "signals": signals, "claims": claims_of(row),
    }


def totals_note(role: Role, evidence: list[dict], current: dict | None) -> str | None:
    """Why a totals-only role's refreshed rows do not sum to the evidence total it is scored on."""
    if role.evidence or not evidence or current is None or current["evidence_refreshed"]:
        return None
    shown = sum(e["score"] for e in evidence)
    cited = f" (cited: {role.evidence_total.citation})" if role.evidence_total else ""
    return (f"This role's card publishes only an evidence total, not its five dimensions{cited}. Tonight "
            f"{len(evidence)} of {len(DIMENSIONS)} dimensions could be refreshed from data (they sum to "
            f"{signed(shown)}); a total needs all {len(DIMENSIONS)}, so the score keeps the published total "
            f"{signed(current['evidence_total'])} until every dimension can be refreshed. The rows below are "
            "shown for what the data says; they are not in the score.")


def history_parts(role: Role, data: SiteData) -> dict:
    """The history chart, table and JSON rows of one role's page.

    Built only while that page is written (see `build_site`): years of nights for every role
    at once would hold millions of point dicts.
    """
    points = chart_points(data.history.get(role.id, []))
    return {"history": points, "history_table": points[::-1][:HISTORY_TABLE_ROWS],
            "history_not_listed": max(0, len(points) - HISTORY_TABLE_ROWS),
            "chart": history_chart(points, title=f"{role.title}: AIJRI history")}


def role_json(page: dict, generated_at: str, methodology_version: str) -> dict:
    """A role's JSON file; `methodology_version` is the one its result was stored under, if any."""
    return {
        "generated_at": generated_at, "methodology_version": page["methodology_version"] or methodology_version,
        "role": page["role"], "latest": page["latest"], "calculation": page["calc"],
        "published": page["published"], "assessment": page["summary"]["assessment"],
        "evidence": page["evidence"], "evidence_total": page["evidence_total"],
        "history": page["history"],
    }


def json_summary(summary: dict) -> dict:
    """One role's row of `index.json` (its page summary without the drawn sparkline)."""
    return jsonable({k: v for k, v in summary.items() if k != "sparkline"})
