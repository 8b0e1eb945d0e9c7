"""How the site writes values: numbers, dates, zone states, links and JSON (no page logic)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any


def signed(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    v = float(value)
    if digits == 0 and v == int(v):
        return "0" if v == 0 else f"{int(v):+d}"
    text = f"{v:+.{digits or 1}f}"
    return text[1:] if float(text) == 0 else text  # no sign on zero


def num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value):.{digits}f}"


def state(zone: str, sublabel: str | None) -> str:
    return f"{zone} ({sublabel})" if sublabel else zone


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def iso_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def web_url(value: Any) -> str | None:
    """Only plain http(s) links reach an href."""
    return value if isinstance(value, str) and re.match(r"^https?://[^\s\"'<>]+$", value) else None


def plain(value: Any) -> Any:
    """A warehouse value as the page model holds it: DECIMAL as float, NaN as None."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def plain_rows(rows: list[dict]) -> list[dict]:
    return [{k: plain(v) for k, v in row.items()} for row in rows]


def parse_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def jsonable(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # most values; checked first (ABC isinstance checks cost seconds on big pages)
    if kind is float:
        return None if math.isnan(value) or math.isinf(value) else value
    if kind is date:
        return value.isoformat()
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list:
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_json(payload: Any) -> str:
    # Compact: with `indent` json falls back to its pure-Python encoder, which took 16 s for
    # 1,000 role files of 3 years' history each. `python -m json.tool` pretty-prints a file.
    return json.dumps(jsonable(payload), separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"
