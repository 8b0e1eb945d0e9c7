"""Simulated sources and a synthetic catalogue, shared by the fault suite and the benchmarks.

`simserver`: a multi-host HTTP server standing for the real sources (per-host latency, an
enforced rate limit answering 429, ETag/304, switchable faults), assembled from `hosts` (the
sim hosts, their paths and the fault kinds), `world` (roles on a world date), `payloads` (what
each source family serves), `host_state` and `host_server` (per-host politeness, faults and the
request handler) and `run_settings` (a settings TOML for a run against it). `simproc`: the same
server in a child process. `catalogue_gen`: N synthetic roles that validate like real ones.
`nightrun`: the real nightly flow in a child process, reporting each stage as it happens.

Floor rule: `sim` imports from `core` and `scrapers` (and `flows`, only in `nightrun`, which
runs the flow); never from `tests` or `benchmarks`.
"""
