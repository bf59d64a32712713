"""The countries: a list to search and filter, and each country's profile with its charts,
tables, definitions, progress, treaties, goods, sources and downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.interop.formats import export, format_named
from target87.presentation import collation_key, translator
from target87.presentation.charts import (
    ratification_timeline_spec,
    region_comparison_spec,
    series_by_sex_spec,
)
from target87.presentation.charts.figure import ChartFigure
from target87.profiles import country_profile
from target87.store import models as M
from target87.web.public.common import name_of
from target87.web.site import figures as chart_files
from target87.web.site.cache import cached_page
from target87.web.site.language import choose
from target87.web.site.render import render, session

router = APIRouter(include_in_schema=False)


@router.get("/countries", response_class=HTMLResponse)
@cached_page
def countries(
    request: Request,
    q: str = "",
    region: str = "",
    income: str = "",
    pathfinder: bool = False,
    with_data: bool = False,
):
    lang, _ = choose(request)
    with session(request) as s:
        stmt = select(M.Area).where(M.Area.kind == "country").order_by(M.Area.code)
        areas = list(s.execute(stmt).scalars())
        having = set(
            s.execute(
                select(M.Observation.ref_area)
                .where(M.Observation.series.in_(["SL_TLF_CHLDEC", "SL_TLF_CHLDEA"]))
                .distinct()
            ).scalars()
        )
        groups = {
            g.code: g.name(lang)
            for g in s.execute(select(M.Area).where(M.Area.kind == "region")).scalars()
        }
    needle = q.strip().lower()
    shown = [
        a
        for a in areas
        if (
            not needle
            or needle in " ".join(filter(None, [a.code, a.name_en, a.name_fr, a.name_es])).lower()
        )
        and (not region or region in (a.m49_region, a.m49_subregion, a.ilo_region))
        and (not income or a.wb_income_group == income)
        and (not pathfinder or a.pathfinder)
        and (not with_data or a.code in having)
    ]
    shown.sort(key=lambda a: collation_key(a.name(lang)))
    filters = {
        "q": q,
        "region": region,
        "income": income,
        "pathfinder": pathfinder,
        "with_data": with_data,
    }
    regions = {c: n for c, n in groups.items() if c.startswith(("ILO_", "M49_"))}
    incomes = {c: n for c, n in groups.items() if c.startswith("WB_")}
    return render(
        request,
        "countries.html",
        areas=shown,
        having=having,
        groups=groups,
        regions=regions,
        incomes=incomes,
        filters=filters,
    )


@router.get("/countries/{code}", response_class=HTMLResponse)
@cached_page
def country(request: Request, code: str):
    lang, _ = choose(request)
    with session(request) as s:
        try:
            profile = country_profile(s, code, lang)
        except store.UnknownArea:
            return render(request, "not_found.html", status_code=404, what=code)
        figures = country_figures(s, profile, lang)
    # Drawn as the server's images first: the profile never waits for the Vega bundle.
    chart_files.links(request, figures, lazy=True)
    chart_files.remember(request, request.url.path, figures)
    by_id = {f.id: f for f in figures}
    return render(
        request,
        "country.html",
        p=profile,
        charts=[f for f in figures if f.id not in ("chart-ratifications", "chart-regions")],
        timeline=by_id.get("chart-ratifications"),
        undated=[r for r in profile.ratifications if not (r.year or r.date)],
        comparison=by_id.get("chart-regions"),
    )


def country_figures(s: Session, profile, lang: str) -> list[ChartFigure]:
    """The profile's charts, for the page and for the chart files (``charts.py``): child
    labour by sex per series, the country beside its regions, the treaties time line."""
    t = translator(lang)
    figures = _child_labour_charts(s, profile.code, lang)
    comparison = _region_comparison(profile, t)
    if comparison is not None:
        figures.append(ChartFigure("chart-regions", comparison, t("region_comparison"), "%"))
    dated = [r for r in profile.ratifications if r.year or r.date]
    if dated:
        rows = pd.DataFrame(
            {
                "instrument": r.instrument,
                "name": r.name,
                "year": r.year or int(r.date[:4]),
                "status": t(r.status),
                "source": r.source,
            }
            for r in dated
        )
        text = t("timeline_text").format(n=len(rows), total=len(profile.ratifications))
        spec = ratification_timeline_spec(rows, t("ratifications"), text)
        figures.append(ChartFigure("chart-ratifications", spec, t("ratifications")))
    return figures


def build_country_figures(s: Session, code: str, lang: str) -> list[ChartFigure] | None:
    """``country_figures`` of the country ``code`` (None: no such country)."""
    try:
        profile = country_profile(s, code, lang)
    except store.UnknownArea:
        return None
    return country_figures(s, profile, lang)


def _region_comparison(profile, t) -> dict | None:
    """Latest child labour rate of the country beside its regions' and the world's (5-17)."""
    rows = []
    latest = next((c for c in profile.child_labour if c.series == "SL_TLF_CHLDEC"), None)
    if latest and latest.total is not None:
        kind = t("survey")
        rows.append((profile.name, latest.total, latest.time_period, kind, latest.source))
    for f in profile.region_figures:
        if f.series == "GE_CHLD_LAB_PT":
            rows.append((f.area_name, f.value, f.time_period, t("modelled"), f.source))
    if len(rows) < 2:
        return None
    frame = pd.DataFrame(rows, columns=["area", "value", "year", "kind", "source"])
    title = t("region_comparison")
    return region_comparison_spec(
        frame, title, "%", t("region_comparison_text"), kinds=[t("survey"), t("modelled")]
    )


# The registered formats a country's data downloads in, with the file name's suffix.
_DOWNLOADS = {"xlsx": "xlsx", "sdmx-ml": "xml"}


@router.get("/countries/{code}/download.{fmt}")
def country_download(request: Request, code: str, fmt: str):
    """Every preferred value held for the country, with a sheet (or header) of sources."""
    if fmt not in _DOWNLOADS:
        return render(request, "not_found.html", status_code=404, what=fmt)
    suffix, media = _DOWNLOADS[fmt], format_named(fmt).media_type
    with session(request) as s:
        try:
            area = store.resolve_area(s, code)
        except store.UnknownArea:
            return render(request, "not_found.html", status_code=404, what=code)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{area.code}.{suffix}"
            export(s, path, fmt, areas=[area.code], preferred_only=True)
            body = path.read_bytes()
    name = f"target87-{area.code}.{suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)


def _child_labour_charts(s: Session, code: str, lang: str) -> list[ChartFigure]:
    """One chart per child labour series with dated values (preferred source, 5-17)."""
    t = translator(lang)
    labels = {
        "_T": t("total"),
        "F": t("girls"),
        "M": t("boys"),
        "survey": t("survey"),
        "modelled": t("modelled"),
    }
    frame = store.observations(
        s, series=["SL_TLF_CHLDEC", "SL_TLF_CHLDEA"], areas=[code], age=["Y5T17"]
    )
    frame = frame[
        (frame["urbanisation"] == "_T")
        & (frame["breakdown"] == "_T")
        & frame["time_period"].str.fullmatch(r"\d{4}")
    ]
    charts = []
    for series, part in frame.groupby("series", sort=True):
        if len(part) < 2:
            continue  # one value: a lone dot says less than the headline card's words
        title = name_of(s, M.Series, series, lang)
        text = t("by_sex_text").format(title=title, n=len(part))
        spec = series_by_sex_spec(part, title, "%", labels, text)
        charts.append(ChartFigure(f"chart-{series}", spec, title, "%"))
    return charts
