"""Maps: the Alliance 8.7 Pathfinder Countries, and one figure by country, as Vega specs that
the reader can zoom (wheel about the pointer, or the zoom slider from the keyboard), pan
(drag) and reset (double-click).

Vega-Lite cannot bind the wheel or a drag to a projection, so the maps are written in Vega
directly: the projection is fitted to the sphere (or the territories) inside an extent that
the zoom and pan signals stretch and move. The country shapes are the world-atlas 1:110m
TopoJSON the site serves; the small states it lacks or draws a few pixels wide are drawn on
top as symbols (``small-states.json``, made by scripts/make_small_states.py from the 1:50m
file), coloured like the countries and with the same tooltip, so every country can be
hovered or tapped.

Values are put in classes here, in Python (``class_breaks``), and the legend shows each
class as a range in the page's language ("10–20 %", "2,5–5 %") and a grey "No data" entry:
a country without a value is never coloured as zero and never vanishes.
"""

from __future__ import annotations

import copy
import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from target87.presentation.charts.common import MAP_URL, NO_DATA, PROJECTED
from target87.presentation.messages import label
from target87.presentation.numbers import format_number, percent_affixes

VEGA_SCHEMA = "https://vega.github.io/schema/vega/v6.json"
SMALL_STATES_URL = "/static/maps/small-states.json"
MAX_ZOOM = 20
#: Symbols of the small states: about 11 px across, large enough to hover or tap.
SMALL_STATE_SIZE = 90
#: Viridis in n steps (viridisLite), dark to light; the maps run light (low) to dark (high).
VIRIDIS = {
    1: ["#21918c"],
    2: ["#440154", "#fde725"],
    3: ["#440154", "#21918c", "#fde725"],
    4: ["#440154", "#31688e", "#35b779", "#fde725"],
    5: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"],
    6: ["#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"],
    7: ["#440154", "#443983", "#31688e", "#21918c", "#35b779", "#8fd744", "#fde725"],
}
SUPPRESSED = "#969696"  # darker than "no data": withheld, not missing
_WIDTH = "isFinite(containerSize()[0]) ? containerSize()[0] : 600"


# Classes ------------------------------------------------------------------------------------


def _finite(values: Iterable) -> list[float]:
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append(f)
    return sorted(out)


def class_step(values: Iterable, classes: int = 5) -> float:
    """The rounding step of the breaks: a power of ten about a class's width."""
    data = _finite(values)
    if not data:
        return 1.0
    span = data[-1] - data[0] or abs(data[-1]) or 1.0
    return 10.0 ** math.floor(math.log10(span / classes))


def class_breaks(values: Iterable, classes: int = 5) -> list[float]:
    """Quantile breaks rounded to a step about a class's width: increasing, the first at or
    below the smallest value and the last at or above the largest; fewer classes where the
    values are few or tied. ``[]`` without a value."""
    data = _finite(values)
    if not data:
        return []
    step = class_step(data, classes)
    low = math.floor(round(data[0] / step, 9)) * step
    high = math.ceil(round(data[-1] / step, 9)) * step
    if high <= low:
        return [_tidy(low, step), _tidy(low, step)]
    inner = []
    for i in range(1, classes):
        position = i * (len(data) - 1) / classes
        below = data[int(math.floor(position))]
        above = data[min(int(math.floor(position)) + 1, len(data) - 1)]
        q = below + (above - below) * (position - math.floor(position))
        inner.append(round(q / step) * step)
    breaks = sorted({_tidy(b, step) for b in [low, *inner, high]})
    return [b for b in breaks if _tidy(low, step) <= b <= _tidy(high, step)]


def _tidy(value: float, step: float) -> float:
    digits = max(0, -math.floor(math.log10(step)))
    return round(value, digits) + 0.0


def _digits(breaks: list[float]) -> int:
    """Decimals enough to write every break exactly."""
    for digits in range(0, 7):
        if all(abs(b - round(b, digits)) < 1e-9 for b in breaks):
            return digits
    return 6


def classify(value: Any, breaks: list[float]) -> int | None:
    """The class (0-based) of ``value``: ``breaks[i] <= value < breaks[i + 1]``, the last class
    closed; ``None`` for a missing value or one outside the breaks."""
    data = _finite([value])
    if not data or len(breaks) < 2:
        return None
    v = data[0]
    if v < breaks[0] or v > breaks[-1]:
        return None
    return min(bisect_right(breaks, v) - 1, len(breaks) - 2)


