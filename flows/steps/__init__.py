"""The night's steps as plain functions, in the order a night runs them.

`flows/night.py` gathers them under one name; `flows/nightly.py` decides which run as Prefect
tasks. A test can call every one of them without Prefect:

    lock.exclusive → plan.plan → collect.collect_host (per host) → record.record_fetches
    → refresh.refresh → score.score → alert.alert → finish.finish → publish.publish → finish.report
    (or finish.fail)

Each step that writes opens the warehouse only for its own transaction, so a crash at any
point leaves the warehouse as it was after the last completed step, and a rerun of the same
night adds nothing twice.
"""
