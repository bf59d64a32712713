"""The reader's language: ``?lang=`` sets it (and a cookie keeps it), else the cookie, else
the browser's Accept-Language, else English."""

from __future__ import annotations

from fastapi import Request

from target87.presentation.messages import LANGUAGES

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
