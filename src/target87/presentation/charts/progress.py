"""The progress chart: observed points, the projection with its band, and the target line.

Vega-Lite through Altair, rendered to SVG or PNG offline by vl-convert (nothing is fetched).
Colours are the Okabe-Ito palette, safe for colour-blind readers; every layer is named so a
test (or a screen reader, through the description) can find it.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

from target87.presentation.charts.common import OBSERVED, PROJECTED, TARGET, TARGET_TEXT


def progress_chart(
    observed: pd.Series,
    *,
    title: str,
    unit_label: str,
    projection: pd.DataFrame | None = None,
    target: float | None = None,
    target_year: int | None = None,
    sources: str = "",
    target_label: str = "target {value} by {year}",
    year_title: str = "Year",
    description: str | None = None,
    point_sources: dict | None = None,
) -> alt.LayerChart:
    """``observed``: year -> value. ``projection``: columns year, value, lower, upper.
    ``point_sources``: year -> the source of the observed value (carried by each point, for
    its tooltip and the chart's CSV)."""
    points = pd.DataFrame({"year": observed.index.astype(int), "value": observed.to_numpy()})
    tooltip = ["year:Q", "value:Q"]
    if point_sources:
        points["source"] = [point_sources.get(int(y)) for y in points["year"]]
        tooltip.append("source:N")
    x = alt.X("year:Q", title=year_title, axis=alt.Axis(format="d"))
    y = alt.Y("value:Q", title=unit_label, scale=alt.Scale(zero=True))
    layers = []
    if projection is not None and not projection.empty:
        band = (
            alt.Chart(projection, name="projection_band")
            .mark_area(opacity=0.25, color=PROJECTED)
            .encode(x=x, y=alt.Y("lower:Q", title=unit_label), y2="upper:Q")
        )
        line = (
            alt.Chart(projection, name="projection")
            .mark_line(color=PROJECTED, strokeDash=[6, 4])
            .encode(x=x, y=y)
        )
        layers += [band, line]
    layers.append(
        alt.Chart(points, name="observed_line").mark_line(color=OBSERVED).encode(x=x, y=y)
    )
    layers.append(
        alt.Chart(points, name="observed")
        .mark_point(filled=True, size=70, color=OBSERVED)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    if target is not None:
        text = target_label.format(value=f"{target:g}", year=target_year)
        rule = pd.DataFrame({"value": [target], "label": [text]})
        layers.append(
            alt.Chart(rule, name="target")
            .mark_rule(color=TARGET, strokeWidth=2)
            .encode(y="value:Q")
        )
        layers.append(
            alt.Chart(rule, name="target_label")
            .mark_text(color=TARGET_TEXT, align="left", dx=4, dy=-6)
            .encode(y="value:Q", text="label:N", x=alt.value(0))
        )
    description = description or (
        f"{title}. Observed {len(points)} values from {points['year'].min()} to "
        f"{points['year'].max()}"
        + (", with a projection and its uncertainty band" if projection is not None else "")
        + (f", and the target {target:g} by {target_year}" if target is not None else "")
        + (f". Sources: {sources}" if sources else "")
        + "."
    )
    return alt.layer(*layers).properties(
        title=title, width=560, height=300, description=description
    )


def save_chart(chart: alt.TopLevelMixin, path: Path) -> Path:
    """Write SVG or PNG (by the file's suffix) offline through vl-convert."""
    import vl_convert as vlc

    spec = chart.to_dict()
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(vlc.vegalite_to_png(spec, scale=2))
    else:
        raise ValueError(f"chart file must end in .svg or .png, not {path.suffix!r}")
    return path
