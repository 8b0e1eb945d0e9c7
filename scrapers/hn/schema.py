"""The observations HN gives: threads (all comments), posts (top-level), per-role counts and shares."""

METRICS: dict[str, tuple[str, ...] | None] = {
    "hn_thread_comments": ("count",),
    "hn_posts": ("count",),
    "hn_role_posts": ("count",),
    "hn_role_share_pct": ("pct",),
}
#: the busiest month (2011-2026) had under 1,000 top-level posts and a few thousand comments
BANDS = {"hn_thread_comments": (0, 20_000, True), "hn_posts": (1, 5_000, True),
         "hn_role_posts": (0, 5_000, True), "hn_role_share_pct": (0, 100, False)}
#: Algolia documents ~10,000 requests/hour/IP: one a second keeps a backfill far below it
HOSTS = {"hn.algolia.com": (1.0, 21600.0)}
