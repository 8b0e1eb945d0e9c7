"""The `jobzone` command line: the shared app (`cli/common.py`) with every command registered.

The commands: `catalogue.py` (roles, sources, whatif: no warehouse), `reads.py` (history, sql,
schema, explain, backtest: read-only), `night.py` (run, serve, score, replay: these write).
"""

from cli import catalogue, night, reads, sql  # noqa: F401  (importing a command module registers its commands)
from cli.common import app

__all__ = ["app"]
