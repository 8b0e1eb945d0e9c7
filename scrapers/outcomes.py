"""What a fetch can come to (`FetchResult.outcome`): one name per way it can end, none raised."""

from __future__ import annotations

OK = "ok"
UNCHANGED = "unchanged"
UNREACHABLE = "unreachable"
HTTP_ERROR = "http_error"
TOO_LARGE = "too_large"
DISALLOWED = "disallowed"
OFFHOST_REDIRECT = "offhost_redirect"
BAD_CONTENT_TYPE = "bad_content_type"
PARSE_ERROR = "parse_error"
OUTCOMES = (OK, UNCHANGED, UNREACHABLE, HTTP_ERROR, TOO_LARGE, DISALLOWED, OFFHOST_REDIRECT,
            BAD_CONTENT_TYPE, PARSE_ERROR)
#: the outcomes that mean the source answered tonight (new bytes, or the same as last night)
ANSWERED_OUTCOMES = frozenset({OK, UNCHANGED})
#: the outcomes that mean a request failed tonight: the dimensions it fed carry
FAILED_OUTCOMES = frozenset(OUTCOMES) - ANSWERED_OUTCOMES


def describe(exc: BaseException, limit: int = 300) -> str:
    """An exception as a recorded detail: its type and message, cut to `limit` characters."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 3] + "..."
