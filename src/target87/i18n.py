"""Every UI text of the terminal views and the web pages, by key, in English.

French and Spanish come from Babel (gettext) catalogs, ``locale/<lang>/LC_MESSAGES/messages.po``,
whose message ids are these English texts; a test fails if a text lacks a translation.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

LANGUAGES = ("en", "fr", "es")

MESSAGES: dict[str, str] = {
    "profile": "Country profile",
    "region": "Region",
    "income": "Income group",
    "ilo_region": "ILO region",
    "pathfinder": "Alliance 8.7 Pathfinder Country",
    "pathfinder_yes": "yes (year joined not verified)",
    "pathfinder_no": "no",
    "child_labour": "Child labour, latest",
    "other_sources": "Other sources for the same figure",
    "no_data": "no data",
    "series": "Series",
    "period": "Period",
    "age": "Age",
    "total": "Total",
    "girls": "Girls",
    "boys": "Boys",
    "source": "Source",
    "definition": "Definition",
    "trafficking": "Detected victims of trafficking, latest",
    "ratifications": "Treaties and conventions",
    "instrument": "Instrument",
    "status": "Status",
    "year": "Year",
    "ratified": "ratified",
    "signed": "signed",
    "not_ratified": "not ratified",
    "goods": "Goods on the US DOL list (TVPRA)",
    "good": "Good",
    "child_labour_flag": "Child labour",
    "forced_labour_flag": "Forced labour",
    "forced_child_labour_flag": "Forced child labour",
    "no_goods": "none listed",
    "region_figures": "The region's figures",
    "area": "Area",
    "value": "Value",
    "sources": "Sources",
    "millions": "million",
    "per_1000": "per 1,000 people",
    "yes": "yes",
    "no": "no",
    "site_title": "Target 8.7 data platform",
    "home": "Dashboard",
    "countries": "Countries",
    "about": "About",
    "language": "Language",
    "search": "Search",
    "all": "all",
    "pathfinders_only": "Pathfinder Countries only",
    "with_data": "with child labour data",
    "filter": "Filter",
    "world_child_labour": "Children in child labour, world, 2000-2024",
    "key_figures": "Key figures",
    "licence": "Licence",
    "citation": "Citation",
    "publisher": "Publisher",
    "about_text": (
        "target87 brings together the data on UN SDG Target 8.7 (forced labour, modern "
        "slavery, human trafficking and child labour) with the source of every number."
    ),
    "not_found": "Not found",
    "count": "countries",
    "skip": "Skip to content",
    "hazardous": "in hazardous work (millions)",
    "gems_regions": "Forced labour and modern slavery by ILO region, 2021 (millions)",
    "forced_labour": "Forced labour",
    "modern_slavery": "Modern slavery",
    "victims_title": "Detected victims of trafficking: highest latest counts",
    "victims_note": (
        "Victims detected by national authorities (SDG 16.2.2): a measure of detection as much "
        "as of trafficking; years differ between countries."
    ),
    "other_countries": "other countries",
    "explore": "Indicator explorer",
    "window": "Years",
    "sex": "Sex",
    "show": "Show",
    "sort_by_value": "sort by value",
    "sort_by_name": "sort by name",
    "pathfinder_map": "Alliance 8.7 Pathfinder Countries",
    "target_label": "target {value} by {year}",
}


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> translation of one language's catalog (empty for English)."""
    if lang == "en":
        return {}
    path = resources.files("target87") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        po = read_po(f, locale=lang)
    return {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}


def label(key: str, lang: str = "en") -> str:
    """The text of ``key`` in ``lang`` (English when the language or translation is missing)."""
    english = MESSAGES[key]
    if lang not in LANGUAGES:
        return english
    return catalog(lang).get(english, english)
