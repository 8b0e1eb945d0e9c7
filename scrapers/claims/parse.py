"""Load + validate the reviewed claims YAML -> ``expert_claim`` observations.

Each claim is validated on its own: a bad one (a ``javascript:`` source_url, a missing field, a
duplicated id) is refused and named - file, ``claims[i]``, id, field - and the file's other claims
still load. Only a file that is not a claims file at all (not YAML, no ``claims`` list, an unknown
top-level key), or one whose every claim is refused, is a parse error.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from core.catalogue import load_yaml
from scrapers.base import ClaimsValidationError, ParseContext, observations_frame
from scrapers.claims.schema import ClaimsFile, ExpertClaim
from scrapers.text import decode_text


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '<claim>'}: {err['msg']}" for err in exc.errors())


def _name(index: int, raw: Any) -> str:
    claim_id = raw.get("id") if isinstance(raw, dict) else None
    return f"claims[{index}]" + (f" (id {claim_id!r})" if claim_id else "")


def read_claims(body: bytes, where: str) -> tuple[list[ExpertClaim], list[str]]:
    """(the valid claims, one line per refused claim naming it and its field(s)).

    Raises ClaimsValidationError when the file itself is unusable.
    """
    try:
        doc = load_yaml(decode_text(body, "utf-8", errors="strict"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ClaimsValidationError(f"claims: {where} is not valid UTF-8 YAML: {exc}") from None
    if isinstance(doc, list):  # a bare list of claims is accepted too
        doc = {"claims": doc}
    if not isinstance(doc, dict) or "claims" not in doc:
        raise ClaimsValidationError(f"claims: expected top-level key 'claims' missing in {where}")
    raw_claims = doc["claims"] or []
    if not isinstance(raw_claims, list):
        raise ClaimsValidationError(f"claims: 'claims' in {where} is a {type(raw_claims).__name__}, not a list")
    try:
        ClaimsFile.model_validate({**doc, "claims": []})  # the file's own keys (version, no strays)
    except ValidationError as exc:
        raise ClaimsValidationError(f"claims: {where} is invalid: {_problems(exc)}") from None

    valid: list[tuple[int, ExpertClaim]] = []
    refused: dict[int, str] = {}
    for i, raw in enumerate(raw_claims):
        try:
            valid.append((i, ExpertClaim.model_validate(raw)))
        except ValidationError as exc:
            refused[i] = f"{_name(i, raw)} {_problems(exc)}"
    # A duplicated id: neither entry is known to be the reviewed one, so both are refused.
    seen: dict[str, list[int]] = {}
    for i, claim in valid:
        seen.setdefault(claim.id, []).append(i)
    for claim_id, indices in seen.items():
        if len(indices) > 1:
            for i in indices:
                others = ", ".join(f"claims[{j}]" for j in indices if j != i)
                refused[i] = f"claims[{i}] (id {claim_id!r}) id: duplicate claim id (also {others})"
    kept = [claim for i, claim in valid if i not in refused]
    lines = [refused[i] for i in sorted(refused)]
    if lines and not kept:
        raise ClaimsValidationError(f"claims: {where} is invalid, every claim refused: {'; '.join(lines)}")
    return kept, lines


def load_claims(body: bytes, where: str) -> ClaimsFile:
    """The whole file, strictly: any refused claim is an error (for checking a file under review)."""
    kept, refused = read_claims(body, where)
    if refused:
        raise ClaimsValidationError(f"claims: {where} is invalid: {'; '.join(refused)}")
    return ClaimsFile(claims=kept)


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    claims, refused = read_claims(body, context.url)
    if refused:
        context.note(f"claims: refused {len(refused)} claim(s) in {context.url}, the other {len(claims)} "
                     f"loaded: {'; '.join(refused)}")
    rows = [{
        "source": "claims", "series_key": f"claims:{c.id}", "subject": c.role_id, "geography": c.geography,
        "metric": "expert_claim", "period_start": c.as_of, "period_end": c.as_of, "value": float(c.direction),
        "unit": "direction",
        "detail": json.dumps({"id": c.id, "claim": c.claim, "number": c.number, "unit": c.unit,
                              "url": str(c.source_url), "reviewed_by": c.reviewed_by}, ensure_ascii=False),
    } for c in claims]
    return observations_frame(rows)
