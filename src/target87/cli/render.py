"""Formatting values and sources for the terminal: thin wrappers over the presentation floor
(``target87.presentation``), which the web and the reports share."""

from __future__ import annotations

import typer

from target87.presentation import age_label, period_label
from target87.presentation import format_value as _format_value
from target87.presentation.messages import LANGUAGES

LANG_HELP = "Language of the words and numbers: en, fr or es."


def check_language(lang: str) -> str:
    """``lang`` if the platform speaks it; otherwise say so on stderr and exit with 2."""
    if lang not in LANGUAGES:
        from target87.cli.common import err

        err.print(f"[red]Unknown language {lang!r}[/]: use one of {', '.join(LANGUAGES)}.")
        raise typer.Exit(2)
    return lang


def format_value(value: float | None, unit: str, unit_mult: int, lang: str = "en") -> str:
    """The value with its unit, the language's way ("5.4 %", "5,4 %", "1,054", "1 054")."""
    return _format_value(value, unit, unit_mult, lang)


def period_text(time_period: str, lang: str = "en") -> str:
    """A period in words: "2019", "latest in 2013-2021 (year not given)"."""
    return period_label(time_period, lang)


def age_text(age: str, lang: str = "en", *, short: bool = True) -> str:
    """An SDMX age code as people write it: "5-17", "18+", "all ages" ("5-17 years" and
    "18 years and over" without ``short``)."""
    return age_label(age, lang, short=short)


class SourceNumbers:
    """Numbers sources [1], [2] ... in order of first mention."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def ref(self, source_id: str) -> str:
        if source_id not in self.order:
            self.order.append(source_id)
        return f"[{self.order.index(source_id) + 1}]"
