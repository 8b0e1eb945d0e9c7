"""Occupation-level AI exposure / usage studies: each study, its releases, its columns.

A release is pinned to an immutable URL (a commit, not a branch), so a fetched file is that
release and nothing else; a new release is one more `Release` line here, and the earlier ones
stay fetched and stored (each release's scores are a point of the same series, dated by the
release). Release dates are the dates the file was published where that is known to the day;
`precision` says when only the month or the year is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

GITHUB_RAW = "https://raw.githubusercontent.com"
#: `resolve/` URLs of files kept in LFS/Xet storage redirect to a CDN: cdn-lfs.huggingface.co is
#: the same site and followed; a redirect to another registrable domain (cas-bridge.xethub.hf.co)
#: is refused by the HTTP layer like every off-site redirect (outcome `offhost_redirect`, the
#: target named in the fetch log), never followed silently
HUGGING_FACE = "https://huggingface.co"
CSV = ("text/csv", "text/plain", "application/csv", "application/octet-stream")
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream",
        "application/zip")

@dataclass(frozen=True)
class Release:
    label: str
    released: date
    path: str  # below the study's base URL
    precision: str = "day"  # "day", "month" or "year": how much of `released` is known


@dataclass(frozen=True)
class Study:
    name: str
    title: str
    citation: str
    licence: str
    base_url: str
    code_column: str  # header regex of the occupation code column
    code_system: str  # "soc" (2018 SOC), "onet_soc" (O*NET-SOC, 2019 taxonomy), "soc2010"
    measures: tuple[tuple[str, str, str], ...]  # (header regex, metric, unit)
    releases: tuple[Release, ...]
    sheet: str | None = None  # xlsx: the sheet holding the table (regex, whole name)
    content_types: tuple[str, ...] = CSV


STUDIES: dict[str, Study] = {s.name: s for s in (
    Study(
        name="microsoft_ai_applicability",
        title="Microsoft Working with AI: AI applicability score by occupation",
        citation="Tomlinson et al. 2025, 'Working with AI', arXiv:2507.07935 (Bing Copilot conversations, Jan-Sep 2024)",
        licence="CC BY 4.0", base_url=GITHUB_RAW, code_column=r"SOC Code", code_system="soc",
        measures=((r"ai_applicability_score", "ms_ai_applicability", "fraction"),),
        releases=(Release("2025-08", date(2025, 8, 29), "/microsoft/working-with-ai/"
                          "84c4ebacaa39d1c11e26e16c2f2c98aa89a11834/soc_ai_applicability_scores.csv"),),
    ),
    Study(
        name="gpts_are_gpts",
        title="GPTs are GPTs: LLM exposure by O*NET occupation",
        citation="Eloundou, Manning, Mishkin & Rock 2023, 'GPTs are GPTs', arXiv:2303.10130",
        licence="MIT", base_url=GITHUB_RAW, code_column=r"O\*NET-SOC Code", code_system="onet_soc",
        measures=((r"dv_rating_alpha", "gpts_exposure_alpha", "fraction"),
                  (r"dv_rating_beta", "gpts_exposure_beta", "fraction"),
                  (r"dv_rating_gamma", "gpts_exposure_gamma", "fraction"),
                  (r"human_rating_alpha", "gpts_human_exposure_alpha", "fraction"),
                  (r"human_rating_beta", "gpts_human_exposure_beta", "fraction"),
                  (r"human_rating_gamma", "gpts_human_exposure_gamma", "fraction")),
        # the paper's ratings (March 2023), published as data/occ_level.csv on 2025-10-03
        releases=(Release("2025-10", date(2025, 10, 3), "/openai/GPTs-are-GPTs/"
                          "0471612fef3cc22b74fb884d27bff9dbd3770582/data/occ_level.csv"),),
    ),
    Study(
        name="felten_aioe",
        title="AI Occupational Exposure (AIOE), Data Appendix A",
        citation="Felten, Raj & Seamans 2021, Strategic Management Journal (SOC 2010 codes)",
        licence="CC BY 4.0", base_url=GITHUB_RAW, code_column=r"SOC Code", code_system="soc2010",
        measures=((r"AIOE", "aioe", "index"),), sheet=r"Appendix A", content_types=XLSX + CSV,
        releases=(Release("2021", date(2021, 1, 1), "/AIOE-Data/AIOE/"
                          "adca5fc2cd0e9a659ff05278b7fa7a53f4f324c1/AIOE_DataAppendix.xlsx", precision="year"),),
    ),
    Study(
        name="felten_lm_aioe",
        title="Language Modeling AIOE",
        citation="Felten, Raj & Seamans 2023, 'How will Language Modelers like ChatGPT Affect Occupations "
                 "and Industries?' (SOC 2010 codes)",
        licence="CC BY 4.0", base_url=GITHUB_RAW, code_column=r"SOC Code", code_system="soc2010",
        measures=((r"Language Modeling AIOE", "lm_aioe", "index"),), sheet=r"LM AIOE", content_types=XLSX + CSV,
        releases=(Release("2023-03", date(2023, 3, 7), "/AIOE-Data/AIOE/"
                          "ef1477f8c1985e14c3b6d186e30dd0179e7c7e80/Language%20Modeling%20AIOE%20and%20AIIE.xlsx"),),
    ),
    Study(
        name="anthropic_observed_exposure",
        title="Anthropic Economic Index: observed exposure by occupation",
        citation="Anthropic Economic Index, labor_market_impacts/job_exposure.csv (March 2026)",
        licence="CC BY (per users; the dataset card says MIT)", base_url=HUGGING_FACE, code_column=r"occ_code",
        code_system="soc", measures=((r"observed_exposure", "aei_observed_exposure", "fraction"),),
        releases=(Release("2026-03", date(2026, 3, 1), "/datasets/Anthropic/EconomicIndex/resolve/main/"
                          "labor_market_impacts/job_exposure.csv", precision="month"),),
    ),
)}
NULL_CELLS = frozenset({"", "NA", "N/A", "nan", "NaN", "-"})
