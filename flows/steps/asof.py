"""The as-of date of a night or a scoring: never after today unless forced, and forced, never shared.

A result dated after today is, by construction, what `latest_scores`, the site and the marts show
(the newest as-of wins) and where the alert cursor lands (the newest finished run): one future
night stayed "latest" after every later ordinary night and hid every crossing before its date.

So a future as-of is refused, and a forced one (`force_as_of` / `--force-as-of`, for a what-if)
runs in a data home of its own, `<home>/what-if/<as-of>/`, that starts as a copy of the
warehouse. We chose that over a separate run kind in the shared warehouse: every read of
results (the views, the site's queries, the alert history, `explain`, the marts) would have to
exclude that kind, a missed one would bring the bug back, and a forced row would also take the
(role, date) key the real night of that date must later write. In its own home nothing shared
can ever see it: the shared warehouse, publication and alert cursor are not written at all.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from core.errors import FutureAsOfError, JobzoneError
from core.paths import Home
from warehouse.db import connect

WHAT_IF_DIR = "what-if"
#: the run kind of a forced night (it names the what-if home too)
WHAT_IF_KIND = "what-if"


def parse_as_of(value: str | None, *, option: str = "as_of") -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JobzoneError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def check_as_of(value: str | date | None, *, force: bool = False, option: str = "as_of",
                force_option: str = "force_as_of=True", today: date | None = None) -> tuple[date | None, bool]:
    """(the as-of date, whether it is a forced future one); a future date unforced is refused."""
    day = parse_as_of(value, option=option)
    today = today or date.today()
    if day is None or day <= today:
        return day, False
    if not force:
        raise FutureAsOfError(f"{option} {day}: is in the future (today is {today}); a future as-of would become "
                              f"the latest result and hide every crossing before it; refused (a what-if in a "
                              f"separate home: {force_option})")
    return day, True


def what_if_home(home: Home, day: date) -> Home:
    """`<home>/what-if/<day>/`, afresh, with a copy of the shared warehouse as it stands now.

    The copy is taken under a read-only connection: DuckDB's shared lock keeps any writer out
    while the file (and a WAL a killed writer left) is copied, so the copy is one consistent state.
    """
    target = Home(home.root / WHAT_IF_DIR / day.isoformat())
    if target.root.exists():
        shutil.rmtree(target.root)  # a what-if is recomputed from tonight's warehouse, never stacked
    target.ensure()
    source = Path(home.warehouse)
    if source.exists():
        con = connect(source, read_only=True)
        try:
            for suffix in ("", ".wal"):
                if Path(f"{source}{suffix}").exists():
                    shutil.copyfile(f"{source}{suffix}", f"{target.warehouse}{suffix}")
        finally:
            con.close()
    return target
