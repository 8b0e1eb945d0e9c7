"""Indeed, country level: posted-wage growth (the newest published month) and the AI share of
postings (now minus 364 days earlier, in points); one value per country, given to each of its roles."""

from __future__ import annotations

import pandas as pd

from core.geography import geography_aliases
from scoring.metrics.family import Family, Output
from scoring.metrics.frame import broadcast, constant, frame, iso, lineage_entries, lineage_json, pct, row
from scoring.metrics.indeed_levels import NO_KEY, Levels

WAGES, AI_SHARE = "posted_wage_growth", "ai_share_pp_change"


def by_country(roles: pd.DataFrame, name: str, unit: str, one) -> pd.DataFrame:
    keyed = roles["country"].notna()
    per = frame([{"key": c, **one(c)} for c in pd.unique(roles.loc[keyed, "country"])], keyed=True)
    parts = [constant(roles, ~keyed, [row(name, unit, "no_lookup_key", NO_KEY)]), broadcast(roles[keyed], "country", per)]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def posted_wages(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric, levels=None) -> pd.DataFrame:
    levels = levels or Levels(obs, rubric)
    unit = "fraction"

    def one(country: str) -> dict:
        rows = levels.rows("posted_wage_growth_yoy", country)
        mine = rows[rows["subject"].astype(str).str.upper().isin(geography_aliases(country))]
        if not mine.empty:
            rows = mine
        else:  # the by-sector file carries sectors as subjects: never mistake one for the country
            rows = rows[~rows["series_key"].astype(str).str.contains("sector", case=False)]
        rows = rows[rows["value"].notna()].sort_values("period_end", kind="stable")
        if rows.empty:
            return row(WAGES, unit, "no_data", f"no Indeed posted-wage growth for {country}")
        last = rows.iloc[-1]
        value = float(last["value"])
        month = pd.Timestamp(last["period_end"]).strftime("%b %Y")
        return row(WAGES, unit, "ok", f"{country} posted wages {pct(value)} YoY ({month})", value=value,
                   observed_to=last["period_end"], inputs={"country": country, "month": month, "value": value},
                   lineage=lineage_json(lineage_entries(rows.iloc[[-1]])))

    return by_country(roles, WAGES, unit, one)


def ai_share(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric, levels=None) -> pd.DataFrame:
    levels = levels or Levels(obs, rubric)
    unit = "pp"

    def one(country: str) -> dict:
        res = levels.country("ai_share_postings", country)
        if res is None:
            return row(AI_SHARE, unit, "no_data", f"no Indeed AI share for {country}")
        if "year_earlier" not in res:
            return row(AI_SHARE, unit, "insufficient_history",
                       f"{country} AI share: no level a year before {iso(res['date'])}", observed_to=res["date"],
                       lineage=lineage_json(res["lineage"]))
        value = res["now"] - res["year_earlier"]
        note = (f"{country} AI share of postings {res['year_earlier']:.2f} % → {res['now']:.2f} % "
                f"({value:+.2f} pp in a year)")
        return row(AI_SHARE, unit, "ok", note, value=value, observed_to=res["date"], lineage=lineage_json(res["lineage"]),
                   inputs={"country": country, "date": iso(res["date"]), "now_pct": res["now"],
                           "year_earlier_date": iso(res["prior_date"]), "year_earlier_pct": res["year_earlier"]})

    return by_country(roles, AI_SHARE, unit, one)


WAGES_FAMILY = Family(name="posted_wages", key="indeed", comparison="newest published YoY",
                      outputs={WAGES: Output("fraction", "indeed", ("posted_wage_growth_yoy",),
                                             request_kind="wage_growth",
                                             label="Indeed posted wage growth in the role's country")},
                      compute=posted_wages, shared=("levels",))
AI_SHARE_FAMILY = Family(name="ai_share", key="indeed", comparison="share now minus 364 days earlier (pp)",
                         outputs={AI_SHARE: Output("pp", "indeed", ("ai_share_postings",), request_kind="ai_share",
                                                   label="share of the country's postings mentioning AI, "
                                                         "change in a year")},
                         compute=ai_share, shared=("levels",))
