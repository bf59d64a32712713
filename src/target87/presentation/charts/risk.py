"""Specs for the published CLRISK runs: the territories' risk classes on a zoomable map (Vega),
and the highest risks with their 90% intervals (Vega-Lite)."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import altair as alt
import pandas as pd

from target87.presentation.charts.common import NO_DATA, OBSERVED
from target87.presentation.charts.maps import SUPPRESSED, expr_tip, zoomable_map
from target87.presentation.messages import label

# Okabe-Ito, light to dark: readable for colour-blind readers, ordered like the classes.
CLASS_COLOURS = ["#F0E442", "#E69F00", "#D55E00", "#CC79A7", "#882255"]


def _signed_area(ring: list[list[float]]) -> float:
    """Twice the planar signed area of a ring (positive when counterclockwise)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in pairwise(ring))


def _d3_rings(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """Outer ring clockwise, holes counterclockwise: d3-geo's winding, the reverse of RFC 7946's.
    With the other winding d3 fills the whole sphere but the polygon and the map breaks."""
    out = []
    for i, ring in enumerate(rings):
        clockwise = _signed_area(ring) < 0
        out.append(ring if clockwise == (i == 0) else ring[::-1])
    return out


def d3_winding(geometry: dict[str, Any] | None) -> dict[str, Any] | None:
    """``geometry`` with its polygons wound as Vega's d3-geo projections expect."""
    if not geometry:
        return geometry
    if geometry["type"] == "Polygon":
        return {**geometry, "coordinates": _d3_rings(geometry["coordinates"])}
    if geometry["type"] == "MultiPolygon":
        return {**geometry, "coordinates": [_d3_rings(p) for p in geometry["coordinates"]]}
    return geometry


def class_map_spec(
    geojson: dict[str, Any],
    labels: list[str],
    title: str,
    description: str,
    suppressed: str,
    *,
    lang: str = "en",
    source: str = "",
    year: str | int | None = None,
) -> dict:
    """Territories coloured by risk class, zoomable and pannable (Vega, as the world maps);
    a territory without a class is grey and says why: "Suppressed" (disclosure control, its
    estimate withheld) or "No data". ``suppressed`` is the page's word for the first in a
    tooltip; ``source`` (the run's name) and ``year`` go in every tooltip.

    The boundaries travel inline with the spec (never a URL: Vega would fetch it remotely)."""
    no_data = label("map_no_data", lang)
    withheld = label("map_suppressed", lang)
    features = []
    for f in geojson.get("features", []):
        props = f.get("properties") or {}
        if props.get("class"):
            shown = props["class"]
        elif props.get("disclosure") == "suppressed":
            shown = withheld
        else:
            shown = no_data
        features.append(
            {
                **f,
                "geometry": d3_winding(f.get("geometry")),
                "properties": {**props, "shown": shown},
            }
        )
    comma = lang in ("fr", "es")  # a decimal comma and a no-break space before "%"

    def pct(field: str) -> str:
        text = f"format(datum.properties.{field} * 100, '.1f')"
        return f"replace({text}, '.', ',')" if comma else text

    sign = "'\u00a0%'" if comma else "' %'"
    risk = (
        f"isValid(datum.properties.risk) ? {pct('risk')} + {sign}"
        f" + (isValid(datum.properties.lo90) ? ' (' + {pct('lo90')} + '–' + {pct('hi90')} + ')'"
        " : '') : noDataText"
    )
    pairs = [(label("map_risk_class", lang), "datum.properties.shown")]
    pairs.append((label("map_risk_interval", lang), risk))
    if year not in (None, ""):
        pairs.append((label("year", lang), json.dumps(str(year))))
    if source:
        pairs.append((label("source", lang), json.dumps(source, ensure_ascii=False)))
    name = "(datum.properties.territory || datum.properties.name || '')"
    tooltip, aria = expr_tip(name, pairs)
    tooltip = tooltip.replace("noDataText", json.dumps(suppressed, ensure_ascii=False))
    aria = aria.replace("noDataText", json.dumps(suppressed, ensure_ascii=False))
    domain = [*labels, no_data, withheld]
    colours = [*CLASS_COLOURS[: len(labels)], NO_DATA, SUPPRESSED]
    return zoomable_map(
        title=title,
        description=description,
        lang=lang,
        data=[{"name": "territories", "values": features, "format": {"type": "json"}}],
        shapes="territories",
        projection={"type": "mercator", "fit": {"signal": "data('territories')"}},
        domain=domain,
        colours=colours,
        legend_title=label("map_risk_class", lang),
        fill="datum.properties.shown",
        tooltip=tooltip,
        aria=aria,
        height=360,
    )


def risk_ranking_spec(
    territories: pd.DataFrame, title: str, description: str, top: int = 30
) -> dict:
    """The ``top`` highest territory risks as points with their 90% intervals, highest first.

    The order is given to both layers as a list: ``sort="-x"`` sorted each layer by its own x
    (the interval's lower bound, the point's risk), Vega-Lite could not union the two sorts and
    fell back to sorting the territories by name."""
    data = territories.dropna(subset=["risk"])
    data = data.sort_values(["risk", "territory"], ascending=[False, True], kind="stable")
    data = data.head(top)[["territory", "risk", "lo90", "hi90"]]
    y = alt.Y("territory:N", sort=data["territory"].tolist(), title="")
    tooltip = [
        alt.Tooltip("territory:N"),
        alt.Tooltip("risk:Q", format=".2%"),
        alt.Tooltip("lo90:Q", format=".2%"),
        alt.Tooltip("hi90:Q", format=".2%"),
    ]
    interval = (
        alt.Chart(data, name="interval")
        .mark_rule(color=OBSERVED)
        .encode(
            y=y,
            x=alt.X("lo90:Q", axis=alt.Axis(format="%"), title=""),
            x2="hi90:Q",
            tooltip=tooltip,
        )
    )
    point = (
        alt.Chart(data, name="risk")
        .mark_point(filled=True, size=60, color=OBSERVED, opacity=1)
        .encode(y=y, x="risk:Q", tooltip=tooltip)
    )
    return (
        alt.layer(interval, point)
        .properties(title=title, width="container", description=description)
        .to_dict(validate=False)
    )
