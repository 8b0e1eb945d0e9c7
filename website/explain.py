"""Stored results in words an analyst reads: what moved a dimension, why a score moved, the night's health.

Nothing here computes a score: every value is one the nightly stored (an evidence row, its inputs
JSON, a movement from `warehouse.queries.score_movements`); this module only words them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from core.vocabulary import DIMENSION_LABELS
from scoring.alerts import CAUSE_LABELS
from website.formats import signed, web_url

#: why a dimension kept its value, by evidence status (the rationale carries the detail)
STATUS_WORDS = {
    "insufficient_coverage": "too few of its inputs had usable data tonight",
    "request_failed": "a request it reads failed tonight",
    "quarantined": "tonight's value was quarantined",
    "stale": "its data is too old to use",
    "not_refreshed": "it is not refreshed from data",
    "published": "it is not refreshed from data",
}

#: the result inputs only the catalogue moves, as the pages name them
RESULT_INPUTS = {"task_resistance": "Task Resistance", "barrier_total": "barrier total", "growth": "AI growth",
                 "evidence_total": "published evidence total"}


def used_and_unused(inputs: Any) -> tuple[list[dict], list[dict]]:
    """The signals an evidence row used and those it could not, from its stored inputs JSON
    (a carried row keeps tonight's attempt under `tonight`)."""
    if not isinstance(inputs, Mapping):
        return [], []
    if isinstance(inputs.get("tonight"), Mapping):
        inputs = inputs["tonight"]
    used = [u for u in inputs.get("used") or [] if isinstance(u, Mapping)]
    unused = [u for u in inputs.get("unused") or [] if isinstance(u, Mapping)]
    return used, unused


def signal_words(entry: Mapping[str, Any]) -> str:
    """One used signal: its note, the band it fell in and the score it gave."""
    note = entry.get("note") or entry.get("metric", "")
    score = entry.get("score")
    if entry.get("band") is None or score is None:
        return note
    words = f"{note}: band {entry['band']}"
    if entry.get("direction") == "lower_is_better":
        words += " (a rise counts against the role)"
    band_score, clamp = entry.get("band_score"), entry.get("clamp")
    inverted = band_score if band_score is None or entry.get("direction") != "lower_is_better" else -band_score
    if clamp and inverted is not None and score != inverted:
        words += f", capped to {signed(clamp[0])}..{signed(clamp[1])}"
    return f"{words} → {signed(score)}"


def dimension_words(row: Mapping[str, Any], published: int | None) -> str:
    """What gave a dimension tonight's value, against the published card's."""
    score, origin = row["score"], row["origin"]
    used, _ = used_and_unused(row.get("inputs"))
    against = "" if published is None else (
        "as published" if published == score else
        f"{'up' if score > published else 'down'} {abs(score - published)} from the published {signed(published)}")
    if origin == "refreshed":
        lead = f"Refreshed from data to {signed(score)}" + (f", {against}" if against else "")
        detail = "; ".join(signal_words(u) for u in used)
        if len(used) > 1:
            detail += "; their weighted mean rounds to " + signed(score)
        detail = detail or row.get("rationale") or ""  # a row stored without its signals: its own words
        return f"{lead}: {detail}." if detail else f"{lead}."
    if origin == "carried":
        age = row.get("age_days")
        since = f", {age} day(s) old" if age is not None else ""
        why = STATUS_WORDS.get(row.get("status") or "", row.get("status") or "no usable signal tonight")
        return f"Carried at its last good value {signed(score)}{since}" + (f" ({against})" if against else "") + \
               f": {why}."
    if origin == "override":
        return f"Set to {signed(score)} by an assessor override" + (f" ({against})." if against else ".")
    return f"The published value {signed(score)}: " + STATUS_WORDS["published"] + "."


def claims_of(row: Mapping[str, Any]) -> list[dict]:
    """The expert claims an evidence row rests on, each with its own source link (http(s) only)."""
    used, _ = used_and_unused(row.get("inputs"))
    out = []
    for entry in used:
        for claim in (entry.get("inputs") or {}).get("claims") or []:
            detail = claim.get("detail")
            try:
                detail = json.loads(detail) if isinstance(detail, str) else (detail or {})
            except ValueError:
                detail = {}
            if not isinstance(detail, Mapping):
                detail = {}
            url = detail.get("url") or detail.get("source_url")
            out.append({"text": detail.get("claim") or detail.get("id") or "expert claim", "date": claim.get("date"),
                        "direction": claim.get("direction"), "weight": claim.get("weight"),
                        "url": web_url(url), "host": urlsplit(url).hostname if web_url(url) else None})
    return out


def cause_words(movement: Mapping[str, Any]) -> str:
    """A stored movement's causes: "evidence", "catalogue edit", "evidence and method change"."""
    causes = [CAUSE_LABELS.get(c, c) for c in movement.get("causes") or []]
    if not causes:
        return "nothing stored explains it"
    return causes[0] if len(causes) == 1 else ", ".join(causes[:-1]) + " and " + causes[-1]


def moved_words(movement: Mapping[str, Any]) -> list[str]:
    """What moved, one phrase per dimension or result input: value before → after (cause: signals)."""
    out = []
    for d in movement.get("dimensions") or []:
        signals = ", ".join(d.get("signals") or []) or d.get("origin") or ""
        counted = "" if d.get("counted", True) else "; not in the score: the role keeps its published total"
        out.append(f"{DIMENSION_LABELS.get(d['dimension'], d['dimension'])} {signed(d['from'])} → {signed(d['to'])}"
                   f" ({CAUSE_LABELS.get(d['cause'], d['cause'])}{': ' + signals if signals else ''}{counted})")
    for i in movement.get("inputs") or []:
        out.append(f"{RESULT_INPUTS.get(i['input'], i['input'])} {i['from']:g} → {i['to']:g} "
                   f"({CAUSE_LABELS['catalogue']})")
    if movement.get("method_changed"):
        out.append(f"methodology version changed ({CAUSE_LABELS['method']})")
    return out


def night_banner(health: Mapping[str, Any] | None, carried: list[dict], not_refreshed: list[dict],
                 names: Mapping[str, str]) -> dict | None:
    """The degraded-night banner: failing sources, the dimensions carried (with their age) and
    those left unrefreshed because a request failed. None on a healthy night."""
    if not health:
        return None
    failing = [s for s in health["sources"] if s["failed"]]
    if not failing and health.get("status") != "degraded":
        return None
    sources = []
    for s in failing:
        outcomes = s.get("outcomes")
        try:
            outcomes = json.loads(outcomes) if isinstance(outcomes, str) else (outcomes or {})
        except ValueError:
            outcomes = {}
        bad = ", ".join(f"{k} ×{v}" for k, v in sorted(outcomes.items()) if k not in ("ok", "unchanged"))
        sources.append({"id": s["source"], "name": names.get(s["source"], s["source"]),
                        "text": f"{s['failed']} of {s['requests']} request(s) failed" + (f": {bad}" if bad else "")})
    return {"as_of": health.get("as_of"), "status": health.get("status"), "run_id": health.get("run_id"),
            "sources": sources, "carried": carried, "not_refreshed": not_refreshed,
            "catalogue_errors": list(health.get("catalogue_errors") or [])}