def class_labels(breaks: list[float], lang: str = "en", unit: str = "") -> list[str]:
    """Each class as a range in ``lang``: "10–20 %", "2,5–5 %" ("%" is the unit of a value
    already in percent); one value alone where all the values are equal."""
    if len(breaks) < 2:
        return []
    digits = _digits(breaks)
    suffix = percent_affixes(lang if lang in ("en", "fr", "es") else "en")[1] if unit == "%" else ""

    def number(b: float) -> str:
        return format_number(b, lang, digits)

    if breaks[0] == breaks[-1]:
        return [f"{number(breaks[0])}{suffix}"]
    return [f"{number(a)}–{number(b)}{suffix}" for a, b in zip(breaks, breaks[1:], strict=False)]


def class_colours(n: int) -> list[str]:
    """``n`` viridis steps, light (low values) to dark (high values)."""
    return list(reversed(VIRIDIS[max(1, min(n, 7))]))[:n] if n else []


# Shapes shipped with the package ------------------------------------------------------------


def _maps_folder():
    return resources.files("target87.presentation") / "static" / "maps"


@cache
def _static_json(name: str) -> Any:
    with (_maps_folder() / name).open("rb") as f:
        return json.load(f)


def world_countries() -> dict[str, str]:
    """M49 code -> English name of every country shape of the 1:110m TopoJSON."""
    geometries = _static_json("countries-110m.json")["objects"]["countries"]["geometries"]
    return {g["id"]: g["properties"]["name"] for g in geometries if g.get("id")}


def small_states() -> list[dict]:
    """The small states drawn as symbols: id (M49), name, lon, lat (small-states.json)."""
    return _static_json("small-states.json")


def inline_data(spec: dict) -> dict:
    """A copy of ``spec`` with the files it loads from /static/maps/ inlined as values, read
    from the package (never the network): for drawing on the server (vl_convert)."""
    out = copy.deepcopy(spec)
    for entry in out.get("data", []):
        url = entry.get("url")
        if isinstance(url, str) and url.startswith("/static/maps/"):
            entry["values"] = copy.deepcopy(_static_json(url.rsplit("/", 1)[-1]))
            del entry["url"]
    return out


# The Vega map --------------------------------------------------------------------------------


def _zoom_signals(height: int, lang: str) -> list[dict]:
    """Width from the container; zoom about the pointer (wheel), drag to pan, double-click to
    reset, and a zoom slider (keyboard: arrows, Home to reset). ``panX``/``panY`` are the point
    of the unzoomed map at the centre, as fractions of its width and height.

    Vega runs the handlers of one event in the order of the signals: the pan signals come
    before ``zoom`` so that on a wheel event they read the zoom before it changes."""
    # Signals cannot be read in an event filter under the CSP-safe interpreter: the updates
    # test whether the pointer is over the map (not the legend or the slider) themselves.
    inside = "(x() >= 0 && x() <= width && y() >= 0 && y() <= height)"
    wheel = {"type": "wheel", "consume": True}
    factor = "pow(2, -event.deltaY * (event.deltaMode ? 16 : 1) / 300)"
    zoomed = f"clamp(zoom * {factor}, 1, {MAX_ZOOM})"
    drag = {
        "between": [{"type": "pointerdown"}, {"source": "window", "type": "pointerup"}],
        "source": "window",
        "type": "pointermove",
    }

    def pan(axis: str, coord: str, size: str, index: int) -> dict:
        return {
            "name": f"pan{axis}",
            "value": 0.5,
            "on": [
                {
                    "events": wheel,
                    "update": f"{inside} ? clamp(pan{axis} + ({coord}() - {size} / 2) / {size}"
                    f" * (1 / zoom - 1 / {zoomed}), 0, 1) : pan{axis}",
                },
                {
                    "events": drag,
                    "update": f"dragFrom ? clamp(dragFrom[{index + 2}] - ({coord}()"
                    f" - dragFrom[{index}]) / (zoom * {size}), 0, 1) : pan{axis}",
                },
                {"events": "dblclick", "update": "0.5"},
                {"events": {"signal": "zoom"}, "update": f"zoom <= 1 ? 0.5 : pan{axis}"},
            ],
        }

    return [
        {"name": "width", "init": _WIDTH, "on": [{"events": "window:resize", "update": _WIDTH}]},
        {"name": "height", "value": height},
        {"name": "mapHeight", "update": "height - 16"},  # the hint's line under the map
        {
            "name": "dragFrom",
            "value": None,
            "on": [
                {
                    "events": "pointerdown",
                    "update": f"{inside} ? [x(), y(), panX, panY] : null",
                }
            ],
        },
        pan("X", "x", "width", 0),
        pan("Y", "y", "mapHeight", 1),
        {
            "name": "zoom",
            "value": 1,
            "bind": {
                "input": "range",
                "min": 1,
                "max": MAX_ZOOM,
                "step": 0.5,
                "name": label("map_zoom", lang) + " ",
            },
            "on": [
                {"events": wheel, "update": f"{inside} ? {zoomed} : zoom"},
                {"events": "dblclick", "update": "1"},
            ],
        },
        {
            "name": "extent",
            "update": "[[width / 2 - zoom * panX * width, mapHeight / 2 - zoom * panY * mapHeight],"
            " [width / 2 + zoom * (1 - panX) * width,"
            " mapHeight / 2 + zoom * (1 - panY) * mapHeight]]",
        },
    ]


