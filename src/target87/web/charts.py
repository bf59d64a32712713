"""Vega-Lite specs (Altair) for the pages; the browser draws them with the vendored Vega."""

from __future__ import annotations

import copy
import json
from datetime import date
from functools import lru_cache

import altair as alt
import pandas as pd

from target87.progress import ProgressError, project
from target87.progress.chart import OBSERVED, PROJECTED, TARGET, progress_chart

SEX_COLOURS = {"_T": OBSERVED, "F": PROJECTED, "M": TARGET}  # Okabe-Ito


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
    return chart.properties(width="container").to_dict()


def series_by_sex_spec(
    frame: pd.DataFrame, title: str, unit: str, labels: dict, description: str | None = None
) -> dict:
    """Dated values of one series by sex; survey and modelled values drawn differently.

    ``labels`` maps sex codes and the keys "survey" and "modelled" to the page's language.
    Published bounds (lower_bound, upper_bound) are drawn as error bars where present.
    """
    data = frame.assign(
        year=frame["year_to"].astype(int),
        sex_label=frame["sex"].map(labels).fillna(frame["sex"]),
        kind=frame["nature"]
        .map({"M": labels.get("modelled", "modelled")})
        .fillna(labels.get("survey", "survey or country data")),
    )[["year", "value", "sex", "sex_label", "kind", "source", "lower_bound", "upper_bound"]]
    sexes = list(SEX_COLOURS)
    colour = alt.Color(
        "sex_label:N",
        title="",
        scale=alt.Scale(
            domain=[labels.get(s, s) for s in sexes], range=[SEX_COLOURS[s] for s in sexes]
        ),
    )
    x = alt.X("year:Q", title="", axis=alt.Axis(format="d", tickMinStep=1))
    lines = (
        alt.Chart(data, name="series")
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=70))
        .encode(
            x=x,
            y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=True)),
            color=colour,
            strokeDash=alt.StrokeDash("kind:N", title=""),
            tooltip=["year:Q", "value:Q", "sex_label:N", "source:N"],
        )
    )
    chart = lines
    bounded = data.dropna(subset=["lower_bound", "upper_bound"])
    if not bounded.empty:
        bars = (
            alt.Chart(bounded, name="bounds")
            .mark_rule(strokeWidth=1.5)
            .encode(
                x=x,
                y=alt.Y("lower_bound:Q", title=unit),
                y2="upper_bound:Q",
                color=colour,
                tooltip=["year:Q", "lower_bound:Q", "upper_bound:Q", "source:N"],
            )
        )
        chart = alt.layer(lines, bars)
    text = description or f"{title}: {len(data)} values by sex"
    return chart.properties(title=title, width="container", height=220, description=text).to_dict()


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
    return chart.to_dict()


def choropleth_spec(
    values: pd.DataFrame, title: str, unit: str, no_data: str, description: str | None = None
) -> dict:
    """Map of one figure by country; countries without a value are grey and say so (never 0).

    ``values`` has columns m49, name, value (NaN where there is no data), year, source.
    """
    data = values.assign(shown=values["value"].map(lambda v: no_data if v != v else f"{v:g}"))[
        ["m49", "name", "value", "shown", "year", "source"]
    ]
    countries = alt.Data(url=MAP_URL, format=alt.DataFormat(type="topojson", feature="countries"))
    lookup = alt.LookupData(data, "m49", ["name", "value", "shown", "year", "source"])
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
    chart = (
        alt.layer(base, valued)
        .project("equalEarth")
        .properties(
            title=title,
            width="container",
            height=340,
            description=description
            or f"{title}: {int(values['value'].notna().sum())} countries with a value",
        )
    )
    return chart.to_dict()


def ranking_spec(
    values: pd.DataFrame, title: str, unit: str, top: int = 30, description: str | None = None
) -> dict:
    """The highest values as horizontal bars (countries with data only)."""
    data = values.dropna(subset=["value"]).nlargest(top, "value")[["name", "value", "year"]]
    chart = (
        alt.Chart(data, name="ranking")
        .mark_bar(color=OBSERVED)
        .encode(
            y=alt.Y("name:N", sort="-x", title=""),
            x=alt.X("value:Q", title=unit),
            tooltip=["name:N", "value:Q", "year:N"],
        )
        .properties(
            title=title, width="container", description=description or f"{title}: {len(data)} bars"
        )
    )
    return chart.to_dict()


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
            x=alt.X("year:Q", title="", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("instrument:N", title="", sort=None),
            tooltip=["name:N", "year:Q", "status:N", "source:N"],
        )
        .properties(title=title, width="container", height=max(60, 28 * len(data)))
        .properties(description=description)
    )
    return chart.to_dict()


def region_comparison_spec(rows: pd.DataFrame, title: str, unit: str, description: str) -> dict:
    """The country's latest child labour rate beside its regions' and the world's estimates.

    ``rows`` has columns area, value, year, kind ("survey or country data" or "modelled"),
    source; the kinds get different colours because the two are not measured the same way.
    """
    data = rows[["area", "value", "year", "kind", "source"]]
    chart = (
        alt.Chart(data, name="regions")
        .mark_bar()
        .encode(
            y=alt.Y("area:N", title="", sort=None),
            x=alt.X("value:Q", title=unit, scale=alt.Scale(zero=True)),
            color=alt.Color("kind:N", title="", scale=alt.Scale(range=[OBSERVED, PROJECTED])),
            tooltip=["area:N", "value:Q", "year:N", "source:N"],
        )
        .properties(title=title, width="container", description=description)
    )
    return chart.to_dict()


def bars_spec(
    rows: pd.DataFrame, title: str, unit: str, description: str, series: str | None = None
) -> dict:
    """Horizontal bars, one per row (``label``, ``value``); grouped by ``series`` when given."""
    columns = ["label", "value", "source"] + ([series] if series else [])
    colour = (
        alt.Color(f"{series}:N", title="", scale=alt.Scale(range=[OBSERVED, PROJECTED]))
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
        encoding["yOffset"] = alt.YOffset(f"{series}:N")
    chart = (
        alt.Chart(rows[columns], name="bars")
        .mark_bar()
        .encode(**encoding)
        .properties(title=title, width="container", description=description)
    )
    return chart.to_dict()


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
    tooltip = ["action:N", "commitment:N", "owner:N", "start:T", "due:T", "status:N"]
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
        .encode(x="today:T", tooltip=["label:N", "today:T"])
    )
    chart = alt.layer(bars, markers, rule).properties(
        title=title, width="container", height=max(80, 26 * len(data)), description=description
    )
    return chart.to_dict()
