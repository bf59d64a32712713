"""Words for codes on the web pages (ages, sexes, areas of residence, units, periods) from the
presentation floor, and a short citation for a source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.presentation import citation_text, code_label, unit_label
from target87.store import models as M
from target87.web.site.cache import data_version


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


@dataclass(frozen=True)
class SourceLabel:
    short: str
    citation: str
    licence: str | None


def source_labels(request) -> dict[str, SourceLabel]:
    """Every source's short citation and full citation, kept until the data change."""
    version = data_version(request)
    kept = getattr(request.app.state, "source_labels", None)
    if kept is None or kept[0] != version:
        with Session(request.app.state.engine) as s:
            labels = {
                src.id: SourceLabel(short_source(src), src.citation, src.licence)
                for src in s.execute(select(M.Source)).scalars()
            }
        kept = request.app.state.source_labels = (version, labels)
    return kept[1]


def citer(request, lang: str) -> Callable[..., Markup]:
    """``cite(source_id, local=False)``: a link to the source, its short citation as the text
    and the full one (in ``lang``'s words around the bibliographic line) as the title;
    ``local`` links to the page's own list of sources. Bibliographic text is marked
    ``translate="no"``: it stays as published."""
    labels: dict[str, SourceLabel] | None = None

    def cite(source_id: str | None, local: bool = False) -> Markup:
        nonlocal labels
        if not source_id:
            return Markup("")
        if labels is None:
            labels = source_labels(request)
        found = labels.get(source_id)
        href = f"#src-{source_id}" if local else f"/sources#src-{source_id}"
        title = citation_text(found.citation, found.licence, lang) if found else source_id
        return Markup('<a class="cite" translate="no" href="{}" title="{}">{}</a>').format(
            href, title, found.short if found else source_id
        )

    return cite
