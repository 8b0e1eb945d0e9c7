"""The `jobzone` command line: the shared app (`cli/common.py`) with every command registered.

The commands: `catalogue.py` (roles, sources, whatif: no warehouse), `reads.py` (history, schema,
explain, backtest: read-only), `sql.py` (sql, tables: analysts' own queries, sandboxed),
`changes.py` (score movements: read-only), `status.py` (status) and `doctor.py` (doctor):
read-only operator views, `night.py` (run, serve, replay --apply and score --record write; score
alone is a preview).
"""

from cli import catalogue, changes, doctor, night, reads, sql, status  # noqa: F401  (importing a command module registers its commands)
from cli.common import app

__all__ = ["app"]
