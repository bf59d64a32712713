"""What every chart of the platform shares: the colours (Okabe-Ito, safe for colour-blind
readers, in a fixed order so that a category keeps its colour in every language), year axes,
pinned scales, and specs built once by Altair and filled with each page's data.

Altair checks every object against the Vega-Lite schema as it is built, which costs about a
tenth of a second a chart on every cold page: those checks are off here, and the tests check
the specs the pages carry against the schema instead (tests/web/test_charts.py) and draw them
in a browser.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable

import altair as alt
import pandas as pd

alt.utils.schemapi.disable_debug_mode()

OBSERVED = "#0072B2"  # blue
PROJECTED = "#E69F00"  # orange
TARGET = "#009E73"  # bluish green
TARGET_TEXT = "#00664A"  # the same hue, dark enough for small text on white (6.6:1)
MAP_URL = "/static/maps/countries-110m.json"  # served by the site: world-atlas 2.0.2, ISC
NO_DATA = "#d9d9d9"
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


def with_data(skeleton: dict, data: pd.DataFrame, **properties) -> dict:
    """A copy of a chart built once by Altair (``skeleton``, on an empty table of the same
    columns) holding ``data`` as its one dataset, with ``properties`` (title, description).
    Altair's conversion of a table costs ~50 ms a chart; the explorer draws two a page."""
    spec = copy.deepcopy(skeleton)
    (name,) = spec["datasets"]
    spec["datasets"] = {name: data.astype(object).where(data.notna(), None).to_dict("records")}
    spec.update(properties)
    return spec
