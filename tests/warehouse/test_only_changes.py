import datetime as dt

import pandas as pd

from warehouse.queries import changed_observations as only_changes
from warehouse.store import write


def obs(fetch_id, rows):
    return pd.DataFrame([{
        "source": "fred", "series_key": "fred:CPIAUCSL", "subject": "CPIAUCSL", "geography": "US",
        "metric": "cpi_index", "period_start": dt.date(y, m, 1), "period_end": dt.date(y, m, 28), "value": v,
        "unit": "index", "detail": None, "fetch_id": fetch_id} for (y, m, v) in rows])


def test_a_republished_series_stores_only_revisions_new_periods_and_its_newest_row(warehouse):
    night1 = obs("f1", [(2019, 1, 250.0), (2019, 2, 251.0), (2025, 7, 320.0)])
    write(warehouse, "fetches", pd.DataFrame([{"fetch_id": f, "source": "fred", "url": "u", "outcome": "ok",
                                                "fetched_at": pd.Timestamp(f"2026-01-0{i} 02:00", tz="UTC")}
                                               for i, f in enumerate(["f1", "f2"], start=1)]))
    write(warehouse, "observations", night1)
    # Night 2: 2019-01 unchanged (far outside any look-back window), 2019-02 revised, 2025-07
    # unchanged but still the newest of the old rows, 2025-08 new.
    night2 = obs("f2", [(2019, 1, 250.0), (2019, 2, 251.5), (2025, 7, 320.0), (2025, 8, 321.0)])
    kept = only_changes(warehouse, night2)
    assert sorted((r.period_end.isoformat(), r.value) for r in kept.itertuples()) == [
        ("2019-02-28", 251.5), ("2025-08-28", 321.0)]
    # Nothing at all changed: only the newest row of the series is kept.
    write(warehouse, "observations", kept)
    again = only_changes(warehouse, obs("f3", [(2019, 1, 250.0), (2019, 2, 251.5), (2025, 8, 321.0)]))
    assert [(r.period_end.isoformat(), r.value) for r in again.itertuples()] == [("2025-08-28", 321.0)]
