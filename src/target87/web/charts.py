"""Vega-Lite specs (Altair) for the pages; the browser draws them with the vendored Vega."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import altair as alt
import pandas as pd

from target87.progress import ProgressError, project
from target87.progress.chart import OBSERVED, PROJECTED, TARGET, progress_chart

# Altair checks every object against the Vega-Lite schema as it is built, which costs about a
# tenth of a second a chart on every cold page. The tests check the specs the pages carry
# against the schema instead (tests/web/test_charts.py), and the browser tests draw them.
alt.utils.schemapi.disable_debug_mode()

SEX_COLOURS = {"_T": OBSERVED, "F": PROJECTED, "M": TARGET}  # Okabe-Ito
# Categorical colours, Okabe-Ito, in a fixed order: a category gets the colour of its place in
# the order the caller gives. Never let Vega pick them from the data: it sorts a domain read
# from the data alphabetically, in the page's language, so colours swapped between languages.
PALETTE = [OBSERVED, PROJECTED, TARGET, "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# Points of one year side by side by sex: girls left, total on the year, boys right, DODGE
# pixels apart, more than a point's width (size 60: 8.7 px), so that close values stay three
# points, never one; less where years are so close that the points would meet their
# neighbours' (a third of a year's width at most).
SEX_DODGE = {"F": -1, "_T": 0, "M": 1}
DODGE = 10
POINT_SIZE = 60
# Survey values drawn solid, modelled ones dashed, whatever the words in the page's language.
KIND_DASHES = [[1, 0], [6, 4]]


def categories(values: Iterable, first: Iterable = ()) -> list:
    """The distinct ``values`` in order of first appearance, after those of ``first``: a scale
    domain in the caller's order, the same in every language."""
    seen = [*first, *values]
    return list(dict.fromkeys(v for v in seen if v is not None and v == v))


def year_domain(years: Iterable) -> tuple[int, int]:
    """The data's years and a little more: 5% of the span on each side, one year at least."""
    years = [int(y) for y in years]
    low, high = min(years), max(years)
    pad = max(1, math.ceil(0.05 * (high - low)))
    return low - pad, high + pad


def year_x(years: Iterable, title: str = "") -> alt.X:
    """A year axis over ``year_domain(years)``: never from 0 (a point mark's quantitative
    default: 0 to 2200) nor stretched to round numbers; ticks on whole years only, written 2000
    (d3's "d": no grouping in any locale), never 2,000, 2k or 2013.5 shown as "2014"."""
    low, high = year_domain(years)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if (high - low) / s <= 10)
    ticks = list(range(-(-low // step) * step, high + 1, step))
    return alt.X(
        "year:Q",
        title=title,
        scale=alt.Scale(domain=[low, high], zero=False, nice=False),
        axis=alt.Axis(format="d", values=ticks),
    )


def pinned_scale(order: Iterable, present: Iterable, values: list) -> alt.Scale:
    """A scale giving each category of ``order`` (then any other of ``present``) the value of
    its place in ``values``, whatever the language of the labels; only the categories present
    are in the domain (and the legend), each still with its own value."""
    present = categories(present)
    full = categories(present, order)
    if len(full) > len(values):
        raise ValueError(f"{len(full)} categories, {len(values)} values")
    kept = [i for i, category in enumerate(full) if category in present]
    return alt.Scale(domain=[full[i] for i in kept], range=[values[i] for i in kept])


def world_child_labour_spec(
    values: pd.Series,
    title: str,
    unit: str,
    target_label: str = "target {value} by {year}",
    year_title: str = "Year",
    description: str | None = None,
) -> dict:
    """World child labour with its projection band and the 2025 target (progress issue)."""
    projection = None
    try:
        last = int(values.index.max())
        proj = project(values, range(last, 2031), kind="count")
        projection = proj.to_frame().rename(columns={"central": "value"})
    except ProgressError:
        pass
    chart = progress_chart(
        values,
        title=title,
        unit_label=unit,
        projection=projection,
        target=0,
        target_year=2025,
        target_label=target_label,
        year_title=year_title,
        description=description,
    )
    return chart.properties(width="container").to_dict(validate=False)


def series_by_sex_spec(
    frame: pd.DataFrame, title: str, unit: str, labels: dict, description: str | None = None
) -> dict:
    """Dated values of one series by sex; survey and modelled values drawn differently.

    ``labels`` maps sex codes and the keys "survey" and "modelled" to the page's language.
    Published bounds (lower_bound, upper_bound) are drawn as error bars where present. The
    values of one year stand side by side by sex (SEX_DODGE), so close ones stay apart; colours
    and dashes are pinned to the sex and the kind, never to the alphabetical order of their
    translations.
    """
    data = frame.assign(
        year=frame["year_to"].astype(int),
        sex_label=frame["sex"].map(labels).fillna(frame["sex"]),
        kind=frame["nature"]
        .map({"M": labels.get("modelled", "modelled")})
        .fillna(labels.get("survey", "survey or country data")),
        dodge=frame["sex"].map(SEX_DODGE).fillna(0),
    )[
        [
            "year",
            "value",
            "sex",
            "sex_label",
            "kind",
            "source",
            "lower_bound",
            "upper_bound",
            "dodge",
        ]
    ]
    sexes = list(SEX_COLOURS)
    colour = alt.Color(
        "sex_label:N",
        title="",
        scale=alt.Scale(
            domain=categories(data["sex_label"], [labels.get(s, s) for s in sexes]),
            range=[SEX_COLOURS[s] for s in sexes] + PALETTE[len(sexes) :],
        ),
    )
    kinds = [labels.get("survey", "survey or country data"), labels.get("modelled", "modelled")]
    x = year_x(data["year"])
    year_tip = alt.Tooltip("year:Q", format="d")
    # Each sex a few pixels aside (SEX_DODGE): lines, points and bounds alike.
    low, high = year_domain(data["year"])
    dodge = alt.ExprRef(f"datum.dodge * min({DODGE}, width / {3 * (high - low)})")
    lines = (
        alt.Chart(data, name="lines")
        .mark_line(xOffset=dodge)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=True)),
            color=colour,
            strokeDash=alt.StrokeDash(
                "kind:N", title="", scale=pinned_scale(kinds, data["kind"], KIND_DASHES)
            ),
        )
    )
    points = (
        alt.Chart(data, name="series")
        .mark_point(filled=True, size=POINT_SIZE, opacity=1, xOffset=dodge)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=unit),
            color=colour,
            tooltip=[year_tip, "value:Q", "sex_label:N", "kind:N", "source:N"],
        )
    )
    layers = [lines, points]
    bounded = data.dropna(subset=["lower_bound", "upper_bound"])
    if not bounded.empty:
        bars = (
            alt.Chart(bounded, name="bounds")
            .mark_rule(strokeWidth=1.5, xOffset=dodge)
            .encode(
                x=x,
                y=alt.Y("lower_bound:Q", title=unit),
                y2="upper_bound:Q",
                color=colour,
                tooltip=[year_tip, "lower_bound:Q", "upper_bound:Q", "sex_label:N", "source:N"],
            )
        )
        layers.append(bars)
    chart = alt.layer(*layers)
    text = description or f"{title}: {len(data)} values by sex"
    return chart.properties(title=title, width="container", height=220, description=text).to_dict(
        validate=False
    )


