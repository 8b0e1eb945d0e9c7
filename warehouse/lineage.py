"""Walk from a published AIJRI back to the raw bytes: dimensions → metrics → observations → fetches."""

from __future__ import annotations

from datetime import date

import duckdb

from core.catalogue import DIMENSIONS
from core.errors import UnknownRoleError
from warehouse import queries

MAX_OBSERVATIONS_SHOWN = 6


def explain(con: duckdb.DuckDBPyConnection, role_id: str, as_of: date | None, dimension_metrics: dict[str, list[str]]) -> dict:
    """The published result for `role_id` on or before `as_of`, with its full lineage.

    `dimension_metrics` maps each dimension to the metrics the rubric feeds into it.
    """
    result = queries.result_on_or_before(con, role_id, as_of)
    if result is None:
        raise UnknownRoleError(f"no AIJRI result for role {role_id!r}" + (f" on or before {as_of}" if as_of else ""))
    evidence = queries.evidence_in_force(con, role_id, result["as_of"])
    dimensions = []
    for dim in DIMENSIONS:
        ev = evidence.get(dim)
        metrics = []
        if ev is not None and ev["origin"] in ("refreshed", "override", "carried"):
            for m in queries.metrics_of(con, role_id, ev["as_of"], dimension_metrics.get(dim, [])):
                obs = queries.lineage_of(con, role_id, ev["as_of"], m["metric"])
                m["observation_count"] = len(obs)
                m["fetches"] = sorted({(o["url"], str(o["fetched_at"]), o["sha256"]) for o in obs if o["url"]})
                m["fetches"] = [{"url": u, "fetched_at": t, "sha256": s} for u, t, s in m["fetches"]]
                m["observations"] = obs[:MAX_OBSERVATIONS_SHOWN]
                metrics.append(m)
        dimensions.append({"dimension": dim, **(ev or {"score": None, "origin": "none"}), "metrics": metrics})
    return {"role_id": role_id, "result": result, "dimensions": dimensions}
