"""The dashboard: world child labour 2000-2024 with its projection and the 2025 target, the
Pathfinder Countries, forced labour and modern slavery by ILO region, and the highest counts
of detected victims of trafficking, each figure with its source."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.presentation import collation_key, translator
from target87.presentation.charts import bars_spec, pathfinder_map_spec, world_child_labour_spec
from target87.presentation.charts.figure import ChartFigure
from target87.profiles.headlines import headlines
from target87.progress import ProgressError, project
from target87.progress.data import series_points
from target87.store import models as M
from target87.web.public.common import cited_sources, name_of
from target87.web.site import figures as chart_files
from target87.web.site.cache import cached_page
from target87.web.site.labels import short_source
from target87.web.site.language import choose
from target87.web.site.render import render, session

router = APIRouter(include_in_schema=False)
ILO_REGIONS = [
    "ILO_AFRICA",
    "ILO_AMERICAS",
    "ILO_ARAB_STATES",
    "ILO_ASIA_PACIFIC",
    "ILO_EUROPE_CENTRAL_ASIA",
]
PROJECTED_UNTIL = 2030
WORLD_HEADLINES = ["GE_CHLD_LAB_PT", "GE_CHLD_LAB", "GE_FORC_LAB", "GE_MOD_SLAV"]


@router.get("/", response_class=HTMLResponse)
@cached_page
def home(request: Request):
    lang, _ = choose(request)
    with session(request) as s:
        rows = world_rows(s)
        by_region = forced_labour_by_region(s, lang)
        trafficking = most_detected_victims(s, lang)
        figures = world_modern_slavery(s, lang)
        sources = {r["source"] for r in [*rows, *by_region, *trafficking, *figures]}
        millions = series_points(s, "GE_CHLD_LAB", "WLD").values
        areas, pathfinders = pathfinder_areas(s, lang)
        cards = headlines(s, "WLD", WORLD_HEADLINES, lang)
        cited = cited_sources(s, sources | {h.source for h in cards})
    return render(
        request,
        "home.html",
        **page_charts(
            request, home_figures(lang, rows, millions, areas, pathfinders, by_region, trafficking)
        ),
        rows=rows,
        cards=cards,
        figures=figures,
        citations=cited,
        pathfinders=pathfinders,
        by_region=by_region,
        trafficking=trafficking,
    )


# The charts of the home page, by id, and the name the template knows each by.
HOME_CHARTS = {
    "chart-world": "spec",
    "chart-pathfinders": "map_spec",
    "chart-gems": "gems_spec",
    "chart-victims": "victims_spec",
}


def home_figures(
    lang: str,
    rows: list[dict],
    millions: pd.Series,
    areas: pd.DataFrame,
    pathfinders: list[M.Area],
    by_region: list[dict],
    trafficking: list[dict],
) -> list[ChartFigure]:
    """The home page's charts, for the page and for the chart files (``charts.py``)."""
    t = translator(lang)
    listed = sorted({a.pathfinder_source for a in pathfinders if a.pathfinder_source})
    return [
        ChartFigure(
            "chart-world",
            world_spec(millions, t, {_year(r["year"]): r["source"] for r in rows}),
            t("world_child_labour"),
            t("millions"),
            sources=list(dict.fromkeys(r["source"] for r in rows if r["source"])),
        ),
        ChartFigure(
            "chart-pathfinders",
            pathfinder_spec(areas, t, lang),
            t("pathfinder_map"),
            sources=listed,
        ),
        ChartFigure("chart-gems", regions_spec(by_region, t), t("gems_regions"), t("millions")),
        ChartFigure(
            "chart-victims",
            victims_spec(trafficking, t),
            t("victims_title"),
            t("chart_unit_victims"),
        ),
    ]


def build_home_figures(s: Session, lang: str) -> list[ChartFigure]:
    """``home_figures`` from the warehouse (the chart files ask for them alone)."""
    areas, pathfinders = pathfinder_areas(s, lang)
    return home_figures(
        lang,
        world_rows(s),
        series_points(s, "GE_CHLD_LAB", "WLD").values,
        areas,
        pathfinders,
        forced_labour_by_region(s, lang),
        most_detected_victims(s, lang),
    )


def page_charts(request: Request, figures: list[ChartFigure]) -> dict[str, ChartFigure]:
    """The template's charts, with their addresses; kept for the chart files that follow."""
    chart_files.links(request, figures)
    chart_files.remember(request, "/", figures)
    return {HOME_CHARTS[f.id]: f for f in figures}


def world_rows(s: Session) -> list[dict]:
    """World child labour by year: millions, %, hazardous work (millions) and the source."""
    world = store.observations(
        s,
        series=["GE_CHLD_LAB", "GE_CHLD_LAB_PT", "GE_CHLD_HAZ"],
        areas=["WLD"],
        sex=["_T"],
        age=["Y5T17"],
    )
    world = world[(world["urbanisation"] == "_T") & (world["breakdown"] == "_T")].sort_values(
        ["series", "year_to"]
    )
    hazardous = world[world["series"] == "GE_CHLD_HAZ"].set_index("time_period")["value"]
    millions = world[world["series"] == "GE_CHLD_LAB"].set_index("time_period")
    percent = world[world["series"] == "GE_CHLD_LAB_PT"].set_index("time_period")["value"]
    return [
        {
            "year": period,
            "millions": row["value"],
            "percent": percent.get(period),
            "hazardous": hazardous.get(period),
            "source": row["source"],
        }
        for period, row in millions.iterrows()
    ]