MAP_URL = "/static/maps/countries-110m.json"  # served by us: world-atlas 2.0.2, ISC
NO_DATA = "#d9d9d9"


def pathfinder_map_spec(
    areas: pd.DataFrame, title: str, labels: dict[str, str], description: str | None = None
) -> dict:
    """World map: Pathfinder Countries in colour, the others grey.

    ``areas`` has columns m49 (3-digit), name, pathfinder (bool). Shapes join on the
    TopoJSON id, the ISO numeric code.
    """
    data = areas.assign(status=areas["pathfinder"].map({True: labels["yes"], False: labels["no"]}))[
        ["m49", "name", "status"]
    ]
    countries = alt.Data(url=MAP_URL, format=alt.DataFormat(type="topojson", feature="countries"))
    chart = (
        alt.Chart(countries, name="countries")
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.5)
        .transform_lookup(lookup="id", from_=alt.LookupData(data, "m49", ["name", "status"]))
        .encode(
            color=alt.Color(
                "status:N",
                title=labels["legend"],
                scale=alt.Scale(domain=[labels["yes"], labels["no"]], range=[PROJECTED, NO_DATA]),
            ),
            tooltip=[alt.Tooltip("name:N", title=""), alt.Tooltip("status:N", title="")],
        )
        .project("equalEarth")
        .properties(
            title=title,
            width="container",
            height=320,
            description=description or f"{title}: {int(areas['pathfinder'].sum())} countries",
        )
    )
    return chart.to_dict(validate=False)


def choropleth_spec(
    values: pd.DataFrame, title: str, unit: str, no_data: str, description: str | None = None
) -> dict:
    """Map of one figure by country; countries without a value are grey and say so (never 0).

    ``values`` has columns m49, name, value (NaN where there is no data), year, source.
    """
    data = values.assign(shown=values["value"].map(lambda v: no_data if v != v else f"{v:g}"))[
        ["m49", "name", "value", "shown", "year", "source"]
    ]
    return _with_data(
        _choropleth_skeleton(unit),
        data,
        title=title,
        description=description
        or f"{title}: {int(values['value'].notna().sum())} countries with a value",
    )


