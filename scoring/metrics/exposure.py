"""AI Tool Maturity from occupation exposure studies: where the role's occupations rank among all
occupations of each study's newest release (percentile, 0 = least exposed, 1 = most), averaged
over the studies, and how that rank moved from the study's previous release.

Studies measure on different scales (a 0-1 share of tasks, a z-scored index), so only ranks are
compared. A release ranking fewer occupations than the level's `min_sample` (an excerpt of one
SOC group) is not used: a rank among 30 computer occupations says nothing about all occupations.
Lineage: the role's rows in each release used (the ranks rest on the whole release, fetched
as one file: its fetch_id names it)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import iso, lineage_entries, lineage_json, row, rows_of
from scoring.metrics.occupation_keys import per_code_set

LEVEL, CHANGE, UNIT = "ai_exposure_rank", "ai_exposure_rank_change", "fraction"
#: the one measure read per study (a study publishing several: its headline one)
MEASURES = ("aei_observed_exposure", "gpts_exposure_beta", "ms_ai_applicability", "aioe", "lm_aioe")


def releases(obs: pd.DataFrame, min_occupations: float) -> dict[str, list[dict]]:
    """Per study: its releases ranking enough occupations, oldest first, each {release, n,
    ranks: code -> (percentile, lineage entry, period_end)}."""
    rows = rows_of(obs, "ai_exposure", MEASURES)
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return {}
    rows = rows.assign(_study=rows["series_key"].astype(str).str.split(":").str[1], _code=rows["subject"].astype(str))
    rows = rows[~rows.duplicated(["_study", "metric", "period_end", "_code"], keep="last")]
    out: dict[str, list[dict]] = {}
    for (study, metric, end), g in rows.groupby(["_study", "metric", "period_end"], sort=True):
        if len(g) < min_occupations:
            continue
        pct = g["value"].rank(method="average", pct=True).to_numpy()
        entries = lineage_entries(g)
        out.setdefault(study, []).append({"release": end, "metric": metric, "n": len(g),
                                          "ranks": dict(zip(g["_code"], zip(pct, entries)))})
    return out


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    _, spec = rubric.input(LEVEL)
    studies = releases(obs, spec.min_sample or 0)

    def one(codes: tuple[str, ...]) -> list[dict]:
        return [_level(codes, studies), _change(codes, studies)]

    return per_code_set(roles, (LEVEL, CHANGE), UNIT, one)


def _rank(release: dict, codes) -> tuple[float, list[str]] | None:
    found = [release["ranks"][c] for c in codes if c in release["ranks"]]
    return (float(np.mean([p for p, _ in found])), [e for _, e in found]) if found else None


def _level(codes, studies: dict[str, list[dict]]) -> dict:
    used, lineage = [], []
    for study, rels in studies.items():
        r = _rank(rels[-1], codes)
        if r is not None:
            used.append({"study": study, "release": iso(rels[-1]["release"]), "percentile": round(r[0], 4),
                         "occupations": rels[-1]["n"]})
            lineage += r[1]
    if not used:
        return row(LEVEL, UNIT, "no_data", f"no full exposure study ranks {', '.join(codes)}")
    value = float(np.mean([u["percentile"] for u in used]))
    parts = ", ".join(f"{u['study']} {u['percentile'] * 100:.0f}" for u in used)
    note = f"AI exposure ranks the role's occupations at percentile {value * 100:.0f} of all occupations ({parts})"
    newest = max(pd.Timestamp(u["release"]) for u in used)
    return row(LEVEL, UNIT, "ok", note, value=value, sample_size=min(u["occupations"] for u in used),
               observed_to=newest, inputs={"studies": used}, lineage=lineage_json(lineage))


def _change(codes, studies: dict[str, list[dict]]) -> dict:
    moved, lineage, single = [], [], []
    for study, rels in studies.items():
        now = _rank(rels[-1], codes)
        if now is None:
            continue
        before = _rank(rels[-2], codes) if len(rels) > 1 else None
        if before is None:
            single.append(f"{study} {iso(rels[-1]['release'])}")
            continue
        moved.append({"study": study, "from": iso(rels[-2]["release"]), "to": iso(rels[-1]["release"]),
                      "change": round(now[0] - before[0], 4)})
        lineage += before[1] + now[1]
    if not moved:
        status = "insufficient_history" if single else "no_data"
        note = (f"one release held per study ({', '.join(single)}); a change needs two" if single
                else f"no full exposure study ranks {', '.join(codes)}")
        return row(CHANGE, UNIT, status, note)
    value = float(np.mean([m["change"] for m in moved]))
    parts = ", ".join(f"{m['study']} {m['from']} → {m['to']} {m['change'] * 100:+.0f}" for m in moved)
    return row(CHANGE, UNIT, "ok", f"AI exposure rank moved {value * 100:+.0f} percentile points ({parts})",
               value=value, observed_to=max(pd.Timestamp(m["to"]) for m in moved), inputs={"studies": moved},
               lineage=lineage_json(lineage))


_OUT = Output(UNIT, "ai_exposure", MEASURES)
FAMILY = Family(name="exposure", key="soc", comparison="percentile among all occupations; change between releases",
                outputs={LEVEL: replace(_OUT, label="how exposed the role's occupations are to AI, among all "
                                                    "occupations"),
                         CHANGE: replace(_OUT, label="change in that AI exposure rank since the previous study "
                                                     "release")},
                compute=compute)
