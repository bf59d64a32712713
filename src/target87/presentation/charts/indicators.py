"""Charts of indicator values: the world series with its projection, a country's series by
sex, rankings, treaty time lines, a country beside its regions, and grouped bars."""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from target87.presentation.charts.common import (
    DODGE,
    KIND_DASHES,
    OBSERVED,
    PALETTE,
    POINT_SIZE,
    SEX_COLOURS,
    SEX_DODGE,
    categories,
    pinned_scale,
    with_data,
    year_domain,
)
from target87.presentation.charts.plain import (
    SCHEMA,
    VIEW_CONFIG,
    dataset_name,
    field,
    missing,
    pinned,
    plain,
    records,
    year_axis,
)
from target87.presentation.charts.progress import progress_chart


def world_child_labour_spec(
    values: pd.Series,
    title: str,
    unit: str,
    projection: pd.DataFrame | None = None,
    target_label: str = "target {value} by {year}",
    year_title: str = "Year",
    description: str | None = None,
    point_sources: dict | None = None,
) -> dict:
    """World child labour with its projection band (``projection``: year, value, lower,
    upper, as the progress room computes it) and the 2025 target; ``point_sources``: year ->
    source of each observed value."""
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
        point_sources=point_sources,
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
    translations. Written as a dict (``plain``), as Altair writes it: this chart is on every
    country profile.
    """
    survey = labels.get("survey", "survey or country data")
    modelled = labels.get("modelled", "modelled")
    sexes = frame["sex"].tolist()
    lowers, uppers = frame["lower_bound"].tolist(), frame["upper_bound"].tolist()
    # pandas' map(SEX_DODGE).fillna(0): whole numbers, unless a sex has no place (then floats)
    dodge_type = int if all(s in SEX_DODGE for s in sexes) else float
    values = [
        {
            "year": int(year),
            "value": plain(value),
            "sex": sex,
            "sex_label": labels.get(sex, sex),
            "kind": modelled if nature == "M" else survey,
            "source": plain(source),
            "lower_bound": plain(lower),
            "upper_bound": plain(upper),
            "dodge": dodge_type(SEX_DODGE.get(sex, 0)),
        }
        for year, value, sex, nature, source, lower, upper in zip(
            frame["year_to"].tolist(),
            frame["value"].tolist(),
            sexes,
            frame["nature"].tolist(),
            frame["source"].tolist(),
            lowers,
            uppers,
            strict=True,
        )
    ]
    years = [v["year"] for v in values]
    order = list(SEX_COLOURS)
    colour = field(
        "sex_label:N",
        scale={
            "domain": categories(
                (v["sex_label"] for v in values), [labels.get(s, s) for s in order]
            ),
            "range": [SEX_COLOURS[s] for s in order] + PALETTE[len(order) :],
        },
        title="",
    )
    x = year_axis(years)
    year_tip = field("year:Q", format="d")
    # Each sex a few pixels aside (SEX_DODGE): lines, points and bounds alike.
    low, high = year_domain(years)
    dodge = {"expr": f"datum.dodge * min({DODGE}, width / {3 * (high - low)})"}
    name = dataset_name(values)
    lines = {
        "data": {"name": name},
        "mark": {"type": "line", "xOffset": dodge},
        "encoding": {
            "color": colour,
            "strokeDash": field(
                "kind:N",
                scale=pinned([survey, modelled], (v["kind"] for v in values), KIND_DASHES),
                title="",
            ),
            "x": x,
            "y": field("value:Q", scale={"zero": True}, title=unit),
        },
        "name": "lines",
    }
    points = {
        "data": {"name": name},
        "mark": {
            "type": "point",
            "filled": True,
            "opacity": 1,
            "size": POINT_SIZE,
            "xOffset": dodge,
        },
        "encoding": {
            "color": colour,
            "tooltip": [
                year_tip,
                field("value:Q"),
                field("sex_label:N"),
                field("kind:N"),
                field("source:N"),
            ],
            "x": x,
            "y": field("value:Q", title=unit),
        },
        "name": "series",
    }
    layers = [lines, points]
    datasets = {name: values}
    # pandas' dropna: an infinite bound is kept (written null), a missing one is not
    bounded = [
        v
        for v, lower, upper in zip(values, lowers, uppers, strict=True)
        if not (missing(lower) or missing(upper))
    ]
    if bounded:
        bounds_name = dataset_name(bounded)
        datasets.setdefault(bounds_name, bounded)
        bounds_tips = ["lower_bound:Q", "upper_bound:Q", "sex_label:N", "source:N"]
        layers.append(
            {
                "data": {"name": bounds_name},
                "mark": {"type": "rule", "strokeWidth": 1.5, "xOffset": dodge},
                "encoding": {
                    "color": colour,
                    "tooltip": [year_tip, *(field(tip) for tip in bounds_tips)],
                    "x": x,
                    "y": field("lower_bound:Q", title=unit),
                    "y2": {"field": "upper_bound"},
                },
                "name": "bounds",
            }
        )
    spec: dict = {"config": VIEW_CONFIG, "layer": layers}
    if not bounded:  # Altair moves the data to the top when every layer has the same table
        for layer in layers:
            del layer["data"]
        spec["data"] = {"name": name}
    text = description or f"{title}: {len(values)} values by sex"
    spec.update(description=text, height=220, title=title, width="container")
    return {**spec, "$schema": SCHEMA, "datasets": datasets}


def ranking_spec(
    values: pd.DataFrame, title: str, unit: str, top: int = 30, description: str | None = None
) -> dict:
    """The highest values as horizontal bars (countries with data only); the area's code and
    the value's source travel with each bar (the chart's CSV cites each row)."""
    columns = [c for c in ("code", "name", "value", "year", "source") if c in values]
    data = values.dropna(subset=["value"]).nlargest(top, "value")[columns]
    return with_data(
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


def ratification_timeline_spec(rows: pd.DataFrame, title: str, description: str) -> dict:
    """Ratifications as points on a time line, one row per instrument.

    ``rows`` has columns instrument, name, year, status (translated), source; only dated
    ratifications can be placed on a time line (the page lists the undated ones). Written as
    a dict (``plain``), as Altair writes it: this chart is on every country profile.
    """
    values = records(rows[["instrument", "name", "year", "status", "source"]])
    name = dataset_name(values)
    tooltip = [
        field("name:N"),
        field("year:Q", format="d"),
        field("status:N"),
        field("source:N"),
    ]
    return {
        "config": VIEW_CONFIG,
        "data": {"name": name},
        "mark": {"type": "point", "color": OBSERVED, "filled": True, "size": 90},
        "description": description,
        "encoding": {
            "tooltip": tooltip,
            # A point mark's quantitative axis starts at 0 by default: 0 to 2200, the points
            # squeezed at the right end. The years of the data, padded, instead.
            "x": year_axis(v["year"] for v in values),
            "y": field("instrument:N", sort=None, title=""),
        },
        "height": max(60, 28 * len(values)),
        "name": "ratifications",
        "title": title,
        "width": "container",
        "$schema": SCHEMA,
        "datasets": {name: values},
    }


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
    Written as a dict (``plain``), as Altair writes it: this chart is on every country profile.
    """
    values = records(rows[["area", "value", "year", "kind", "source"]])
    name = dataset_name(values)
    colour_scale = pinned(kinds or (), (v["kind"] for v in values), PALETTE)
    return {
        "config": VIEW_CONFIG,
        "data": {"name": name},
        "mark": {"type": "bar"},
        "description": description,
        "encoding": {
            "color": field("kind:N", scale=colour_scale, title=""),
            "tooltip": [field("area:N"), field("value:Q"), field("year:N"), field("source:N")],
            "x": field("value:Q", scale={"zero": True}, title=unit),
            "y": field("area:N", sort=None, title=""),
        },
        "name": "regions",
        "title": title,
        "width": "container",
        "$schema": SCHEMA,
        "datasets": {name: values},
    }


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
