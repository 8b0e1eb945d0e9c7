"""Walk from a published AIJRI back to the raw bytes: dimensions → metrics → observations → fetches."""

from __future__ import annotations

from datetime import date

import duckdb

from core.catalogue import DIMENSIONS
from core.errors import UnknownRoleError

MAX_OBSERVATIONS_SHOWN = 6


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def explain(con: duckdb.DuckDBPyConnection, role_id: str, as_of: date | None, dimension_metrics: dict[str, list[str]]) -> dict:
    """The published result for `role_id` on or before `as_of`, with its full lineage.

    `dimension_metrics` maps each dimension to the metrics the rubric feeds into it.
    """
    result = _rows(con, "SELECT * FROM score_history WHERE role_id = ? AND (? IS NULL OR as_of <= ?)"
                        " ORDER BY as_of DESC LIMIT 1", [role_id, as_of, as_of])
    if not result:
        raise UnknownRoleError(f"no AIJRI result for role {role_id!r}" + (f" on or before {as_of}" if as_of else ""))
    result = result[0]
    day = result["as_of"]
    modifiers = _rows(con, "SELECT em, bm, gm, raw FROM aijri_results WHERE role_id = ? AND as_of = ? "
                           "ORDER BY version DESC LIMIT 1", [role_id, day])[0]
    evidence = {r["dimension"]: r for r in _rows(con, """
        SELECT dimension, as_of, score, origin, status, confidence, age_days, rationale, rubric_version, rubric_score
        FROM evidence_history WHERE role_id = ? AND as_of <= ?
        QUALIFY row_number() OVER (PARTITION BY dimension ORDER BY as_of DESC) = 1""", [role_id, day])}
    dimensions = []
    for dim in DIMENSIONS:
        ev = evidence.get(dim)
        metrics = []
        if ev is not None and ev["origin"] in ("refreshed", "override", "carried"):
            wanted = dimension_metrics.get(dim, [])
            for m in _rows(con, """
                    SELECT metric, value, unit, status, note, sample_size, observed_to FROM metrics
                    WHERE role_id = ? AND as_of = ? AND list_contains(?, metric)
                    QUALIFY row_number() OVER (PARTITION BY metric ORDER BY version DESC) = 1
                    ORDER BY metric""", [role_id, ev["as_of"], wanted]):
                obs = _rows(con, """
                    SELECT source, series_key, observed_metric, period_end, observed_value, observed_unit,
                           url, fetched_at, sha256
                    FROM lineage WHERE role_id = ? AND as_of = ? AND derived_metric = ?
                    ORDER BY period_end DESC, series_key""", [role_id, ev["as_of"], m["metric"]])
                m["observation_count"] = len(obs)
                m["fetches"] = sorted({(o["url"], str(o["fetched_at"]), o["sha256"]) for o in obs if o["url"]})
                m["fetches"] = [{"url": u, "fetched_at": t, "sha256": s} for u, t, s in m["fetches"]]
                m["observations"] = obs[:MAX_OBSERVATIONS_SHOWN]
                metrics.append(m)
        dimensions.append({"dimension": dim, **(ev or {"score": None, "origin": "none"}), "metrics": metrics})
    return {"role_id": role_id, "result": {**result, **modifiers}, "dimensions": dimensions}
