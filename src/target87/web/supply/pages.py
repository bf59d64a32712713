"""Pages of the supply-chain section: the footprint maps (``/supply``) and a region's sectors
and tiers (``/supply/regions/{region}``). The numbers come from the supply room
(``supply.demo.shown_system``: the system at ``TARGET87_MRIO`` or the demonstration system,
its footprints computed once per app); the handlers choose, label and render."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from target87.presentation import translator
from target87.presentation.charts import bars_spec, choropleth_spec
from target87.presentation.charts.figure import ChartFigure
from target87.store import models as M
from target87.supply.demo import (
    CHILD_LABOUR_EXTENSION,
    REGIONAL,
    ShownSystem,
    shown_system,
    stressor_name,
)
from target87.supply.errors import SupplyError
from target87.web.site import figures as chart_files
from target87.web.site.cache import cached_page
from target87.web.site.figures import chart_file, embed_page
from target87.web.site.language import choose
from target87.web.site.render import render, session

router = APIRouter(include_in_schema=False)
OVERVIEW = "/supply"
DEFINITIONS = ("final_demand", "gross")
TIER_KEYS = {"direct": "sc_tier_direct", "tier 1": "sc_tier_1", "tier 2": "sc_tier_2",
             "tier 3": "sc_tier_3", "rest": "sc_tier_rest"}  # fmt: skip


def system(request: Request) -> ShownSystem:
    """The app's system (loaded once, on first use)."""
    return shown_system(request.app.state)


def extension_of(shown: ShownSystem) -> str | None:
    """The extension the maps show: the child labour account, else none."""
    return CHILD_LABOUR_EXTENSION if CHILD_LABOUR_EXTENSION in shown.footprints.extensions else None


def definition_of(request: Request) -> str:
    asked = request.query_params.get("definition", "")
    return asked if asked in DEFINITIONS else DEFINITIONS[0]


def area_names(request: Request, codes: list[str], lang: str) -> dict[str, tuple[str, str | None]]:
    """ISO3 code -> (name in ``lang``, M49 code) from the store; ROW and unknown codes are
    named by their code (ROW as the rest of the world) and have no M49 (not on a map)."""
    with session(request) as s:
        rows = s.execute(select(M.Area).where(M.Area.code.in_(codes))).scalars().all()
        found = {a.code: (a.name(lang), a.m49) for a in rows}
    t = translator(lang)
    return {c: found.get(c, (t("sc_rest_of_world") if c == "ROW" else c, None)) for c in codes}


def world_countries(request: Request, lang: str) -> dict[str, tuple[str, str]]:
    """Every country of the store with an M49 code: the map's rows (those outside the system
    say "no data", never 0)."""
    with session(request) as s:
        rows = s.execute(
            select(M.Area).where(M.Area.kind == "country", M.Area.m49.is_not(None))
        ).scalars()
        return {a.code: (a.name(lang), a.m49) for a in rows}


def unit_text(unit: str, t) -> str:
    return t("sc_persons") if unit == "persons" else unit


def overview_figures(request: Request) -> list[ChartFigure]:
    """The two maps of ``/supply``: the child labour footprint by consuming country and the
    share linked to exports by producing country (the definition the request asks for)."""
    lang, _ = choose(request)
    t = translator(lang)
    shown = system(request)
    name = extension_of(shown)
    if name is None:
        return []
    acc = shown.footprints[name]
    stressor = acc.D_cba_reg.index[0]
    names = world_countries(request, lang)
    mapped = list(names)
    unit = unit_text(acc.unit.get(stressor, ""), t)
    definition = definition_of(request)
    linked = (shown.final_demand if definition == "final_demand" else shown.gross)[name]
    share = linked.share.loc[stressor]

    def frame(values: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "m49": [names[r][1] for r in mapped],
                "name": [names[r][0] for r in mapped],
                "value": [float(values.get(r, float("nan"))) for r in mapped],
                "year": "",
                "source": "",
            }
        )

    footprint = frame(acc.D_cba_reg.loc[stressor])
    exports = frame(share * 100)
    title_fp = t("sc_footprint_map")
    title_ex = f"{t('sc_exports_map')} · {t('sc_def_' + definition)}"
    demo = f" ({t('sc_demo_badge')})" if shown.mrio.demonstration else ""
    n_fp, n_ex = int(footprint["value"].notna().sum()), int(exports["value"].notna().sum())
    return [
        ChartFigure(
            "chart-footprint",
            choropleth_spec(
                footprint,
                title_fp + demo,
                unit,
                t("no_data"),
                t("sc_footprint_text").format(n=n_fp),
                lang=lang,
            ),  # fmt: skip
            title_fp + demo,
            unit,
            sources=list(acc.sources),
            description=t("sc_footprint_text").format(n=n_fp),
        ),
        ChartFigure(
            "chart-exports",
            choropleth_spec(
                exports,
                title_ex + demo,
                "%",
                t("no_data"),
                t("sc_exports_text").format(n=n_ex),
                lang=lang,
            ),  # fmt: skip
            title_ex + demo,
            "%",
            sources=list(acc.sources),
            description=t(f"sc_def_{definition}_text"),
        ),
    ]


