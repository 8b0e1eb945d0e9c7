"""Load + validate the reviewed claims YAML -> ``expert_claim`` observations."""

from __future__ import annotations

import json

import pandas as pd
import yaml
from pydantic import ValidationError

from scrapers.base import ClaimsValidationError, ParseContext, observations_frame
from scrapers.claims.schema import ClaimsFile


def load_claims(body: bytes, where: str) -> ClaimsFile:
    try:
        doc = yaml.safe_load(body.decode("utf-8-sig", errors="strict"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ClaimsValidationError(f"claims: {where} is not valid UTF-8 YAML: {exc}") from None
    if isinstance(doc, list):  # a bare list of claims is accepted too
        doc = {"claims": doc}
    if not isinstance(doc, dict) or "claims" not in doc:
        raise ClaimsValidationError(f"claims: expected top-level key 'claims' missing in {where}")
    try:
        return ClaimsFile.model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<file>'}: {err['msg']}" for err in exc.errors())
        raise ClaimsValidationError(f"claims: {where} is invalid: {problems}") from None


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    claims = load_claims(body, context.url).claims
    rows = [{
        "source": "claims", "series_key": f"claims:{c.id}", "subject": c.role_id, "geography": c.geography,
        "metric": "expert_claim", "period_start": c.as_of, "period_end": c.as_of, "value": float(c.direction),
        "unit": "direction",
        "detail": json.dumps({"id": c.id, "claim": c.claim, "number": c.number, "unit": c.unit,
                              "url": str(c.source_url), "reviewed_by": c.reviewed_by}, ensure_ascii=False),
    } for c in claims]
    return observations_frame(rows)
