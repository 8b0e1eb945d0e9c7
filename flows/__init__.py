"""Prefect orchestration only: the nightly flow, its schedule, and the local server it needs."""
