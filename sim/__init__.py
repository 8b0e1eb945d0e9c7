"""Simulated sources and a synthetic catalogue, shared by the fault suite and the benchmarks.

`simserver`: a multi-host HTTP server standing for the real sources (per-host latency, an
enforced rate limit answering 429, ETag/304, switchable faults). `simproc`: the same server in
a child process. `catalogue_gen`: N synthetic roles that validate like real ones. `nightrun`:
the real nightly flow in a child process, reporting each stage as it happens.
"""