def forced_labour_by_region(s: Session, lang: str) -> list[dict]:
    regions = store.observations(
        s, series=["GE_FORC_LAB", "GE_MOD_SLAV"], areas=ILO_REGIONS, sex=["_T"], age=["_T"]
    )
    return [
        {
            "region": name_of(s, M.Area, code, lang),
            "forced": part.loc[part["series"] == "GE_FORC_LAB", "value"].max(),
            "slavery": part.loc[part["series"] == "GE_MOD_SLAV", "value"].max(),
            "source": part["source"].iloc[0],
        }
        for code, part in regions.groupby("ref_area", sort=True)
    ]


def most_detected_victims(s: Session, lang: str, top: int = 10) -> list[dict]:
    """The ``top`` latest counts of detected victims of trafficking, highest first."""
    victims = store.observations(s, series=["VC_HTF_DETV"], sex=["_T"], age=["_T"])
    victims = victims[victims["year_to"].notna()].sort_values("year_to")
    latest = victims.groupby("ref_area").tail(1).nlargest(top, "value")
    return [
        {
            "area": name_of(s, M.Area, r.ref_area, lang),
            "code": r.ref_area,
            "value": r.value,
            "year": r.time_period,
            "source": r.source,
        }
        for r in latest.itertuples()
    ]


def world_modern_slavery(s: Session, lang: str) -> list[dict]:
    gems = store.observations(
        s,
        series=["GE_FORC_LAB", "GE_MOD_SLAV", "GE_FORC_MAR"],
        areas=["WLD"],
        sex=["_T"],
        age=["_T"],
    )
    return [
        {
            "name": name_of(s, M.Series, r.series, lang),
            "value": r.value,
            "year": r.time_period,
            "source": r.source,
        }
        for r in gems.itertuples()
    ]


def pathfinder_areas(s: Session, lang: str) -> tuple[pd.DataFrame, list[M.Area]]:
    """Every country with an M49 code (the map) and the Pathfinder Countries (the list)."""
    countries = s.execute(
        select(M.Area).where(M.Area.kind == "country", M.Area.m49.is_not(None))
    ).scalars()
    listed = {src.id: src for src in store.sources(s)}  # the list each status is from

    def cited(a: M.Area) -> dict:
        src = listed.get(a.pathfinder_source or "alliance87_pathfinders_2025")
        if src is None:
            return {"year": a.pathfinder_year, "source": a.pathfinder_source, "cite": ""}
        return {"year": a.pathfinder_year or src.year, "source": src.id, "cite": short_source(src)}

    areas = pd.DataFrame(
        [
            {"m49": a.m49, "name": a.name(lang), "pathfinder": a.pathfinder, **cited(a)}
            for a in countries
        ]
    )
    pathfinders = sorted(
        s.execute(select(M.Area).where(M.Area.pathfinder)).scalars(),
        key=lambda a: collation_key(a.name(lang)),
    )
    return areas, pathfinders


def _year(period) -> int | None:
    text = str(period)[:4]
    return int(text) if text.isdigit() else None


def world_spec(millions: pd.Series, t, point_sources: dict | None = None) -> dict:
    """The world series with its log-linear projection to 2030 (when it can be made)."""
    projection = None
    try:
        last = int(millions.index.max())
        projected = project(millions, range(last, PROJECTED_UNTIL + 1), kind="count")
        projection = projected.to_frame().rename(columns={"central": "value"})
    except ProgressError:
        pass
    return world_child_labour_spec(
        millions,
        t("world_child_labour"),
        t("millions"),
        projection,
        t("target_label"),
        year_title=t("year"),
        point_sources=point_sources,
        description=t("world_chart_text").format(
            title=t("world_child_labour"),
            first=int(millions.index.min()),
            last=int(millions.index.max()),
        ),
    )


def pathfinder_spec(areas: pd.DataFrame, t, lang: str = "en") -> dict:
    labels = {"yes": t("pathfinder"), "no": t("other_countries"), "legend": ""}
    text = t("map_text").format(title=t("pathfinder_map"), n=int(areas["pathfinder"].sum()))
    return pathfinder_map_spec(areas, t("pathfinder_map"), labels, text, lang=lang)


def regions_spec(by_region: list[dict], t) -> dict:
    long = pd.DataFrame(
        [(r["region"], t("forced_labour"), r["forced"], r["source"]) for r in by_region]
        + [(r["region"], t("modern_slavery"), r["slavery"], r["source"]) for r in by_region],
        columns=["label", "measure", "value", "source"],
    )
    text = t("gems_chart_text").format(n=len(by_region))
    return bars_spec(long, t("gems_regions"), t("millions"), text, series="measure")


def victims_spec(trafficking: list[dict], t) -> dict:
    top = pd.DataFrame(
        [(r["area"], r["value"], r["source"]) for r in trafficking],
        columns=["label", "value", "source"],
    )
    text = t("victims_chart_text").format(n=len(trafficking))
    return bars_spec(top, t("victims_title"), "", text)
