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
    "survey": "survey or country data",
    "modelled": "modelled estimate",
    "by_sex_text": "{title}: {n} values by sex",
    "timeline_text": "{n} of {total} instruments placed by the year of ratification",
    "region_comparison": "Child labour: the country beside its regions and the world (%)",
    "region_comparison_text": (
        "Latest child labour rate of the country (survey) beside the modelled estimates for its "
        "regions and the world; the two are not measured the same way."
    ),
    "date_not_held": "date not held",
    "progress": "Progress towards ending child labour by 2025",
    "target_achieved": "Target achieved",
    "on_track": "Substantial progress/on track",
    "fair_progress": "Fair progress but acceleration needed",
    "limited_progress": "Limited or no progress",
    "deterioration": "Deterioration",
    "status_not_computable": "not computable: {n} dated value(s) held, two are needed",
    "status_method": (
        "Status: ratio of the actual to the required annual rate of change since 2015, with the "
        "UN Statistics Division's thresholds (on track from 0.95, fair from 0.5, limited from "
        "-0.1)."
    ),
    "base": "Base",
    "latest": "Latest",
    "actual_rate": "Actual change, % a year",
    "required_rate": "Required change, % a year",
    "downloads": "Downloads",
    "download_xlsx": "Excel: one sheet per series and a sheet of sources",
    "download_csv": "CSV, with the citation of each row",
    "download_sdmx": "SDMX-CSV (SDG global DSD)",
    "download_sdmx_ml": "SDMX-ML 2.1 (SDG global DSD)",
    "definitions_used": "Definitions used",
    "standard": "Standard",
    "methods": "Methods and definitions",
    "m_sources_h": "Every number has a source",
    "m_sources": (
        "Each value is stored with the dataset it comes from: publisher, title, edition, year, "
        "licence and the date it was retrieved. When two publishers give a value for the same "
        "country, year, sex and age, both are kept; the custodian agency's value is shown first "
        "and the others are listed beside it."
    ),
    "m_child_labour_h": "Child labour (SDG 8.7.1)",
    "m_child_labour": (
        "Share of children aged 5 to 17 in child labour: economic activity above age-specific "
        "hour thresholds, with household chores counted in one series (SL_TLF_CHLDEC) and not in "
        "the other (SL_TLF_CHLDEA). National surveys (MICS, DHS, labour force and child labour "
        "surveys) give country values; the ILO and UNICEF model regional and world estimates from"
        " them. Survey values and modelled estimates are drawn differently in every chart."
    ),
    "m_slavery_h": "Forced labour, forced marriage and modern slavery",
    "m_slavery": (
        "The 2021 Global Estimates of Modern Slavery (ILO, Walk Free, IOM) count people in forced"
        " labour and in forced marriage on a given day; modern slavery is the sum of the two. "
        "They are modelled regional and world figures, not country values."
    ),
    "m_trafficking_h": "Detected victims of trafficking (SDG 16.2.2)",
    "m_trafficking": (
        "Victims detected by national authorities, reported to UNODC. A rise can mean better "
        "detection as much as more trafficking, so no target or progress status is computed for "
        "them."
    ),
    "m_progress_h": "Progress and projections",
    "m_progress": (
        "Progress status compares the actual compound annual rate of change since 2015 with the "
        "rate needed to reach the target (zero child labour by 2025), using the UN Statistics "
        "Division's thresholds. Projections extend the observed log-linear trend, with a band "
        "from the spread of past period rates; they are not forecasts. A status needs at least "
        "two dated values."
    ),
    "m_no_data_h": "No data is not zero",
    "m_no_data": (
        "Countries without a value are shown in grey and labelled as having no data, in maps, "
        "tables and rankings alike. Values whose survey year is not known are kept with their "
        "period, never given a year."
    ),
    "world_chart_text": (
        "{title}: observed values {first}-{last}, the projection of the trend with its band, and "
        "the target of zero by 2025."
    ),
    "map_text": ("{title}: {n} countries"),
    "choropleth_text": ("{title}: {n} countries with a value; the others are grey (no data)."),
    "ranking_text": ("{title}: the {n} highest values"),
    "retrieved": "Retrieved",
    "gems_chart_text": (
        "People in forced labour and in modern slavery in the {n} ILO regions, 2021, in millions;"
        " the table below gives the same figures."
    ),
    "victims_chart_text": (
        "The {n} highest latest counts of detected victims; the table below gives the same "
        "figures with their years."
    ),
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
