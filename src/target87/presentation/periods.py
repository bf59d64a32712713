"""Time periods as readers say them: a year, a window whose year the source does not give."""

from __future__ import annotations

import re

from target87.presentation.catalogue import translate

LATEST_IN = "latest in {start}-{end} (year not given)"
UNKNOWN = "year not given (outside the source's window)"

_WINDOW = re.compile(r"^(\d{4})/(\d{4})$")


def period_label(time_period: str | None, lang: str = "en") -> str:
    """``2019`` -> "2019"; ``2013/2021`` (the latest value of that window, year not given by
    the source) -> "latest in 2013-2021 (year not given)"; ``unknown`` -> "year not given
    (outside the source's window)"; anything else unchanged."""
    if not time_period:
        return ""
    if time_period == "unknown":
        return translate(UNKNOWN, lang)
    if m := _WINDOW.match(time_period):
        return translate(LATEST_IN, lang).format(start=m.group(1), end=m.group(2))
    return time_period


def english_labels() -> set[str]:
    """Every English text this module looks up in the content catalogue."""
    return {LATEST_IN, UNKNOWN}
