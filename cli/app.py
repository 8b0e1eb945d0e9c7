"""The `jobzone` command line: the shared app (`cli/common.py`) with every command registered.

The commands: `catalogue.py` (roles, sources, whatif: no warehouse), `reads.py` (history, sql,
schema, explain, backtest: read-only), `night.py` (run, serve, score, replay: these write), `changes.py` (score movements: read-only).
"""

from cli import catalogue, changes, night, reads  # noqa: F401  (importing a command module registers its commands)
from cli.common import app

__all__ = ["app"]
