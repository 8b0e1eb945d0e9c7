"""Score every role with the evidence in force (AIJRI results have history semantics)."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from core import progress
from core.catalogue import Catalogue
from core.faults import crash_point
from flows.steps.plan import NightPlan, load_catalogue_stage
from scoring.results import evidence_totals, score_inputs, score_roles
from warehouse import queries
from warehouse.db import open_warehouse, transaction
from warehouse.store import write


def score_stage(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, as_of: date, run_id: str) -> tuple[pd.DataFrame, int]:
    """Score every role with the evidence in force on `as_of`; returns (results, rows added)."""
    load_catalogue_stage(con, catalogue, run_id)
    totals = evidence_totals(catalogue, queries.current_evidence(con, as_of, catalogue.roles))
    results = score_roles(score_inputs(catalogue, totals, as_of))
    stored = results.drop(columns=["published_sublabel"]).assign(run_id=run_id)
    stored["as_of"] = stored["as_of"].dt.date
    with transaction(con):
        added = write(con, "aijri_results", stored)
    return results, added


def score(plan: NightPlan) -> dict:
    progress.stage("score", "running")
    with open_warehouse(plan.home.warehouse) as con:
        results, added = score_stage(con, plan.catalogue, plan.as_of, plan.run_id)
    crash_point("score:after-write")
    progress.stage("score", "done", f"{len(results)} roles, {added} new results")
    return {"roles": len(results), "results_added": added,
            "scores": {r.role_id: {"aijri": r.aijri, "zone": r.zone,
                                   "sublabel": r.sublabel if isinstance(r.sublabel, str) else None}
                       for r in results.itertuples()}}
