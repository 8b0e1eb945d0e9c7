"""Catalogue directories the tests share (see tests/support/classic_roles/README.md)."""

from pathlib import Path

#: the three roles as shipped before issue 12, two of them in the totals-only form
CLASSIC_ROLES = Path(__file__).resolve().parent / "classic_roles"