def region_rows(request: Request, shown: ShownSystem, lang: str) -> tuple[list[dict], dict]:
    """One row per region of the overview's table: the four regional accounts of the first
    extension's first stressor and the shares linked to exports under both definitions."""
    name = extension_of(shown) or next(iter(shown.footprints.extensions), None)
    if name is None:
        return [], {}
    acc = shown.footprints[name]
    stressor = acc.D_cba_reg.index[0]
    names = area_names(request, list(acc.D_cba_reg.columns), lang)
    fd = shown.final_demand[name].share.loc[stressor]
    gross = shown.gross[name].share.loc[stressor]
    rows = []
    for region in acc.D_cba_reg.columns:
        values = {
            k: float(getattr(acc, k).loc[stressor].get(region, float("nan"))) for k in REGIONAL
        }
        rows.append(
            {
                "code": region,
                "name": names[region][0],
                **values,
                "share_fd": float(fd.get(region, float("nan"))) * 100,
                "share_gross": float(gross.get(region, float("nan"))) * 100,
            }
        )
    head = {
        "extension": name,
        "stressor": stressor_name(stressor),
        "unit": acc.unit.get(stressor, ""),
    }
    return rows, head


@router.get(OVERVIEW, response_class=HTMLResponse)
@cached_page
def supply_overview(request: Request):
    lang, _ = choose(request)
    t = translator(lang)
    shown = system(request)
    figures = overview_figures(request)
    if figures:
        chart_files.links(request, figures)
        chart_files.remember(request, request.url.path, figures)
    rows, head = region_rows(request, shown, lang)
    return render(
        request,
        "supply.html",
        shown=shown,
        figures={f.id: f for f in figures},
        rows=rows,
        head=head,
        unit=unit_text(head.get("unit", ""), t),
        definition=definition_of(request),
        definitions=DEFINITIONS,
        accounts=REGIONAL,
        extensions=shown.footprints.extensions,
        sizes={"regions": len(shown.mrio.regions), "sectors": len(shown.mrio.sectors)},
    )


def _overview_build(request: Request):
    return lambda: overview_figures(request)


@router.get("/charts/supply/{chart_id}.{fmt}")
def supply_chart(request: Request, chart_id: str, fmt: str):
    """The overview's maps as SVG, PNG or CSV (``web.site.figures``)."""
    return chart_file(request, OVERVIEW, chart_id, fmt, _overview_build(request))


@router.get("/embed/supply/{chart_id}")
def supply_embed(request: Request, chart_id: str):
    return embed_page(request, OVERVIEW, chart_id, _overview_build(request))


# --- a region ---------------------------------------------------------------------------------


def region_figures(request: Request, region: str) -> list[ChartFigure] | None:
    """The region page's tier chart; ``None`` for a region the system lacks."""
    lang, _ = choose(request)
    t = translator(lang)
    shown = system(request)
    name = extension_of(shown) or next(iter(shown.footprints.extensions), None)
    if name is None or region not in shown.mrio.regions:
        return None
    view = shown.region_view(name, region)
    unit = unit_text(view["unit"], t)
    label = area_names(request, [region], lang)[region][0]
    rows = pd.DataFrame(
        {
            "label": [t(key) for key in TIER_KEYS.values()],
            "value": [view["tiers"][k] for k in TIER_KEYS],
            "source": "; ".join(shown.footprints[name].sources[:1]),
        }
    )
    title = f"{t('sc_tiers')}: {label}"
    text = t("sc_tiers_text").format(region=label)
    spec = bars_spec(rows, title, unit, text)
    sources = list(shown.footprints[name].sources)
    return [ChartFigure("chart-tiers", spec, title, unit, sources=sources, description=text)]


@router.get("/supply/regions/{region}", response_class=HTMLResponse)
@cached_page
def supply_region(request: Request, region: str):
    lang, _ = choose(request)
    t = translator(lang)
    shown = system(request)
    figures = region_figures(request, region)
    if figures is None:
        return render(request, "not_found.html", status_code=404, what=f"/supply/regions/{region}")
    name = extension_of(shown) or next(iter(shown.footprints.extensions))
    try:
        view = shown.region_view(name, region)
    except SupplyError:  # pragma: no cover - region_figures checked the region
        return render(request, "not_found.html", status_code=404, what=region)
    chart_files.links(request, figures)
    chart_files.remember(request, request.url.path, figures)
    label = area_names(request, [region], lang)[region][0]
    total = view["tiers"]["total"] or float("nan")
    tiers = [
        {"label": t(key), "value": view["tiers"][k], "share": view["tiers"][k] / total * 100}
        for k, key in TIER_KEYS.items()
    ]
    return render(
        request,
        "supply_region.html",
        shown=shown,
        region=region,
        label=label,
        view=view,
        tiers=tiers,
        unit=unit_text(view["unit"], t),
        figures={f.id: f for f in figures},
        acc=shown.footprints[name],
    )


def _region_build(request: Request, region: str):
    return lambda: region_figures(request, region)


@router.get("/charts/supply/regions/{region}/{chart_id}.{fmt}")
def supply_region_chart(request: Request, region: str, chart_id: str, fmt: str):
    path = f"/supply/regions/{region}"
    return chart_file(request, path, chart_id, fmt, _region_build(request, region))


@router.get("/embed/supply/regions/{region}/{chart_id}")
def supply_region_embed(request: Request, region: str, chart_id: str):
    path = f"/supply/regions/{region}"
    return embed_page(request, path, chart_id, _region_build(request, region))
