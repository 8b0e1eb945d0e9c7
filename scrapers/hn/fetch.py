"""Tonight's HN requests as a pure function of what is already stored.

`HnState` is what the warehouse knows: the thread id of each month seen so far and the day each
thread was last counted. From it, `plan` asks for

- the thread list: all threads (one 1,000-hit page) when nothing is stored or a backfill is
  asked for, else the newest page only;
- every known month not yet counted (the backfill since April 2011: once), and threads still
  collecting posts (the newest, and any counted before it settled).

Finding threads and counting them are two requests apart, so on a fresh store the first night
finds the threads and the next one counts them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from scrapers.base import RequestOptions, ScraperError, SourceRequest, as_list
from scrapers.hn import settings as S


@dataclass(frozen=True)
class HnState:
    """What is stored: month (first day) -> thread id, and thread id -> day last counted."""

    threads: Mapping[date, int] = field(default_factory=dict)
    counted: Mapping[int, date] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> HnState:
        """From plain values (``{"threads": {"2023-09": 37351667}, "counted": {"37351667": "2023-09-25"}}``)."""
        raw = raw or {}
        try:
            threads = {_month(k): int(v) for k, v in (raw.get("threads") or {}).items()}
            counted = {int(k): date.fromisoformat(str(v)[:10]) for k, v in (raw.get("counted") or {}).items()}
        except (TypeError, ValueError) as exc:
            raise ScraperError(f"hn: stored state is unreadable ({exc})") from None
        return cls(threads, counted)


    @classmethod
    def from_observations(cls, frame: Any) -> HnState:
        """From stored HN observations (columns metric, subject, period_start, fetched_at): the
        threads the lists named, and the day each thread's posts were last counted."""
        threads: dict[date, int] = {}
        counted: dict[int, date] = {}
        for row in frame.itertuples(index=False):
            month = _month(row.period_start)
            if row.metric == "hn_thread_comments":
                threads.setdefault(month, int(row.subject))
            elif row.metric == "hn_posts":
                threads[month] = int(row.subject)  # the counted thread wins over a listed duplicate
                if row.fetched_at is None or row.fetched_at != row.fetched_at:  # None or NaN/NaT
                    raise ScraperError(f"hn: stored count of thread {row.subject} has no fetched_at")
                day = _day(row.fetched_at)
                counted[int(row.subject)] = max(counted.get(int(row.subject), day), day)
        return cls(threads, counted)


    def to_mapping(self) -> dict[str, dict[str, Any]]:
        """The plain form `from_mapping` reads (what the plan step hands `requests_for`)."""
        return {"threads": {f"{month:%Y-%m}": thread for month, thread in sorted(self.threads.items())},
                "counted": {str(thread): day.isoformat() for thread, day in sorted(self.counted.items())}}


#: the stored observations the state is built from (`Source.stored`)
STORED_METRICS = ("hn_thread_comments", "hn_posts")


def stored_state(frame: Any) -> dict[str, dict[str, Any]]:
    """`options["stored"]` from the rows `warehouse.queries.stored_series` reads back."""
    return HnState.from_observations(frame).to_mapping()


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else date.fromisoformat(str(value)[:10])


def _month(value: Any) -> date:
    if hasattr(value, "date") and callable(value.date):  # a datetime or a pandas Timestamp
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value)
    return date.fromisoformat(text[:7] + "-01")


def role_patterns(roles_lookup: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """role id -> {include, exclude, where} for every role with HN patterns."""
    out: dict[str, dict[str, Any]] = {}
    for role in roles_lookup:
        spec = role.get(S.LOOKUP_KEY)
        if not spec or not role.get("role_id"):
            continue
        include = [str(p) for p in as_list(spec.get("include"))]
        if include:
            out[str(role["role_id"])] = {"include": include, "exclude": [str(p) for p in as_list(spec.get("exclude"))],
                                         "where": str(spec.get("where") or "text")}
    return out


def threads_to_count(state: HnState, today: date, settle_days: int = S.SETTLE_DAYS) -> list[tuple[date, int]]:
    """(month, thread id) to fetch tonight, oldest first."""
    if not state.threads:
        return []
    out = []
    for month, thread in sorted(state.threads.items()):
        if month < S.FIRST_MONTH or month > today:
            continue
        last = state.counted.get(thread)
        settled = last is not None and last >= month + timedelta(days=settle_days)
        # the newest thread is never settled in its first weeks, so it is counted every night
        if last is None or (not settled and last < today):
            out.append((month, thread))
    return out


def plan(state: HnState, today: date, patterns: Mapping[str, Any], base_url: str = S.BASE_URL,
         backfill: bool = False, settle_days: int = S.SETTLE_DAYS) -> list[SourceRequest]:
    """The requests for tonight (pure: no I/O, no clock)."""
    base = base_url.rstrip("/")
    hits = S.BACKFILL_HITS if backfill or not state.threads else S.NIGHTLY_HITS
    # the night rides along so a running month's counts end on it, not in the future
    night = today.isoformat()
    out = [SourceRequest(source="hn", url=base + S.SEARCH_PATH.format(hits=hits),
                         allowed_content_types=S.ALLOWED_CONTENT_TYPES, context={"kind": "threads", "night": night})]
    for month, thread in threads_to_count(state, today, settle_days):
        out.append(SourceRequest(source="hn", url=base + S.ITEM_PATH.format(id=thread),
                                 allowed_content_types=S.ALLOWED_CONTENT_TYPES, max_bytes=S.MAX_BYTES,
                                 context={"kind": "thread", "thread_id": thread, "month": month.isoformat(),
                                          "night": night, "patterns": dict(patterns)}))
    return out


def requests_for(roles_lookup: Sequence[Mapping[str, Any]],
                 options: RequestOptions | None = None) -> list[SourceRequest]:
    options = options or RequestOptions()
    patterns = role_patterns(roles_lookup)
    if not patterns and not options.options.get("always"):
        return []
    state = HnState.from_mapping(options.options.get("stored"))
    return plan(state, options.day(), patterns, options.base(S.BASE_URL), bool(options.options.get("backfill")),
                int(options.options.get("settle_days", S.SETTLE_DAYS)))
