"""Parse an occupation exposure study's file (CSV, or the xlsx it is published as) into observations.

Which study a file is comes from the request (``study``), else from its own header (each study's
columns are distinct), so ``jobzone source parse ai_exposure FILE`` needs no flags. The release
comes from the request, else from the URL, else it is the study's only declared release.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pandas as pd

from scrapers.ai_exposure import settings as S
from scrapers.base import ParseContext, ParseError, observations_frame
from scrapers.occupations import ONET_SOC_RE, SOC_RE, soc_of
from scrapers.sheets import Row, cell, column, csv_rows, find_header, is_zip, norm, number, workbook_sheets


def _required(study: S.Study) -> list[str]:
    return [study.code_column] + [pattern for pattern, _, _ in study.measures]


def _table(body: bytes, context: ParseContext, where: str) -> tuple[S.Study, list[Row], int]:
    """(study, rows, header index) of the file."""
    named = context.get("study")
    if named is not None and named not in S.STUDIES:
        raise ParseError(f"{where}: unknown study {named!r}; known: {sorted(S.STUDIES)}")
    candidates = [S.STUDIES[named]] if named else list(S.STUDIES.values())
    if is_zip(body):  # an xlsx, or a damaged one: either way not a CSV
        sheets = workbook_sheets(body, where)
        tables = [(s, rows) for s in candidates if s.sheet for name, rows in sheets.items()
                  if re.fullmatch(s.sheet, name.strip(), re.I)]
        if not tables:
            raise ParseError(f"{where}: no sheet of {[s.name for s in candidates]} in the workbook "
                             f"(sheets: {list(sheets)})")
    else:
        rows = csv_rows(body, context.encoding, where)
        tables = [(s, rows) for s in candidates]
    problems = []
    for study, rows in tables:
        try:
            return study, rows, find_header(rows, _required(study), f"{where} ({study.name})")
        except ParseError as exc:
            problems.append(str(exc))
    if named:
        raise ParseError(problems[0])
    first = [norm(c) for c in tables[0][1][0]] if tables and tables[0][1] else []
    raise ParseError(f"{where}: the header {first} matches no known study ({', '.join(S.STUDIES)})")


def _release(study: S.Study, context: ParseContext, where: str) -> S.Release:
    label = context.get("release")
    if label:
        hits = [r for r in study.releases if r.label == str(label)]
        if not hits:
            raise ParseError(f"{where}: {study.name} has no release {label!r}; "
                             f"declared: {[r.label for r in study.releases]}")
        return hits[0]
    url = unquote(context.url)
    hits = [r for r in study.releases if unquote(r.path) and url.endswith(unquote(r.path))]
    if hits:
        return hits[0]
    if len(study.releases) == 1:
        return study.releases[0]
    raise ParseError(f"{where}: which release of {study.name} this is is not named (request context 'release')")


def _code(raw: object, study: S.Study, where: str) -> tuple[str, str | None]:
    """(subject, 2018 SOC or None) for an occupation code cell."""
    code = norm(raw)
    if study.code_system == "onet_soc":
        if not ONET_SOC_RE.match(code):
            raise ParseError(f"{where}: {code!r} is not an O*NET-SOC code (NN-NNNN.NN)")
        return code, soc_of(code)
    if not SOC_RE.match(code):
        raise ParseError(f"{where}: {code!r} is not a SOC code (NN-NNNN)")
    if study.code_system == "soc2010":
        # SOC 2010 and 2018 share the spelling but not the meaning (15-1132 is gone in 2018):
        # the prefix keeps a 2010 code from ever matching a role's 2018 SOC by accident
        return f"SOC2010:{code}", None
    return code, code


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    where = f"ai_exposure: {context.url}"
    study, rows, h = _table(body, context, where)
    release = _release(study, context, where)
    header = rows[h]
    code_col = column(header, study.code_column, where)
    cols = [(column(header, pattern, where), metric, unit) for pattern, metric, unit in study.measures]
    out: list[dict] = []
    seen: set[str] = set()
    for n, row in enumerate(rows[h + 1:], start=h + 2):
        if not any(norm(c) for c in row):
            continue
        at = f"{where} row {n}"
        subject, soc = _code(cell(row, code_col), study, at)
        if subject in seen:
            raise ParseError(f"{at}: occupation {subject} appears twice; cannot tell which to keep")
        seen.add(subject)
        detail = f"{study.name} release {release.label} (dated to the {release.precision})"
        if soc and soc != subject:
            detail += f"; SOC {soc}"
        for index, metric, unit in cols:
            value = number(cell(row, index), S.NULL_CELLS, f"{at} {metric}")
            out.append({"series_key": f"ai_exposure:{study.name}:{subject}:{metric}", "subject": subject,
                        "metric": metric, "unit": unit, "value": value, "detail": detail})
    if not out:
        raise ParseError(f"{where}: {study.name} table has a header but no occupation rows")
    return observations_frame([{"source": "ai_exposure", "geography": "US", "period_start": release.released,
                                "period_end": release.released, **r} for r in out])
