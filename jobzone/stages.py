"""The pipeline's stages as plain functions: the CLI calls them directly, flows/ wraps them.

Each stage opens the warehouse only for its own short transactional stretch.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

import duckdb
import pandas as pd

from jobzone.catalogue import DIMENSIONS, Catalogue
from warehouse.db import transaction
from warehouse.store import write
from scoring.results import evidence_totals, score_inputs, score_roles


def new_run_id(kind: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, as_of: date | None) -> None:
    with transaction(con):
        write(con, "runs", pd.DataFrame([{
            "run_id": run_id, "kind": kind, "started_at": datetime.now(timezone.utc),
            "status": "running", "as_of": as_of}]))


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, summary: dict) -> None:
    started = con.execute("SELECT kind, started_at, as_of FROM runs WHERE run_id = ?", [run_id]).fetchall()[0]
    kind, started_at, as_of = started
    with transaction(con):
        write(con, "runs", pd.DataFrame([{
            "run_id": run_id, "kind": kind, "started_at": started_at, "as_of": as_of,
            "finished_at": datetime.now(timezone.utc), "status": status,
            "summary": json.dumps(summary, default=str)}]))


def catalogue_frame(catalogue: Catalogue, run_id: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "role_id": r.id, "content_hash": catalogue.hashes[r.id], "title": r.title,
        "source_file": str(catalogue.files[r.id].name),
        "document": r.model_dump_json(), "first_run_id": run_id,
    } for r in catalogue])


def baseline_evidence_frame(catalogue: Catalogue, run_id: str) -> pd.DataFrame:
    """The catalogue's published per-dimension evidence, as evidence rows of origin `published`."""
    rows = [{
        "role_id": r.id, "dimension": d, "as_of": r.evidence[d].as_of, "score": r.evidence[d].score,
        "origin": "published", "status": "published", "confidence": None, "age_days": None,
        "inputs": json.dumps({"basis": r.evidence[d].basis}), "rationale": r.evidence[d].basis,
        "rubric_version": None, "rubric_score": None, "run_id": run_id,
    } for r in catalogue if r.evidence for d in DIMENSIONS]
    return pd.DataFrame(rows)


#: how far back `current_evidence` looks first. Every night writes a row for each refreshed or
#: carried dimension, so the newest row is almost always this recent; a full scan over years
#: of versions (5.5M rows at 1,000 roles x 3 years: 2 s) is paid only for pairs not found here.
RECENT_EVIDENCE_DAYS = 45

_EVIDENCE_COLUMNS = ("role_id, dimension, as_of, score, origin, status, confidence, age_days, inputs, rationale,"
                     " rubric_version, rubric_score")


def _newest_evidence(con: duckdb.DuckDBPyConnection, where: str, params: list) -> pd.DataFrame:
    return con.execute(
        f"SELECT {_EVIDENCE_COLUMNS} FROM evidence_scores WHERE {where}"
        " QUALIFY row_number() OVER (PARTITION BY role_id, dimension ORDER BY as_of DESC, version DESC) = 1",
        params).df()


def current_evidence(con: duckdb.DuckDBPyConnection, as_of: date,
                     role_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The newest evidence per role x dimension on or before `as_of`.

    With `role_ids`, the rows of those roles only, found in the recent window first; the
    whole history is searched only for the (role, dimension) pairs the window lacks.
    """
    if role_ids is None:
        return _newest_evidence(con, "as_of <= ?", [as_of])
    wanted = sorted(set(role_ids))
    recent = _newest_evidence(
        con, "as_of <= ? AND as_of >= ? AND role_id IN (SELECT unnest(?::VARCHAR[]))",
        [as_of, as_of - timedelta(days=RECENT_EVIDENCE_DAYS), wanted])
    found = set(zip(recent["role_id"], recent["dimension"]))
    lacking = [r for r in wanted if any((r, d) not in found for d in DIMENSIONS)]
    if not lacking:
        return recent
    older = _newest_evidence(con, "as_of < ? AND role_id IN (SELECT unnest(?::VARCHAR[]))",
                             [as_of - timedelta(days=RECENT_EVIDENCE_DAYS), lacking])
    older = older[[(r, d) not in found for r, d in zip(older["role_id"], older["dimension"])]]
    if older.empty:
        return recent
    return pd.concat([recent, older], ignore_index=True)


def load_catalogue_stage(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, run_id: str) -> int:
    """Record the catalogue as loaded; a new or edited role also seeds its published evidence.

    Only new catalogue versions seed: re-seeding every run would stack a `published` version
    on top of evidence refreshed for the same date.
    """
    held = {(r, h) for r, h in con.execute("SELECT role_id, content_hash FROM catalogue_versions").fetchall()}
    fresh = [rid for rid in catalogue.roles if (rid, catalogue.hashes[rid]) not in held]
    with transaction(con):
        added = write(con, "catalogue_versions", catalogue_frame(catalogue, run_id))
        baseline = baseline_evidence_frame(catalogue, run_id)
        if len(baseline):
            write(con, "evidence_scores", baseline[baseline["role_id"].isin(fresh)])
    return added


def score_stage(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, as_of: date, run_id: str) -> tuple[pd.DataFrame, int]:
    """Score every role with the evidence in force on `as_of`; returns (results, rows added)."""
    load_catalogue_stage(con, catalogue, run_id)
    totals = evidence_totals(catalogue, current_evidence(con, as_of, catalogue.roles))
    results = score_roles(score_inputs(catalogue, totals, as_of))
    stored = results.drop(columns=["published_sublabel"]).assign(run_id=run_id)
    stored["as_of"] = stored["as_of"].dt.date
    with transaction(con):
        added = write(con, "aijri_results", stored)
    return results, added
