"""Derived metrics: metric families declared once (`registry`), each computed for every role at
once over the observations known on a night (`engine.compute_metrics`).

A family module says which observations it reads, the comparison it makes, its sample size and
its lineage (the observation keys and fetch ids its value rests on, so a published number
traces back to raw bytes). Names are loaded on first use: `scoring.models` reads the registry's
metric names, and the engine validates with `scoring.models`."""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {"compute_metrics": "engine", "known_on": "engine", "WAREHOUSE_METRIC_COLUMNS": "engine",
            "METRIC_NAMES": "registry", "FAMILIES": "registry", "decay_weight": "layoffs", "role_keys": "frame",
            "RoleSpec": "frame"}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"scoring.metrics.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'scoring.metrics' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
