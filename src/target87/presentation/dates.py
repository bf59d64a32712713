"""Dates the way each language writes them (Babel's long format)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from target87.presentation.messages import LANGUAGES


def date_label(value: str | date | None, lang: str = "en") -> str:
    """An ISO date (``2010-04-07`` or a ``date``) as ``lang`` writes it: "April 7, 2010",
    "7 avril 2010", "7 de abril de 2010"; other text unchanged, "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, format="long", locale=lang if lang in LANGUAGES else "en")
