"""The observations the Employment Projections workbook gives, per SOC and vintage."""

METRICS: dict[str, tuple[str, ...] | None] = {
    "ep_employment_base": ("count",),
    "ep_employment_projected": ("count",),
    "ep_change_count": ("count",),
    "ep_change_pct": ("pct",),
    "ep_openings_annual_avg": ("count",),
    "ep_median_wage": ("USD/year",),
    "ep_utilization_factor": ("direction",),
}
#: 2024-34 ranges from -36 % to +50 % per line item; total employment ~170 million
BANDS = {"ep_employment_base": (0, 250_000_000, False), "ep_employment_projected": (0, 250_000_000, False),
         "ep_change_count": (-50_000_000, 50_000_000, False), "ep_change_pct": (-100, 500, False),
         "ep_openings_annual_avg": (0, 50_000_000, False), "ep_median_wage": (10_000, 1_000_000, False),
         "ep_utilization_factor": (-1, 1, True)}
#: bls.gov refuses anonymous bots (the User-Agent carries the contact); the workbook changes yearly
HOSTS = {"www.bls.gov": (2.0, 7 * 86400.0)}