@lru_cache(maxsize=32)
def _choropleth_skeleton(unit: str) -> dict:
    columns = pd.DataFrame(columns=["m49", "name", "value", "shown", "year", "source"])
    countries = alt.Data(url=MAP_URL, format=alt.DataFormat(type="topojson", feature="countries"))
    lookup = alt.LookupData(columns, "m49", ["name", "value", "shown", "year", "source"])
    tooltip = [
        alt.Tooltip("name:N", title=""),
        alt.Tooltip("shown:N", title=unit),
        alt.Tooltip("year:N", title=""),
        alt.Tooltip("source:N", title=""),
    ]
    # Every country first, grey: Vega-Lite drops rows without a value from a colour scale, and
    # a country without data must show as "no data", never vanish or read as zero.
    base = (
        alt.Chart(countries, name="countries")
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.5, fill=NO_DATA)
        .transform_lookup(lookup="id", from_=lookup)
        .encode(tooltip=tooltip)
    )
    valued = (
        alt.Chart(countries, name="values")
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.5)
        .transform_lookup(lookup="id", from_=lookup)
        .transform_filter("isValid(datum.value)")
        .encode(
            color=alt.Color("value:Q", title=unit, scale=alt.Scale(scheme="viridis", reverse=True)),
            tooltip=tooltip,
        )
    )
    chart = alt.layer(base, valued).project("equalEarth").properties(width="container", height=340)
    return chart.to_dict(validate=False)


def ranking_spec(
    values: pd.DataFrame, title: str, unit: str, top: int = 30, description: str | None = None
) -> dict:
    """The highest values as horizontal bars (countries with data only)."""
    data = values.dropna(subset=["value"]).nlargest(top, "value")[["name", "value", "year"]]
    return _with_data(
        _ranking_skeleton(unit),
        data,
        title=title,
        description=description or f"{title}: {len(data)} bars",
    )


@lru_cache(maxsize=32)
def _ranking_skeleton(unit: str) -> dict:
    chart = (
        alt.Chart(pd.DataFrame(columns=["name", "value", "year"]), name="ranking")
        .mark_bar(color=OBSERVED)
        .encode(
            y=alt.Y("name:N", sort="-x", title=""),
            x=alt.X("value:Q", title=unit),
            tooltip=["name:N", "value:Q", "year:N"],
        )
        .properties(width="container")
    )
    return chart.to_dict(validate=False)


def _with_data(skeleton: dict, data: pd.DataFrame, **properties) -> dict:
    """A copy of a chart built once by Altair (``skeleton``, on an empty table of the same
    columns) holding ``data`` as its one dataset, with ``properties`` (title, description).
    Altair's conversion of a table costs ~50 ms a chart; the explorer draws two a page."""
    spec = copy.deepcopy(skeleton)
    (name,) = spec["datasets"]
    spec["datasets"] = {name: data.astype(object).where(data.notna(), None).to_dict("records")}
    spec.update(properties)
    return spec


def ratification_timeline_spec(rows: pd.DataFrame, title: str, description: str) -> dict:
    """Ratifications as points on a time line, one row per instrument.

    ``rows`` has columns instrument, name, year, status (translated), source; only dated
    ratifications can be placed on a time line (the page lists the undated ones).
    """
    data = rows[["instrument", "name", "year", "status", "source"]]
    chart = (
        alt.Chart(data, name="ratifications")
        .mark_point(filled=True, size=90, color=OBSERVED)
        .encode(
            # A point mark's quantitative axis starts at 0 by default: 0 to 2200, the points
            # squeezed at the right end. The years of the data, padded, instead.
            x=year_x(data["year"]),
            y=alt.Y("instrument:N", title="", sort=None),
            tooltip=["name:N", alt.Tooltip("year:Q", format="d"), "status:N", "source:N"],
        )
        .properties(title=title, width="container", height=max(60, 28 * len(data)))
        .properties(description=description)
    )
    return chart.to_dict(validate=False)


def region_comparison_spec(
    rows: pd.DataFrame,
    title: str,
    unit: str,
    description: str,
    kinds: list[str] | None = None,
) -> dict:
    """The country's latest child labour rate beside its regions' and the world's estimates.

    ``rows`` has columns area, value, year, kind ("survey or country data" or "modelled"),
    source; the kinds get different colours because the two are not measured the same way.
    ``kinds``: the translated kinds in a fixed order (survey, modelled), so that each keeps its
    colour on every page; without it, the order of the rows (the country's survey value first).
    """
    data = rows[["area", "value", "year", "kind", "source"]]
    chart = (
        alt.Chart(data, name="regions")
        .mark_bar()
        .encode(
            y=alt.Y("area:N", title="", sort=None),
            x=alt.X("value:Q", title=unit, scale=alt.Scale(zero=True)),
            color=alt.Color(
                "kind:N", title="", scale=pinned_scale(kinds or (), data["kind"], PALETTE)
            ),
            tooltip=["area:N", "value:Q", "year:N", "source:N"],
        )
        .properties(title=title, width="container", description=description)
    )
    return chart.to_dict(validate=False)


