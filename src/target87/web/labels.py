"""Words for codes on the web pages (ages, sexes, areas of residence, units, periods) from the
presentation floor, and a short citation for a source."""

from __future__ import annotations

from collections.abc import Callable

from target87.presentation import code_label, unit_label
from target87.store import models as M


def code_labels(lang: str) -> Callable[..., str]:
    """``labels(dimension, code)``: the reader's words for an SDMX code (the code if unknown);
    ``labels("unit", unit, unit_mult)`` for a unit."""

    def labels(dimension: str, code: str | None, *extra) -> str:
        if code is None:
            return ""
        if dimension == "unit":
            return unit_label(code, lang, *extra)
        return code_label(dimension, code, lang)

    return labels


def short_source(source: M.Source | None) -> str:
    """A short citation: the publisher's abbreviation where it gives one, and the year."""
    if source is None:
        return ""
    publisher = (source.publisher or source.id).split(";")[0].strip()
    if publisher.endswith(")") and "(" in publisher:
        inner = publisher[publisher.rindex("(") + 1 : -1]
        # "(UNSD)" names the publisher shortly; "(Minderoo Foundation)" only qualifies it.
        publisher = inner if inner.isupper() else publisher[: publisher.rindex("(")].strip()
    for long, short in (
        ("International Labour Organization", "ILO"),
        ("International Labour Office", "ILO"),
        ("United Nations Statistics Division", "UNSD"),
    ):
        publisher = publisher.replace(long, short)
    return f"{publisher} ({source.year})" if source.year else publisher
