"""jobzone benchmarks: `python -m benchmarks [--json]` (see benchmarks/__main__.py).

The benchmarks drive the real code (scrapers, flows.night, flows.nightly, warehouse) against the
simulated sources and synthetic catalogue in `sim/`, the same ones the fault suite uses.
"""
