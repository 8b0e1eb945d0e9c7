"""What a user would write instead: plain sequential code and row-by-row Python loops.

Two baselines, both fed exactly the data the real pipeline gets:

* `sequential_night` (benchmark 1): every request one after another with `requests`, a polite
  sleep between two requests to the same host (the same per-host intervals as the real run),
  then pandas / BeautifulSoup parsing through the project's parsers one payload at a time, then
  `scoring.aijri.score` in a Python loop over the catalogue. No threads, no conditional GET.
* `loop_scoring` (benchmark 3): the nightly scoring work (metrics from observations, rubric
  bands, evidence totals, AIJRI, history rows, zone detection over the whole score history)
  as row-by-row Python loops over tuples: one pass to bucket the observations, one loop per
  role and metric, `scoring.aijri.score` per role, `executemany` for the history rows, and a
  per-row state machine over every role's history for zone crossings.

They are simplified (no lineage JSON, no pandera, no quarantine bookkeeping) but do the same
arithmetic over the same rows, so their time is a fair "loop" reference.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

import duckdb

from benchmarks.common import SCORING_RUBRIC

DIMENSIONS = ("job_posting_trends", "company_actions", "wage_trends", "ai_tool_maturity", "expert_consensus")


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        if value != value:  # NaN / NaT
            return None
    except TypeError:
        pass
    if hasattr(value, "date"):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _norm(text: Any) -> str:
    return " ".join(str(text).lower().replace("%20", " ").split())


# --------------------------------------------------------------------------- benchmark 3


def _bucket(rows: Iterable[tuple]) -> tuple[dict, int, int]:
    """One pass over (source, series_key, subject, geography, metric, period_start, period_end, value, unit,
    detail) tuples: check each row, then bucket it by (source, metric, subject)."""
    buckets: dict[tuple, list] = defaultdict(list)
    kept = rejected = 0
    for source, series_key, subject, geography, metric, start, end, value, unit, detail in rows:
        end = _day(end)
        value = _num(value)
        if not source or not metric or end is None:
            rejected += 1
            continue
        if metric in ("median_salary", "median_daily_rate") and value is not None:
            lo, hi = (100, 3000) if unit == "GBP/day" else (15000, 500000)
            if not lo <= value <= hi:
                rejected += 1
                continue
        subject_key = _norm(subject) if source == "itjobswatch" else str(subject)
        buckets[(source, metric, subject_key)].append((series_key, _day(start), end, value, geography, detail))
        kept += 1
    return buckets, kept, rejected


def _year_pair(rows: list, kind: str) -> tuple[float | None, float | None]:
    rows = [r for r in rows if r[0].split(":")[1:2] == [kind] and r[3] is not None]
    if not rows:
        return None, None
    now = max(rows, key=lambda r: r[2])
    target = now[2] - timedelta(days=365)
    prior = None
    for r in rows:
        off = abs((r[2] - target).days)
        if off <= 7 and (prior is None or off < abs((prior[2] - target).days)):
            prior = r
    return now[3], None if prior is None else prior[3]


def _level_yoy(rows: list, as_of: date, lag: int = 364, tol: int = 3) -> tuple[float | None, float | None]:
    by_day: dict[date, float] = {}
    for r in rows:
        if r[3] is not None and r[2] <= as_of:
            by_day[r[2]] = r[3]
    if not by_day:
        return None, None
    newest = max(by_day)
    for k in range(tol + 1):
        for d in (newest - timedelta(days=lag + k), newest - timedelta(days=lag - k)):
            if d in by_day:
                return by_day[newest], by_day[d]
    return by_day[newest], None


def _band(value: float, spec: Any) -> int:
    from scoring.rubric import input_score

    return input_score(value, spec)[0]


def loop_scoring(tonight_rows: list[tuple], warehouse: Path, catalogue_dir: Path, as_of: date,
                 scratch: Path) -> dict[str, Any]:
    """The scoring night as row-by-row loops; returns timings and counts."""
    from core.catalogue import load_catalogue
    from scoring.aijri import score
    from scoring.rubric import load_rubric, round_half_away

    t0 = time.perf_counter()
    rubric = load_rubric(version=SCORING_RUBRIC)
    catalogue = load_catalogue(catalogue_dir)
    src = duckdb.connect(str(warehouse), read_only=True)
    history = src.execute(
        "SELECT source, series_key, subject, geography, metric, period_start, period_end, value, unit, detail"
        " FROM observations").fetchall()
    buckets, kept, rejected = _bucket(history + tonight_rows)
    previous = {(r, d): s for r, d, s in src.execute(
        "SELECT role_id, dimension, score FROM evidence_scores WHERE as_of < ?"
        " QUALIFY row_number() OVER (PARTITION BY role_id, dimension ORDER BY as_of DESC, version DESC) = 1",
        [as_of]).fetchall()}
    t_read = time.perf_counter()

    layoffs = buckets_by_prefix(buckets, "layoffs", "layoff_headcount")
    metric_rows, evidence_rows, results = [], [], []
    for role in catalogue:
        lk = role.lookup
        m: dict[str, float | None] = {}
        if lk.itjobswatch:
            slug, kind = _norm(lk.itjobswatch.slug), lk.itjobswatch.kind
            a, b = _year_pair(buckets.get(("itjobswatch", "postings", slug), []), kind)
            m["postings_yoy_role"] = a / b - 1 if a and b and min(a, b) >= 20 else None
            pay = "median_daily_rate" if kind == "contract" else "median_salary"
            a, b = _year_pair(buckets.get(("itjobswatch", pay, slug), []), kind)
            m["salary_yoy_nominal_itjw"] = a / b - 1 if a and b else None
        if lk.indeed:
            cc = lk.indeed.country
            ratios = []
            for sector in lk.indeed.sectors:
                rows = [r for r in buckets.get(("indeed", "sector_postings_index", sector), []) if f":{cc}:" in r[0]]
                a, b = _level_yoy(rows, as_of)
                if a is not None and b:
                    ratios.append(a / b - 1)
            m["postings_yoy_sector"] = sum(ratios) / len(ratios) if ratios else None
            a, b = _level_yoy(buckets.get(("indeed", "postings_index", cc), []), as_of)
            m["postings_yoy_country"] = a / b - 1 if a is not None and b else None
            a, b = _level_yoy(buckets.get(("indeed", "ai_share_postings", cc), []), as_of)
            m["ai_share_pp_change"] = a - b if a is not None and b is not None else None
            wages = [r for r in buckets.get(("indeed", "posted_wage_growth_yoy", cc), []) if r[3] is not None]
            m["posted_wage_growth"] = max(wages, key=lambda r: r[2])[3] if wages else None
        for sid in lk.bls_series:
            years = sorted((r for r in buckets.get(("bls", "oews_annual_median", sid), []) if r[3]),
                           key=lambda r: r[2])
            m["salary_yoy_nominal_oews"] = years[-1][3] / years[-2][3] - 1 if len(years) >= 2 else None
        if lk.layoff_industries:
            wanted = {i.casefold() for i in lk.layoff_industries}
            now = before = events_now = events_before = 0.0
            n = 0
            for end, value, detail in layoffs:
                if detail not in wanted:
                    continue
                age = (as_of - end).days
                if 0 <= age < 365:
                    w = math.exp(-age / 90)
                    now += w * (value or 0)
                    events_now += w
                    n += 1
                elif 365 <= age < 730:
                    w = math.exp(-(age - 365) / 90)
                    before += w * (value or 0)
                    events_before += w
                    n += 1
            m["layoff_headcount_change"] = now / max(before, 100) - 1 if n >= 3 else None
            m["layoff_events_change"] = events_now / max(events_before, 1.0) - 1 if n >= 3 else None
        claims = [r for r in buckets.get(("claims", "expert_claim", role.id), []) if r[3] is not None]
        if claims:
            weights = [0.5 ** ((as_of - r[2]).days / 365) for r in claims]
            m["expert_net_direction"] = sum(w * r[3] for w, r in zip(weights, claims)) / (sum(weights) + 1.0)
        for name, value in m.items():
            metric_rows.append((role.id, name, as_of, value, "ok" if value is not None else "no_data"))

        total = 0
        for dim in DIMENSIONS:
            spec = rubric.dimensions[dim]
            used_w = all_w = 0.0
            acc = 0.0
            for primary in spec.primaries():
                w = spec.inputs[primary].weight
                all_w += w
                chosen = primary if m.get(primary) is not None else spec.fallback(primary)
                if chosen is None or m.get(chosen) is None:
                    continue
                acc += w * _band(m[chosen], spec.inputs[chosen])
                used_w += w
            if used_w and used_w / all_w >= spec.min_coverage - 1e-12:
                s, origin = max(-2, min(2, round_half_away(acc / used_w))), "refreshed"
            else:
                s = previous.get((role.id, dim), role.evidence[dim].score if role.evidence else 0)
                origin = "carried"
            total += s
            evidence_rows.append((role.id, dim, as_of, s, origin))
        r = score(role.tr, max(-10, min(10, total)), role.barrier_sum, role.growth.score, role.pct_time_3plus)
        results.append((role.id, as_of, r.aijri, r.zone, r.sublabel))
    t_score = time.perf_counter()

    out = duckdb.connect(str(scratch))
    out.execute("CREATE OR REPLACE TABLE metrics (role_id VARCHAR, metric VARCHAR, as_of DATE, value DOUBLE,"
                " status VARCHAR)")
    out.execute("CREATE OR REPLACE TABLE evidence (role_id VARCHAR, dimension VARCHAR, as_of DATE, score INTEGER,"
                " origin VARCHAR)")
    out.execute("CREATE OR REPLACE TABLE results (role_id VARCHAR, as_of DATE, aijri DOUBLE, zone VARCHAR,"
                " sublabel VARCHAR)")
    out.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?)", metric_rows)
    out.executemany("INSERT INTO evidence VALUES (?, ?, ?, ?, ?)", evidence_rows)
    out.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?)", results)
    out.close()
    t_write = time.perf_counter()

    past = src.execute("SELECT role_id, as_of, aijri, zone, sublabel FROM aijri_results WHERE as_of < ?"
                       " QUALIFY row_number() OVER (PARTITION BY role_id, as_of ORDER BY version DESC) = 1"
                       " ORDER BY role_id, as_of", [as_of]).fetchall()
    src.close()
    crossings = detect_loop(past + sorted(results))
    t_zone = time.perf_counter()
    tonight = [c for c in crossings if c[1] == as_of]
    return {"seconds": t_zone - t0, "read_s": t_read - t0, "metrics_rubric_aijri_s": t_score - t_read,
            "history_write_s": t_write - t_score, "zone_detection_s": t_zone - t_write,
            "observations_read": kept + rejected, "rejected": rejected, "history_rows": len(past),
            "results": len(results), "crossings_total": len(crossings), "crossings_tonight": len(tonight)}


def buckets_by_prefix(buckets: dict, source: str, metric: str) -> list[tuple[date, float | None, str]]:
    """Every (event date, headcount, industry) of one source's event metric."""
    out = []
    for (s, mt, _subject), rows in buckets.items():
        if s == source and mt == metric:
            out += [(r[2], r[3], str(r[5] or "").casefold()) for r in rows]
    return out


