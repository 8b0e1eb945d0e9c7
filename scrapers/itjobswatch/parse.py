"""Parse an IT Jobs Watch role page (2020 and current layouts) into observations."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import unquote, urlsplit

import pandas as pd
from bs4 import BeautifulSoup, Tag

from scrapers.base import ParseContext, ParseError, observations_frame, shift_months
from scrapers.itjobswatch import settings as S
from scrapers.text import decode_text


def normalise_label(cell: Tag) -> str:
    """Strip tags (``50<sup>th</sup>`` -> ``50th``), lower-case, collapse whitespace."""
    return re.sub(r"\s+", " ", cell.get_text("")).strip().lower()


def parse_number(text: str, where: str) -> float | None:
    """``£50,500`` -> 50500.0, ``+1.00%`` -> 1.0, ``-`` -> None (not published, never 0)."""
    cleaned = re.sub(r"\s+", "", text)
    if cleaned.lower() in S.NULL_CELLS:
        return None
    cleaned = cleaned.replace(",", "").replace("%", "").replace("\u2212", "-")
    # drop a currency prefix: "£", or its mojibake ("Â£") when a page lies about its charset
    cleaned = re.sub(r"^([+-]?)[^\d+\-.]+", r"\1", cleaned)
    try:
        return float(cleaned)
    except ValueError:
        raise ParseError(f"itjobswatch: cannot read a number from {text!r} ({where})") from None


def _period_ends(table: Tag, where: str) -> list[tuple[date, date]]:
    """(start, end) per value column from the ``th.hdrCol`` header cells."""
    headers = [re.sub(r"\s+", " ", th.get_text(" ")).strip() for th in table.select(S.HEADER_SELECTOR)]
    if not headers:
        raise ParseError(f"itjobswatch: no '{S.HEADER_SELECTOR}' period header in the role table of {where}")
    match = S.PERIOD_HEADER.match(headers[0])
    if not match:
        raise ParseError(f"itjobswatch: first '{S.HEADER_SELECTOR}' is {headers[0]!r}, expected "
                         f"'<n> months to <d Mon yyyy>' in {where}")
    months = int(match.group(1))
    end = _parse_date(match.group(2), where)
    periods = [(end, months)]
    for text in headers[1:]:
        same = S.SAME_PERIOD_HEADER.match(text)
        if not same:
            raise ParseError(f"itjobswatch: period header {text!r} is not 'Same period YYYY' in {where}")
        years_back = end.year - int(same.group(1))
        # same day-of-month years earlier; 29 Feb clamps to 28 Feb
        periods.append((shift_months(end, -12 * years_back), months))
    return [(shift_months(e, -m) + timedelta(days=1), e) for e, m in periods]


def _parse_date(text: str, where: str) -> date:
    for fmt in S.DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ParseError(f"itjobswatch: cannot read the period end date {text!r} in {where}")


def _rows(table: Tag, periods: list[tuple[date, date]], kind: str, subject: str, series_key: str,
          where: str, require_postings: bool) -> list[dict]:
    pay_unit = S.UNITS[kind]
    out: list[dict] = []
    seen_postings = False
    hourly = False
    for tr in table.find_all("tr"):
        cells = tr.find_all("td", recursive=False)
        if len(cells) < 2:
            continue
        label = normalise_label(cells[0])
        if S.HOURLY_SECTION.search(label):
            hourly = True
            continue
        if label.startswith(("number of", "uk median", "median annual", "median daily")):
            hourly = False  # a new pay block started
        if hourly:
            continue
        rule = next(((metric, unit) for rx, metric, unit in S.ROW_RULES if rx.match(label)), None)
        if rule is None:
            continue  # rows outside the vocabulary (e.g. "as % of the job titles category")
        metric, unit = rule
        if metric == "postings":
            seen_postings = True
            found = S.POSTINGS_LABEL.match(label)
            if found and found.group(1) != kind:
                raise ParseError(f"itjobswatch: row {label!r} is a {found.group(1)} row, but the page was "
                                 f"requested as {kind} ({where})")
        display = re.sub(r"\s+", " ", cells[0].get_text("")).strip()
        # a short row simply has fewer periods; extra cells beyond the header are ignored
        for (start, end), cell in zip(periods, cells[1:], strict=False):
            value = parse_number(cell.get_text(""), f"row {display!r} of {where}")
            out.append({
                "source": "itjobswatch", "series_key": series_key, "subject": subject, "geography": S.GEOGRAPHY,
                "metric": metric, "period_start": start, "period_end": end, "value": value,
                "unit": pay_unit if unit == "$pay" else unit, "detail": display,
            })
    if require_postings and not seen_postings:
        raise ParseError(f"itjobswatch: expected row {S.POSTINGS_LABEL_HUMAN} not found in the first "
                         f"table.summary of {where}")
    return out


def _slug(context: ParseContext) -> str:
    slug = context.get("slug")
    if slug:
        return str(slug)
    last = urlsplit(context.url).path.rsplit("/", 1)[-1]
    return unquote(last).removesuffix(".do").lower()


def _kind(context: ParseContext) -> str:
    kind = context.get("kind")
    if kind:
        return str(kind)
    return "contract" if "/contracts/" in urlsplit(context.url).path else "permanent"


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    where = context.url
    # decoded here, not by BeautifulSoup's own guessing: the same text the fetch counted replacements in
    soup = BeautifulSoup(decode_text(body, context.encoding), "lxml")
    tables: list[Tag] = []
    for selector in S.SUMMARY_SELECTORS:
        tables = soup.select(selector)
        if tables:
            break
    if not tables:
        raise ParseError(f"itjobswatch: no 'table.summary' (role table) in {where}")
    role_table = tables[0]
    # Only the FIRST summary table is the role; if it is the all-IT baseline, the role table is gone.
    if role_table.select_one(S.BASELINE_TITLE_SELECTOR) is not None:
        raise ParseError(f"itjobswatch: expected row {S.POSTINGS_LABEL_HUMAN} not found: the first "
                         f"table.summary is the all-IT baseline table in {where}")
    kind = _kind(context)
    if kind not in S.UNITS:
        raise ParseError(f"itjobswatch: unknown page kind {kind!r} for {where}")
    slug = _slug(context)
    periods = _period_ends(role_table, where)
    rows = _rows(role_table, periods, kind, slug, f"itjobswatch:{kind}:{slug}", where, require_postings=True)
    if len(tables) > 1:
        # The baseline table has no header of its own in the 2020 layout: same periods.
        baseline = tables[1]
        periods_b = _period_ends(baseline, where) if baseline.select(S.HEADER_SELECTOR) else periods
        rows += _rows(baseline, periods_b, kind, f"_all_{kind}", f"itjobswatch:{kind}:_all", where,
                      require_postings=False)
    return observations_frame(rows)
