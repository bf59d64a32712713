"""Charts of the run report: Altair specs rendered to inline SVG offline by vl-convert.

Data always travel inside the spec (``alt.Data(values=...)``), never as a URL: vl-convert
would try to fetch a URL, and the report must stand alone. The SVG's namespace declarations
are dropped (inline SVG in HTML5 needs none) so the report holds no ``http`` address at all.

Every word drawn (titles, axis and legend titles, the legend's values) is given by the caller
in the report's language; numbers on the axes follow the language through a d3-format locale.
Vega's own ARIA descriptions ("Y-axis for a discrete scale ...") exist only in English, so
they are switched off: the report's ``<figure role="img">`` names each chart instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

GREY = "#bdbdbd"
# ColorBrewer OrRd, light to dark: classes are picked evenly from it.
ORANGE_RED = ["#fee8c8", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ARIA_TEXT = re.compile(r'\s+aria-(?:roledescription|label)="[^"]*"')
_AXIS_LABELS = '<g class="mark-text role-axis-label"'
#: d3-format locales: decimal comma, the thousands and percent signs Babel (CLDR) gives.
NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
    "fr": {
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u00a0€"],
        "percent": "\u202f%",
    },
    "es": {
        "decimal": ",",
        "thousands": ".",
        "grouping": [3],
        "currency": ["", "\u00a0€"],
        "percent": "\u00a0%",
    },
}


def class_colours(k: int) -> list[str]:
    if k == 1:
        return [ORANGE_RED[-1]]
    step = (len(ORANGE_RED) - 1) / (k - 1)
    return [ORANGE_RED[round(i * step)] for i in range(k)]


def to_svg(chart: alt.TopLevelMixin, lang: str = "en") -> str:
    """Render offline with ``lang``'s numbers; namespace attributes and Vega's English ARIA
    texts removed (see the module docstring). Axis labels are numbers or the names of the
    data (territories, factors): they are marked not to be translated."""
    import vl_convert as vlc

    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), "aria": False}
    locale = NUMBER_LOCALES.get(lang, NUMBER_LOCALES["en"])
    svg = vlc.vegalite_to_svg(spec, format_locale=locale)
    svg = _ARIA_TEXT.sub("", _NAMESPACES.sub("", svg, count=2))
    return svg.replace(_AXIS_LABELS, _AXIS_LABELS + ' translate="no"')


def class_map(
    geojson: dict[str, Any],
    labels: list[str],
    title: str,
    *,
    legend: str = "risk class",
    no_class: str = "suppressed or no data",
    names: Mapping[str, str] | None = None,
) -> alt.Chart:
    """Choropleth of the risk classes; inline features, planar (identity) projection.

    ``names`` gives the words shown for the class labels (the labels themselves by default),
    ``no_class`` those of the territories without a class (suppressed, or no value).

    The identity projection draws coordinates as they are: it fits any projected or
    geographic boundaries and, unlike a spherical projection, does not care about ring
    orientation (RFC 7946 files are counter-clockwise, d3's spherical convention the reverse).
    """
    shown = {label: (names or {}).get(label, label) for label in labels}
    features = [
        {
            "type": "Feature",
            "geometry": f["geometry"],
            "properties": {"class": shown.get(f["properties"].get("class"), no_class)},
        }
        for f in geojson["features"]
    ]
    domain = [*shown.values(), no_class]
    scale = alt.Scale(domain=domain, range=[*class_colours(len(labels)), GREY])
    return (
        alt.Chart(alt.Data(values=features), title=title)
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .encode(color=alt.Color("properties.class:N", scale=scale, title=legend))
        .project(type="identity", reflectY=True)
        .properties(width=520, height=420)
    )


def ranking(
    rows: pd.DataFrame, title: str, n: int = 40, *, axis: str = "risk (90% interval)"
) -> alt.LayerChart:
    """The ``n`` highest published risks with their 90% intervals."""
    top = rows.dropna(subset=["risk"]).nlargest(n, "risk")[["name", "risk", "lo90", "hi90"]]
    base = alt.Chart(alt.Data(values=top.to_dict(orient="records")), title=title).encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("risk", order="descending"), title=None)
    )
    bars = base.mark_rule(color="#636363").encode(
        x=alt.X("lo90:Q", title=axis, axis=alt.Axis(format="%")), x2="hi90:Q"
    )
    points = base.mark_point(filled=True, color="#d7301f").encode(x="risk:Q")
    return alt.layer(bars, points).properties(width=480, height=max(120, 14 * len(top)))


def factor_bars(
    factors: pd.DataFrame,
    title: str,
    *,
    axis: str = "contribution to national risk (percentage points)",
    legend: str = "direction",
    directions: Mapping[str, str] | None = None,
) -> alt.Chart:
    """National counterfactual contribution of each factor, in percentage points.

    ``directions`` gives the words shown for ``risk``, ``protective`` and ``none``."""
    words = {d: (directions or {}).get(d, d) for d in ("risk", "protective", "none")}
    data = factors.assign(
        pp=100 * factors["contribution"], direction=factors["direction"].map(words)
    )[["factor", "pp", "direction"]]
    return (
        alt.Chart(alt.Data(values=data.to_dict(orient="records")), title=title)
        .mark_bar()
        .encode(
            x=alt.X("pp:Q", title=axis),
            y=alt.Y("factor:N", sort="-x", title=None),
            color=alt.Color(
                "direction:N",
                title=legend,
                scale=alt.Scale(domain=list(words.values()),
                                range=["#d7301f", "#2b8cbe", GREY]),
            ),
        )
        .properties(width=480, height=max(120, 22 * len(data)))
    )  # fmt: skip


def estimator_scatter(
    rows: pd.DataFrame,
    title: str,
    *,
    x_title: str = "direct survey estimate",
    y_title: str = "model-based estimate",
    legend: str = "estimator",
    estimators: Mapping[str, str] | None = None,
) -> alt.Chart:
    """Direct estimate (published ones) against the synthetic and small-area estimates.

    ``estimators`` gives the words shown for the columns ``risk`` (the synthetic estimator),
    ``small_area`` and ``benchmarked``."""
    words = {"risk": "synthetic", "small_area": "small-area", "benchmarked": "benchmarked"}
    words |= dict(estimators or {})
    columns = [c for c in words if c in rows.columns]
    shown = rows.dropna(subset=["direct"])
    long = shown.melt(id_vars=["name", "direct"], value_vars=columns, var_name="estimator")
    long["estimator"] = long["estimator"].map(words)
    return (
        alt.Chart(alt.Data(values=long.dropna().to_dict(orient="records")), title=title)
        .mark_point()
        .encode(
            x=alt.X("direct:Q", title=x_title, axis=alt.Axis(format="%")),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format="%")),
            color=alt.Color("estimator:N", title=legend),
            shape=alt.Shape("estimator:N", title=legend),
        )
        .properties(width=420, height=320)
    )
