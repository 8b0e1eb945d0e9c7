from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from warehouse.db import connect, transaction
from warehouse.store import write


def _zone(aijri: float) -> str:
    return "Green" if aijri >= 48 else "Yellow" if aijri >= 25 else "Red"


class Night:
    """Writes synthetic history rows (results, evidence, source health) through warehouse.store.write."""

    def __init__(self, con) -> None:
        self.con = con

    def title(self, role_id: str, title: str) -> None:
        with transaction(self.con):
            write(self.con, "catalogue_versions", pd.DataFrame([{
                "role_id": role_id, "content_hash": f"h-{role_id}", "title": title, "document": "{}"}]))

    def result(self, role_id: str, as_of: date, aijri: float, sublabel: str | None = "auto") -> None:
        zone = _zone(aijri)
        if sublabel == "auto":
            sublabel = {"Green": "Transforming", "Yellow": "Urgent"}.get(zone)
        with transaction(self.con):
            write(self.con, "aijri_results", pd.DataFrame([{
                "role_id": role_id, "as_of": as_of, "task_resistance": 3.0, "evidence_total": aijri / 10,
                "barrier_total": 1.0, "growth": 1.0, "pct_time_3plus": 70.0, "em": 1.0, "bm": 1.0, "gm": 1.0,
                "raw": 1.0, "aijri_unrounded": aijri, "aijri": aijri, "zone": zone, "sublabel": sublabel,
                "clamped": False, "evidence_refreshed": True, "methodology_version": "test",
                "catalogue_hash": f"h-{role_id}", "run_id": f"run-{as_of}"}]))

    def evidence(self, role_id: str, dimension: str, as_of: date, score: int) -> None:
        with transaction(self.con):
            write(self.con, "evidence_scores", pd.DataFrame([{
                "role_id": role_id, "dimension": dimension, "as_of": as_of, "score": score, "origin": "refreshed",
                "status": "ok", "confidence": 0.8, "rationale": f"{dimension} scored {score}"}]))

    def health(self, source: str, as_of: date, ok: int, failed: int) -> None:
        with transaction(self.con):
            write(self.con, "source_health", pd.DataFrame([{
                "source": source, "run_id": f"run-{as_of}", "as_of": as_of, "requests": ok + failed, "ok": ok,
                "unchanged": 0, "failed": failed, "outcomes": '{"http_error": %d}' % failed}]))


@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory):
    """One migrated, empty warehouse file; each test gets a copy (migrating takes ~0.2 s)."""
    path = tmp_path_factory.mktemp("template") / "warehouse.duckdb"
    connect(path).close()
    return path


@pytest.fixture
def con(tmp_path, empty_warehouse):
    shutil.copyfile(empty_warehouse, tmp_path / "warehouse.duckdb")
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))  # already migrated: skip connect()'s migrate
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.fixture
def night(con) -> Night:
    return Night(con)
