"""Catalogue directories the tests share (see tests/support/classic_roles/README.md)."""

from pathlib import Path

#: the three roles as shipped before issue 12, two of them in the totals-only form
CLASSIC_ROLES = Path(__file__).resolve().parent / "classic_roles"


def edit_role(catalogue_dir: Path, role_id: str, mutate) -> Path:
    """Rewrite one role file of a copied catalogue through `mutate(document)`; its path."""
    import yaml

    path = catalogue_dir / f"{role_id}.yaml"
    doc = yaml.safe_load(path.read_text())
    mutate(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
