"""The analysts' data dictionary, read back from the DuckDB COMMENTs on the views."""

from __future__ import annotations

import duckdb

from warehouse import queries
from warehouse.publish import MARTS

#: every analyst view is a mart: one list
ANALYST_VIEWS = tuple(MARTS)


def data_dictionary(con: duckdb.DuckDBPyConnection) -> list[dict]:
    views = queries.view_comments(con)
    return [{"view": name, "comment": views[name],
             "columns": [{"column": c, "type": t, "comment": m} for c, t, m in queries.view_columns(con, name)]}
            for name in ANALYST_VIEWS if name in views]
