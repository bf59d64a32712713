"""Charts of the run report: Altair specs rendered to inline SVG offline by vl-convert.

Data always travel inside the spec (``alt.Data(values=...)``), never as a URL: vl-convert
would try to fetch a URL, and the report must stand alone. The SVG's namespace declarations
are dropped (inline SVG in HTML5 needs none) so the report holds no ``http`` address at all.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import pandas as pd

NO_CLASS = "suppressed or no data"
GREY = "#bdbdbd"
# ColorBrewer OrRd, light to dark: classes are picked evenly from it.
ORANGE_RED = ["#fee8c8", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def class_colours(k: int) -> list[str]:
    if k == 1:
        return [ORANGE_RED[-1]]
    step = (len(ORANGE_RED) - 1) / (k - 1)
    return [ORANGE_RED[round(i * step)] for i in range(k)]


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render offline; namespace attributes removed (see the module docstring)."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(chart.to_dict())
    return _NAMESPACES.sub("", svg, count=2)


def class_map(geojson: dict[str, Any], labels: list[str], title: str) -> alt.Chart:
    """Choropleth of the risk classes; inline features, planar (identity) projection.

    The identity projection draws coordinates as they are: it fits any projected or
    geographic boundaries and, unlike a spherical projection, does not care about ring
    orientation (RFC 7946 files are counter-clockwise, d3's spherical convention the reverse).
    """
    features = [
        {
            "type": "Feature",
            "geometry": f["geometry"],
            "properties": {"class": f["properties"].get("class") or NO_CLASS},
        }
        for f in geojson["features"]
    ]
    scale = alt.Scale(domain=[*labels, NO_CLASS], range=[*class_colours(len(labels)), GREY])
    return (
        alt.Chart(alt.Data(values=features), title=title)
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .encode(color=alt.Color("properties.class:N", scale=scale, title="risk class"))
        .project(type="identity", reflectY=True)
        .properties(width=520, height=420)
    )


def ranking(rows: pd.DataFrame, title: str, n: int = 40) -> alt.LayerChart:
    """The ``n`` highest published risks with their 90% intervals."""
    top = rows.dropna(subset=["risk"]).nlargest(n, "risk")[["name", "risk", "lo90", "hi90"]]
    base = alt.Chart(alt.Data(values=top.to_dict(orient="records")), title=title).encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("risk", order="descending"), title=None)
    )
    bars = base.mark_rule(color="#636363").encode(
        x=alt.X("lo90:Q", title="risk (90% interval)", axis=alt.Axis(format="%")), x2="hi90:Q"
    )
    points = base.mark_point(filled=True, color="#d7301f").encode(x="risk:Q")
    return alt.layer(bars, points).properties(width=480, height=max(120, 14 * len(top)))


def factor_bars(factors: pd.DataFrame, title: str) -> alt.Chart:
    """National counterfactual contribution of each factor, in percentage points."""
    data = factors.assign(pp=100 * factors["contribution"])[["factor", "pp", "direction"]]
    return (
        alt.Chart(alt.Data(values=data.to_dict(orient="records")), title=title)
        .mark_bar()
        .encode(
            x=alt.X("pp:Q", title="contribution to national risk (percentage points)"),
            y=alt.Y("factor:N", sort="-x", title=None),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(domain=["risk", "protective", "none"],
                                range=["#d7301f", "#2b8cbe", GREY]),
            ),
        )
        .properties(width=480, height=max(120, 22 * len(data)))
    )  # fmt: skip


def estimator_scatter(rows: pd.DataFrame, title: str) -> alt.Chart:
    """Direct estimate (published ones) against the synthetic and small-area estimates."""
    columns = [c for c in ("risk", "small_area", "benchmarked") if c in rows.columns]
    shown = rows.dropna(subset=["direct"])
    long = shown.melt(id_vars=["name", "direct"], value_vars=columns, var_name="estimator")
    long["estimator"] = long["estimator"].replace({"risk": "synthetic"})
    return (
        alt.Chart(alt.Data(values=long.dropna().to_dict(orient="records")), title=title)
        .mark_point()
        .encode(
            x=alt.X("direct:Q", title="direct survey estimate", axis=alt.Axis(format="%")),
            y=alt.Y("value:Q", title="model-based estimate", axis=alt.Axis(format="%")),
            color=alt.Color("estimator:N"),
            shape=alt.Shape("estimator:N"),
        )
        .properties(width=420, height=320)
    )
