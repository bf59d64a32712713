"""Maps: the Alliance 8.7 Pathfinder Countries, and one figure by country (no data is grey and
says so, never zero). The country shapes are the world-atlas TopoJSON the site serves."""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from target87.presentation.charts.common import MAP_URL, NO_DATA, PROJECTED, with_data


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
    return with_data(
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
