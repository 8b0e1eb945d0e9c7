"""The `jobzone` command line, the top floor: a thin layer over the flows and the warehouse."""

from cli.app import app

__all__ = ["app"]