def detect_loop(rows: list[tuple], persistence: int = 2, margin: float = 1.0,
                green: float = 48.0, yellow: float = 25.0) -> list[tuple]:
    """Zone crossings with flap suppression, one history row at a time (rows sorted by role, as_of)."""
    rank = {"Red": 0, "Yellow": 1, "Green": 2}
    out = []
    role = confirmed = candidate = None
    streak = 0
    for role_id, as_of, aijri, zone, _sub in rows:
        as_of = _day(as_of)
        if role_id != role:
            role, confirmed, candidate, streak = role_id, zone, None, 0
            continue
        if zone == confirmed:
            candidate, streak = None, 0
            continue
        if zone != candidate:
            candidate, streak = zone, 0
        streak += 1
        up = rank[zone] > rank[confirmed]
        boundary = (green if zone == "Green" else yellow) if up else (green if zone == "Yellow" else yellow)
        beyond = aijri - boundary if up else boundary - aijri
        if streak >= persistence or beyond + 1e-9 >= margin:
            out.append((role_id, as_of, confirmed, zone))
            confirmed, candidate, streak = zone, None, 0
    return out


# --------------------------------------------------------------------------- benchmark 1


def sequential_night(requests_by_url: list[tuple[str, str, str, Any, dict]], intervals: dict[str, float],
                     catalogue_dir: Path, as_of: date, user_agent: str) -> dict[str, Any]:
    """requests one by one (polite per host), parse each payload, score every role in a loop.

    `requests_by_url`: (source, method, url, json body, parse context) in the order a script would
    loop over them (source by source). Returns timings and counts.
    """
    import pandas as pd
    import requests

    from core.catalogue import load_catalogue
    from scoring.aijri import score
    from scrapers.base import ParseContext
    from scrapers.registry import SOURCES

    t0 = time.perf_counter()
    last: dict[str, float] = {}
    frames, failures, statuses = [], 0, defaultdict(int)
    session_less_headers = {"User-Agent": user_agent}
    for source, method, url, body, context in requests_by_url:
        host = url.split("/")[2]
        wait = last.get(host, -1e9) + intervals.get(host, 0.0) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        last[host] = time.monotonic()
        try:
            if method == "POST":
                resp = requests.post(url, json=body, headers=session_less_headers, timeout=30)
            else:
                resp = requests.get(url, headers=session_less_headers, timeout=30)
        except requests.RequestException:
            failures += 1
            continue
        last[host] = time.monotonic()
        statuses[resp.status_code] += 1
        if resp.status_code != 200:
            failures += 1
            continue
        ctx = ParseContext(url=url, source=source, fetched_at=datetime.now(timezone.utc), extra=context)
        try:
            frames.append(SOURCES[source].parse(resp.content, ctx))
        except Exception:  # noqa: BLE001 - a user script would log and go on
            failures += 1
    t_fetch = time.perf_counter()
    obs = pd.concat(frames, ignore_index=True) if frames else None
    catalogue = load_catalogue(catalogue_dir)
    zones = defaultdict(int)
    for role in catalogue:
        r = score(role.tr, role.baseline_evidence_total, role.barrier_sum, role.growth.score, role.pct_time_3plus)
        zones[r.zone] += 1
    t_end = time.perf_counter()
    return {"seconds": t_end - t0, "fetch_parse_s": t_fetch - t0, "score_s": t_end - t_fetch,
            "requests": len(requests_by_url), "failures": failures, "statuses": dict(statuses),
            "observations": 0 if obs is None else len(obs), "zones": dict(zones)}
