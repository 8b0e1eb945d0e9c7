"""Country codes: the one spelling the data uses for a country, and the other spellings of it."""

from __future__ import annotations

#: a spelling people (and the catalogue) use -> the ISO 3166-1 alpha-2 code the data uses.
#: The United Kingdom is "UK" in the catalogue but "GB" to ISO, Indeed and FRED.
COUNTRY_ALIASES: dict[str, str] = {"UK": "GB"}


def country_code(country: str) -> str:
    """The ISO-2 code of a country spelling: stripped, upper-cased, aliases resolved (uk -> GB)."""
    code = country.strip().upper()
    return COUNTRY_ALIASES.get(code, code)


def geography_aliases(geography: str | None) -> set[str]:
    """Every spelling of the country `geography` names ({"UK", "GB"} for either); empty for none."""
    code = country_code(geography or "")
    if not code:
        return set()
    return {code} | {alias for alias, target in COUNTRY_ALIASES.items() if target == code}
