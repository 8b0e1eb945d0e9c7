"""What the occupation families share: a role's codes (2018 SOC, O*NET-SOC) matched to the
subjects of per-occupation rows, and per-code results given to every role holding the codes.

A value per occupation does not depend on the role, so each family works it out once per code
and each distinct code set once (`per_code_set`); roles sharing a set share the rows."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from scoring.metrics.frame import broadcast, constant, frame, row


def role_codes(roles: pd.DataFrame) -> pd.Series:
    """Each role's occupation codes: its 2018 SOCs and its O*NET-SOC codes (a study keyed on
    O*NET rows says more than its SOC), in that order, as one hashable tuple."""
    return pd.Series([tuple(dict.fromkeys((*s, *o))) for s, o in zip(roles["soc"], roles["onet_soc"])],
                     index=roles.index, dtype=object)


def per_code_set(roles: pd.DataFrame, metrics: tuple[str, ...], unit: str,
                 one: Callable[[tuple[str, ...]], list[dict]]) -> pd.DataFrame:
    """Rows of `one(codes)` (one `frame.row` per metric) for each distinct code set, broadcast to
    its roles; a role without codes gets `no_lookup_key`."""
    roles = roles.assign(_codes=role_codes(roles))
    keyed = roles["_codes"].map(len) > 0
    parts = [constant(roles, ~keyed, [row(m, unit, "no_lookup_key", "no SOC or O*NET-SOC code in the catalogue")
                                      for m in metrics])]
    if keyed.any():
        per = [{"key": codes, **r} for codes in pd.unique(roles.loc[keyed, "_codes"]) for r in one(codes)]
        parts.append(broadcast(roles[keyed], "_codes", frame(per, keyed=True)))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)
