"""Server-rendered pages. They call the same functions as the CLI; templates autoescape."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.interop.formats import export
from target87.presentation import citation_text, content_text
from target87.profiles import country_profile
from target87.progress.data import series_points
from target87.store import models as M
from target87.web.app import package_dir
from target87.web.cache import cached_page
from target87.web.charts import (
    bars_spec,
    pathfinder_map_spec,
    ratification_timeline_spec,
    region_comparison_spec,
    series_by_sex_spec,
    world_child_labour_spec,
)
from target87.web.labels import citer, code_labels
from target87.web.lang import COOKIE, choose, collation_key, date_text, number, translator

router = APIRouter(include_in_schema=False)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ILO_REGIONS = [
    "ILO_AFRICA",
    "ILO_AMERICAS",
    "ILO_ARAB_STATES",
    "ILO_ASIA_PACIFIC",
    "ILO_EUROPE_CENTRAL_ASIA",
]
templates = Jinja2Templates(directory=package_dir("templates"))  # autoescape on for .html
# Root-relative, never url_for's absolute URL: a cached page is served to every host name the
# site answers on (a proxy's, localhost, 127.0.0.1) and must load its assets from each.
templates.env.globals["static"] = lambda path: f"/static/{path}"


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    lang, remember = choose(request)
    if "user" not in context:
        from target87.web.auth import signed_in

        user, csrf = signed_in(request)
        context["user"] = user
        context.setdefault("csrf", csrf)
    context.update(
        lang=lang,
        t=translator(lang),
        num=lambda v, d=1: number(v, lang, d),
        day=lambda v: date_text(v, lang),
    )
    context.setdefault("cite", citer(request, lang))
    context.setdefault("labels", code_labels(lang))
    context.setdefault("content", lambda text: content_text(text, lang))
    context.setdefault("citation", lambda src: citation_text(src.citation, src.licence, lang))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if remember:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def session(request: Request) -> Session:
    return Session(request.app.state.engine)


@router.get("/", response_class=HTMLResponse)
@cached_page
def home(request: Request):
    lang, _ = choose(request)
    with session(request) as s:
        world = store.observations(
            s,
            series=["GE_CHLD_LAB", "GE_CHLD_LAB_PT", "GE_CHLD_HAZ"],
            areas=["WLD"],
            sex=["_T"],
            age=["Y5T17"],
        )
        world = world[world["urbanisation"] == "_T"].sort_values(["series", "year_to"])
        hazardous = world[world["series"] == "GE_CHLD_HAZ"].set_index("time_period")["value"]
        rows = [
            {"year": y, "millions": m, "percent": p, "hazardous": hazardous.get(y), "source": src}
            for (y, src), m, p in _pair(world)
        ]
        regions = store.observations(
            s, series=["GE_FORC_LAB", "GE_MOD_SLAV"], areas=ILO_REGIONS, sex=["_T"], age=["_T"]
        )
        by_region = [
            {
                "region": _name(s, M.Area, code, lang),
                "forced": part.loc[part["series"] == "GE_FORC_LAB", "value"].max(),
                "slavery": part.loc[part["series"] == "GE_MOD_SLAV", "value"].max(),
                "source": part["source"].iloc[0],
            }
            for code, part in regions.groupby("ref_area", sort=True)
        ]
        victims = store.observations(s, series=["VC_HTF_DETV"], sex=["_T"], age=["_T"])
        victims = victims[victims["year_to"].notna()].sort_values("year_to")
        latest_victims = victims.groupby("ref_area").tail(1).nlargest(10, "value")
        trafficking = [
            {
                "area": _name(s, M.Area, r.ref_area, lang),
                "code": r.ref_area,
                "value": r.value,
                "year": r.time_period,
                "source": r.source,
            }
            for r in latest_victims.itertuples()
        ]
        gems = store.observations(
            s,
            series=["GE_FORC_LAB", "GE_MOD_SLAV", "GE_FORC_MAR"],
            areas=["WLD"],
            sex=["_T"],
            age=["_T"],
        )
        figures = [
            {
                "name": _name(s, M.Series, r.series, lang),
                "value": r.value,
                "year": r.time_period,
                "source": r.source,
            }
            for r in gems.itertuples()
        ]
        cited = _citations(
            s,
            {r["source"] for r in rows}
            | {f["source"] for f in figures}
            | {r["source"] for r in by_region}
            | {r["source"] for r in trafficking},
        )
        millions = series_points(s, "GE_CHLD_LAB", "WLD").values
        countries = s.execute(
            select(M.Area).where(M.Area.kind == "country", M.Area.m49.is_not(None))
        ).scalars()
        areas = pd.DataFrame(
            [{"m49": a.m49, "name": a.name(lang), "pathfinder": a.pathfinder} for a in countries]
        )
        pathfinders = sorted(
            (a for a in s.execute(select(M.Area).where(M.Area.pathfinder)).scalars()),
            key=lambda a: collation_key(a.name(lang)),
        )
    t = translator(lang)
    spec = world_child_labour_spec(
        millions,
        t("world_child_labour"),
        t("millions"),
        t("target_label"),
        year_title=t("year"),
        description=t("world_chart_text").format(
            title=t("world_child_labour"),
            first=int(millions.index.min()),
            last=int(millions.index.max()),
        ),
    )
    labels = {"yes": t("pathfinder"), "no": t("other_countries"), "legend": ""}
    n_pathfinders = int(areas["pathfinder"].sum())
    map_text = t("map_text").format(title=t("pathfinder_map"), n=n_pathfinders)
    map_spec = pathfinder_map_spec(areas, t("pathfinder_map"), labels, map_text)
    long = pd.DataFrame(
        [(r["region"], t("forced_labour"), r["forced"], r["source"]) for r in by_region]
        + [(r["region"], t("modern_slavery"), r["slavery"], r["source"]) for r in by_region],
        columns=["label", "measure", "value", "source"],
    )
    gems_spec = bars_spec(
        long,
        t("gems_regions"),
        t("millions"),
        t("gems_chart_text").format(n=len(by_region)),
        series="measure",
    )
    top = pd.DataFrame(
        [(r["area"], r["value"], r["source"]) for r in trafficking],
        columns=["label", "value", "source"],
    )
    victims_spec = bars_spec(
        top, t("victims_title"), "", t("victims_chart_text").format(n=len(trafficking))
    )
    return render(
        request,
        "home.html",
        gems_spec=gems_spec,
        victims_spec=victims_spec,
        rows=rows,
        figures=figures,
        citations=cited,
        spec=spec,
        map_spec=map_spec,
        pathfinders=pathfinders,
        by_region=by_region,
        trafficking=trafficking,
    )


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
        charts = _child_labour_charts(s, profile.code, lang)
    t = translator(lang)
    dated = [r for r in profile.ratifications if r.year or r.date]
    timeline = None
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
        timeline = ratification_timeline_spec(rows, t("ratifications"), text)
    comparison = _region_comparison(profile, t)
    return render(
        request,
        "country.html",
        p=profile,
        charts=charts,
        timeline=timeline,
        undated=[r for r in profile.ratifications if not (r.year or r.date)],
        comparison=comparison,
    )


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


_DOWNLOADS = {"xlsx": ("xlsx", XLSX_TYPE), "sdmx-ml": ("xml", "application/xml")}


@router.get("/countries/{code}/download.{fmt}")
def country_download(request: Request, code: str, fmt: str):
    """Every preferred value held for the country, with a sheet (or header) of sources."""
    if fmt not in _DOWNLOADS:
        return render(request, "not_found.html", status_code=404, what=fmt)
    suffix, media = _DOWNLOADS[fmt]
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


def _child_labour_charts(s: Session, code: str, lang: str) -> list[dict]:
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
    frame = frame[(frame["urbanisation"] == "_T") & frame["time_period"].str.fullmatch(r"\d{4}")]
    charts = []
    for series, part in frame.groupby("series", sort=True):
        title = _name(s, M.Series, series, lang)
        text = t("by_sex_text").format(title=title, n=len(part))
        charts.append(
            {
                "id": f"chart-{series}",
                "title": title,
                "spec": series_by_sex_spec(part, title, "%", labels, text),
            }
        )
    return charts


@router.get("/sources", response_class=HTMLResponse)
@cached_page
def sources(request: Request):
    with session(request) as s:
        rows = store.sources(s)
    return render(request, "sources.html", sources=rows)


@router.get("/about", response_class=HTMLResponse)
@cached_page
def about(request: Request):
    return render(request, "about.html")


def _pair(world):
    """World rows as ((year, source), millions, percent)."""
    millions = world[world["series"] == "GE_CHLD_LAB"].set_index("time_period")
    percent = world[world["series"] == "GE_CHLD_LAB_PT"].set_index("time_period")
    for period, row in millions.iterrows():
        pct = percent["value"].get(period)
        yield (period, row["source"]), row["value"], pct


def _name(s: Session, model, key: str, lang: str) -> str:
    obj = s.get(model, key)
    return obj.name(lang) if obj is not None else key


def _citations(s: Session, ids: set[str]) -> list[M.Source]:
    return [src for src in store.sources(s) if src.id in ids]
