"""The analysts' data dictionary, read back from the DuckDB COMMENTs on the views."""

from __future__ import annotations

import duckdb

ANALYST_VIEWS = ("latest_scores", "score_history", "zone_changes", "evidence_history", "lineage", "role_titles")


def data_dictionary(con: duckdb.DuckDBPyConnection) -> list[dict]:
    views = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())
    out = []
    for name in ANALYST_VIEWS:
        if name not in views:
            continue
        cols = con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [name]).fetchall()
        out.append({"view": name, "comment": views[name],
                    "columns": [{"column": c, "type": t, "comment": m} for c, t, m in cols]})
    return out
