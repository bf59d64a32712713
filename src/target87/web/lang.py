"""The reader's language: ``?lang=`` sets it (and a cookie keeps it), else the cookie, else
the browser's Accept-Language, else English. Numbers are formatted for it with Babel."""

from __future__ import annotations

import unicodedata
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import Request

from target87.i18n import LANGUAGES, label

COOKIE = "lang"


def choose(request: Request) -> tuple[str, bool]:
    """(language, whether to set the cookie)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, asked != request.cookies.get(COOKIE)
    kept = request.cookies.get(COOKIE)
    if kept in LANGUAGES:
        return kept, False
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code, False
    return "en", False


def number(value: float | None, lang: str, digits: int = 1) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=lang)


def translator(lang: str):
    return lambda key: label(key, lang)


def collation_key(text: str) -> tuple[str, str]:
    """Sort key for names in any of our languages: letters compared without their accents, then
    with them as a tie-break ("Émirats" files under E, not after "Zimbabwe"; ñ follows n)."""
    plain = unicodedata.normalize("NFKD", text)
    base = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return base, text.casefold()


def date_text(value: str | None, lang: str) -> str:
    """An ISO date (YYYY-MM-DD) the way the reader's language writes it; other text unchanged."""
    if not value:
        return ""
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return value
    return format_date(parsed, format="long", locale=lang)