def bars_spec(
    rows: pd.DataFrame, title: str, unit: str, description: str, series: str | None = None
) -> dict:
    """Horizontal bars, one per row (``label``, ``value``); grouped by ``series`` when given.

    The series take their colours and their places in a group in the order of the rows, the
    same in every language (forced labour first and blue, in English, French or Spanish)."""
    columns = ["label", "value", "source"] + ([series] if series else [])
    domain = categories(rows[series]) if series else []
    colour = (
        alt.Color(f"{series}:N", title="", scale=pinned_scale(domain, domain, PALETTE))
        if series
        else alt.value(OBSERVED)
    )
    encoding = {
        "y": alt.Y("label:N", title="", sort=None),
        "x": alt.X("value:Q", title=unit, scale=alt.Scale(zero=True)),
        "color": colour,
        "tooltip": ["label:N", "value:Q", "source:N"] + ([f"{series}:N"] if series else []),
    }
    if series:
        encoding["yOffset"] = alt.YOffset(f"{series}:N", scale=alt.Scale(domain=domain))
    chart = (
        alt.Chart(rows[columns], name="bars")
        .mark_bar()
        .encode(**encoding)
        .properties(title=title, width="container", description=description)
    )
    return chart.to_dict(validate=False)


# Okabe-Ito colours by action status (in ACTION_STATUSES order: planned, under way, done,
# delayed, dropped); overdue actions get a vermillion diamond at their due date.
STATUS_COLOURS = ["#56B4E9", OBSERVED, TARGET, PROJECTED, "#999999"]
OVERDUE = "#D55E00"


def roadmap_gantt_spec(
    rows: pd.DataFrame, title: str, description: str, labels: dict, today: date
) -> dict:
    """A roadmap's actions as bars from start to due date, coloured by status, with a marker
    on each overdue action's due date and a dashed rule at ``today``.

    ``rows`` has columns action, commitment, owner, start, due (ISO dates), status (the
    translated label) and overdue (bool); ``labels`` holds "overdue", "today", "status" and
    "statuses" (the translated labels of every status, in order, for a stable legend).
    """
    # The same roadmap is drawn again and again between its edits: the spec is kept by its
    # inputs (building it through Altair costs more than serving the page).
    records = rows[["action", "commitment", "owner", "start", "due", "status", "overdue"]]
    payload = json.dumps(
        [records.to_dict("records"), title, description, labels, today.isoformat()],
        sort_keys=True,
        default=str,
    )
    return copy.deepcopy(_gantt(payload))


@lru_cache(maxsize=64)
def _gantt(payload: str) -> dict:
    records, title, description, labels, today = json.loads(payload)
    data = pd.DataFrame(
        records, columns=["action", "commitment", "owner", "start", "due", "status", "overdue"]
    )
    y = alt.Y("action:N", title="", sort=None, axis=alt.Axis(labelLimit=260))
    # The dates as given (ISO): a temporal tooltip is written "Jan 15, 2023", in English on
    # every page, and in local time, a day early west of UTC.
    tooltip = ["action:N", "commitment:N", "owner:N", "start:N", "due:N", "status:N"]
    bars = (
        alt.Chart(data, name="actions")
        .mark_bar(height={"band": 0.6})
        .encode(
            # Years only: Vega writes month names in English whatever the page's language.
            x=alt.X("start:T", title="", axis=alt.Axis(format="%Y", tickCount="year")),
            x2="due:T",
            y=y,
            color=alt.Color(
                "status:N",
                title=labels["status"],
                scale=alt.Scale(domain=labels["statuses"], range=STATUS_COLOURS),
            ),
            tooltip=tooltip,
        )
    )
    late = data[data["overdue"]].assign(flag=labels["overdue"])
    markers = (
        alt.Chart(late, name="overdue")
        .mark_point(shape="diamond", filled=True, size=140, color=OVERDUE, opacity=1)
        .encode(
            x="due:T",
            y=y,
            shape=alt.Shape("flag:N", title="", scale=alt.Scale(range=["diamond"])),
            tooltip=tooltip,
        )
    )
    now = pd.DataFrame({"today": [today], "label": [labels["today"]]})
    rule = (
        alt.Chart(now, name="today")
        .mark_rule(strokeDash=[4, 4], color="#444444")
        .encode(x="today:T", tooltip=["label:N", "today:N"])
    )
    chart = alt.layer(bars, markers, rule).properties(
        title=title, width="container", height=max(80, 26 * len(data)), description=description
    )
    return chart.to_dict(validate=False)