def _shape_encoding(fill: str, tooltip: str, aria: str) -> dict:
    """Fill, tooltip and text for screen readers of a shape or a symbol (Vega expressions)."""
    return {
        "update": {
            "fill": {"signal": f"scale('color', {fill})"},
            "stroke": {"value": "#ffffff"},
            "strokeWidth": {"value": 0.5},
            "tooltip": {"signal": tooltip},
            "description": {"signal": aria},
            "ariaRoleDescription": {"value": "geoshape"},
        },
        "hover": {"stroke": {"value": "#000000"}, "strokeWidth": {"value": 1.5}},
    }


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def expr_tip(name: str, pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """A tooltip object (``name`` its title, then each key: value) and the same as one line
    for screen readers ("Brazil; Value: 4.6 %; Year: 2016"), as Vega expressions; the keys
    are the page's words, written as string literals."""
    items = ", ".join(f"{_literal(k)}: ({v})" for k, v in pairs)
    line = " + '; ' + ".join([f"({name})", *(f"{_literal(k + ': ')} + ({v})" for k, v in pairs)])
    return f"{{title: {name}, {items}}}", line


def zoomable_map(
    *,
    description: str,
    lang: str,
    data: list[dict],
    shapes: str,
    projection: dict,
    domain: list[str],
    colours: list[str],
    legend_title: str,
    fill: str,
    tooltip: str,
    aria: str,
    title: str = "",
    height: int = 340,
    points: tuple[str, str, str, str] | None = None,
    scales: list[dict] | None = None,
    signals: list[dict] | None = None,
) -> dict:
    """A Vega map of the features of the dataset ``shapes``, filled with the colour of the
    ordinal scale ``domain`` -> ``colours`` for ``fill``, with ``tooltip`` and ``aria`` (the
    text for screen readers), all Vega expressions over ``datum``; with ``points`` (dataset,
    fill, tooltip, aria), symbols at ``px``/``py`` on top. Zoomable and pannable."""
    marks: list[dict] = [
        {
            "type": "shape",
            "name": "shapes",
            "from": {"data": shapes},
            "encode": _shape_encoding(fill, tooltip, aria),
            "transform": [{"type": "geoshape", "projection": "projection"}],
        }
    ]
    if points:
        dataset, point_fill, point_tip, point_aria = points
        encode = _shape_encoding(point_fill, point_tip, point_aria)
        encode["update"].update(
            x={"field": "px"},
            y={"field": "py"},
            size={
                "signal": f"{point_fill} === noData ? {SMALL_STATE_SIZE // 2} : {SMALL_STATE_SIZE}"
            },
            shape={"value": "circle"},
            strokeWidth={"value": 1},
            ariaRoleDescription={"value": "point"},
        )
        encode["hover"]["strokeWidth"] = {"value": 2}
        marks.append(
            {"type": "symbol", "name": "small_states", "from": {"data": dataset}, "encode": encode}
        )
    marks.append(
        {  # how to zoom, for those who would not guess (the slider says it too)
            "type": "text",
            "name": "hint",
            "interactive": False,
            "encode": {
                "update": {
                    "x": {"value": 2},
                    "y": {"signal": "height - 3"},
                    "text": {"value": label("map_hint", lang)},
                    "fontSize": {"value": 10},
                    "fill": {"value": "#595959"},
                    "limit": {"signal": "width - 4"},
                }
            },
        }
    )
    spec = {
        "$schema": VEGA_SCHEMA,
        "description": description,
        "background": "white",
        "padding": 5,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "signals": [
            *_zoom_signals(height, lang),
            {"name": "noData", "value": domain[-1]},
            *(signals or []),
        ],
        "data": data,
        "projections": [{"name": "projection", **projection, "extent": {"signal": "extent"}}],
        "scales": [
            {"name": "color", "type": "ordinal", "domain": domain, "range": colours},
            *(scales or []),
        ],
        "legends": [
            {
                "fill": "color",
                "title": legend_title,
                "orient": "bottom",
                "direction": "horizontal",
                "columns": {"signal": "width < 560 ? 2 : 8"},
                "symbolType": "square",
                "symbolStrokeColor": "#737373",
                "symbolStrokeWidth": 0.5,
                "labelLimit": 260,
            }
        ],
        "marks": [
            {
                "type": "group",
                "name": "map",
                "encode": {
                    "enter": {"clip": {"value": True}, "cursor": {"value": "move"}},
                    "update": {"width": {"signal": "width"}, "height": {"signal": "height"}},
                },
                "marks": marks,
            }
        ],
    }
    if title:
        spec["title"] = {"text": title, "anchor": "start", "frame": "group"}
    return spec


def _world_data(rows: list[dict]) -> list[dict]:
    lookup = {"type": "lookup", "from": "rows", "key": "m49", "fields": ["id"], "as": ["row"]}
    return [
        {"name": "rows", "values": rows},
        {
            "name": "countries",
            "url": MAP_URL,
            "format": {"type": "topojson", "feature": "countries"},
            "transform": [lookup],
        },
        {
            "name": "small",
            "url": SMALL_STATES_URL,
            "format": {"type": "json"},
            "transform": [
                lookup,
                {"type": "filter", "expr": "datum.row != null"},
                {
                    "type": "geopoint",
                    "projection": "projection",
                    "fields": ["lon", "lat"],
                    "as": ["px", "py"],
                },
            ],
        },
    ]


def _m49(code: Any) -> str | None:
    if code is None or (isinstance(code, float) and math.isnan(code)) or code == "":
        return None
    text = str(code).split(".")[0]
    return text.zfill(3) if text.isdigit() else text


def _clean(value: Any) -> Any:
    """JSON-ready: no NaN, no numpy scalars; whole floats of years as int."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _year(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _world_map(
    rows: list[dict],
    *,
    key: str,
    fill: str,
    no_data: str,
    sources: Mapping[str, str],
    lang: str,
    **options,
) -> dict:
    """A world map of ``rows`` (m49, name, ``key`` for the tooltip's value, year, source):
    shapes and small-state symbols, each with its row's tooltip; a country without a row or
    without a value says ``no_data``."""
    has = "isValid(datum.row.year) && datum.row.year !== ''"
    pairs = [
        (key, "datum.row.shown"),
        (label("year", lang), "datum.row.year"),
        (label("source", lang), "(cites[datum.row.source] || datum.row.source || '')"),
    ]
    full_tip, full_aria = expr_tip("datum.row.name", pairs)
    bare_tip, bare_aria = expr_tip("datum.row.name", [(key, "datum.row.shown || noDataText")])
    tip = f"({has}) ? {full_tip} : {bare_tip}"
    aria = f"({has}) ? {full_aria} : {bare_aria}"
    none_tip, none_aria = expr_tip("datum.properties.name", [(key, "noDataText")])
    signals = [
        {"name": "cites", "value": dict(sources)},
        {"name": "noDataText", "value": no_data},
    ]
    return zoomable_map(
        lang=lang,
        data=_world_data(rows),
        shapes="countries",
        points=("small", fill, tip, aria),
        projection={"type": "equalEarth", "fit": {"signal": "{type: 'Sphere'}"}},
        fill=f"datum.row ? {fill} : noData",
        tooltip=f"datum.row ? ({tip}) : {none_tip}",
        aria=f"datum.row ? ({aria}) : {none_aria}",
        signals=signals,
        **options,
    )


def pathfinder_map_spec(
    areas: pd.DataFrame,
    title: str,
    labels: dict[str, str],
    description: str | None = None,
    *,
    lang: str = "en",
    sources: Mapping[str, str] | None = None,
) -> dict:
    """World map: Pathfinder Countries in colour, the others grey.

    ``areas`` has columns m49 (3-digit), name, pathfinder (bool), and optionally year (of
    the list), source (its id) and cite (its short citation, else from ``sources``, id ->
    short citation). Shapes join on the TopoJSON id, the ISO numeric code."""
    cites = dict(sources or {})
    rows = []
    for row in areas.to_dict("records"):
        m49 = _m49(row.get("m49"))
        if m49 is None:
            continue
        source = _clean(row.get("source")) or ""
        if source and row.get("cite") and source not in cites:
            cites[source] = str(row["cite"])
        status = labels["yes"] if row.get("pathfinder") else labels["no"]
        rows.append(
            {
                "m49": m49,
                "name": row["name"],
                "status": status,
                "year": _year(row.get("year")),
                "source": source,
                "shown": status,
            }
        )
    return _world_map(
        rows,
        title=title,
        description=description or f"{title}: {int(areas['pathfinder'].sum())} countries",
        key=label("status", lang),
        fill="datum.row.status",
        no_data=labels["no"],
        sources=cites,
        lang=lang,
        domain=[labels["yes"], labels["no"]],
        colours=[PROJECTED, NO_DATA],
        legend_title=labels.get("legend", ""),
        height=320,
    )


def _value_text(value: float, unit: str, lang: str, digits: int) -> str:
    if unit == "%":
        prefix, suffix = percent_affixes(lang if lang in ("en", "fr", "es") else "en")
        return f"{prefix}{format_number(value, lang, digits)}{suffix}"
    number = format_number(value, lang, digits)
    return f"{number} {unit}".strip()


def choropleth_spec(
    values: pd.DataFrame,
    title: str,
    unit: str,
    no_data: str,
    description: str | None = None,
    *,
    lang: str = "en",
    sources: Mapping[str, str] | None = None,
    classes: int = 5,
) -> dict:
    """Map of one figure by country in classes; countries without a value are grey and say
    so (never 0).

    ``values`` has columns m49, name, value (NaN where there is no data), year, source (an
    id, cited by its short citation from ``sources``, id -> citation, where given). ``unit``
    is "%" for a value in percent (the classes read "10–20 %"), otherwise the unit's words
    (the legend's title). ``no_data`` is the page's word for a missing value in a tooltip;
    the legend's entry is "No data" in ``lang``."""
    no_data_entry = label("map_no_data", lang)
    breaks = class_breaks(values["value"], classes)
    names = class_labels(breaks, lang, unit)
    digits = max(1, _digits(breaks))
    rows = []
    for row in values.to_dict("records"):
        m49 = _m49(row.get("m49"))
        if m49 is None:
            continue
        value = _clean(row.get("value"))
        has = classify(value, breaks) is not None
        rows.append(
            {
                "m49": m49,
                "name": row["name"],
                "value": float(value) if has else None,
                "year": _year(row.get("year")) if has else "",
                "source": (_clean(row.get("source")) or "") if has else "",
                "shown": _value_text(float(value), unit, lang, digits) if has else no_data,
            }
        )
    legend_title = (
        label("map_legend_percent", lang) if unit == "%" else unit or label("value", lang)
    )
    with_values = int(values["value"].notna().sum())
    threshold = {
        "name": "classes",
        "type": "threshold",
        "domain": breaks[1:-1],
        "range": names,
    }
    return _world_map(
        rows,
        title=title,
        description=description or f"{title}: {with_values} countries with a value",
        key=label("value", lang),
        fill="(isValid(datum.row.value) ? scale('classes', datum.row.value) : noData)",
        no_data=no_data,
        sources=dict(sources or {}),
        lang=lang,
        domain=[*names, no_data_entry],
        colours=[*class_colours(len(names)), NO_DATA],
        legend_title=legend_title,
        scales=[threshold] if names else [],
        height=340,
    )


def map_rows(spec: dict) -> list[dict]:
    """The rows a map spec holds (one per country, or the territories' features)."""
    for entry in spec.get("data", []):
        if entry.get("name") in ("rows", "territories"):
            return entry.get("values", [])
    return []
