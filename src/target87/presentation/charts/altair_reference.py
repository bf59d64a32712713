"""The Altair code the profile's charts were built with before ``plain`` wrote them as dicts,
kept as the straightforward reference: tests/presentation/test_plain_specs.py requires equal
specs, and benchmarks/bench_profile_page.py times a cold profile both ways. Not used by pages.
"""

from __future__ import annotations

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
    year_domain,
    year_x,
)


def altair_series_by_sex_spec(
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


def altair_ratification_timeline_spec(rows: pd.DataFrame, title: str, description: str) -> dict:
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


def altair_region_comparison_spec(
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
