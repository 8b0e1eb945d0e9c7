"""layoffs.fyi via the Kaggle mirror (swaptr/layoffs-2022, ODbL): columns and defaults."""

from __future__ import annotations

from scrapers.http import CSV_CONTENT_TYPES

#: no public URL: the Kaggle download needs a token, so the location (URL or local path) comes
#: from config ([sources.layoffs] location = "...") or a base_urls override.
DEFAULT_LOCATION: str | None = None
ALLOWED_CONTENT_TYPES = CSV_CONTENT_TYPES
REQUIRED_COLUMNS = ("company", "total_laid_off", "date", "industry")
OPTIONAL_COLUMNS = ("location", "country", "source", "percentage_laid_off", "stage")

#: country names in the mirror -> ISO-2 (the geography convention used by Indeed); others kept as-is
COUNTRY_CODES = {
    "United States": "US", "United Kingdom": "GB", "India": "IN", "Canada": "CA", "Israel": "IL",
    "Germany": "DE", "Brazil": "BR", "Australia": "AU", "Singapore": "SG", "Sweden": "SE", "Indonesia": "ID",
    "Nigeria": "NG", "China": "CN", "Netherlands": "NL", "France": "FR", "Ireland": "IE", "Kenya": "KE",
    "Spain": "ES", "Estonia": "EE", "New Zealand": "NZ", "Norway": "NO", "Denmark": "DK", "Japan": "JP",
    "Switzerland": "CH", "Mexico": "MX", "Austria": "AT", "Poland": "PL", "Finland": "FI", "Chile": "CL",
    "Hong Kong": "HK", "Argentina": "AR", "United Arab Emirates": "AE", "UAE": "AE", "Pakistan": "PK",
    "Colombia": "CO", "Uruguay": "UY", "Portugal": "PT", "Czech Republic": "CZ", "Luxembourg": "LU",
    "Seychelles": "SC", "Malaysia": "MY", "Cayman Islands": "KY", "Lithuania": "LT", "Romania": "RO",
    "South Korea": "KR", "Vietnam": "VN", "Belgium": "BE", "Ghana": "GH", "Egypt": "EG", "Malta": "MT",
    "Cyprus": "CY", "Saudi Arabia": "SA", "Philippines": "PH", "Ukraine": "UA", "Italy": "IT", "Greece": "GR",
    "Hungary": "HU", "Thailand": "TH", "Senegal": "SN", "Peru": "PE", "Bahrain": "BH", "Turkey": "TR",
    "Russia": "RU", "Bulgaria": "BG", "South Africa": "ZA", "Myanmar": "MM",
}
UNKNOWN_GEOGRAPHY = "unknown"
