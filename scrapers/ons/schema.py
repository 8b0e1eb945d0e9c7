"""The observations the ONS price series give (monthly, UK)."""

METRICS: dict[str, tuple[str, ...] | None] = {
    "cpi_index": ("index",), "cpih_index": ("index",), "cpi_yoy_pct": ("pct",), "cpih_yoy_pct": ("pct",),
}
BANDS = {"cpi_index": (1e-9, 1e6, False), "cpih_index": (1e-9, 1e6, False),
         "cpi_yoy_pct": (-50, 100, False), "cpih_yoy_pct": (-50, 100, False)}
