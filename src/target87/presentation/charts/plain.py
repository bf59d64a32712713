"""Vega-Lite specs written as plain dicts, exactly as Altair writes them.

Altair builds a chart as a tree of schema objects and converts its data through a sanitised copy
of the table: about 20 ms a chart, 60 ms of every cold country profile. The profile's charts
(``indicators.series_by_sex_spec``, ``region_comparison_spec``, ``ratification_timeline_spec``)
write the same dict directly with these helpers: the data as Altair's records (NaN and
infinities as null, numpy scalars as Python numbers), the dataset named by the same hash, the
same top-level properties. tests/presentation/test_plain_specs.py builds each chart both ways,
with the Altair code these replaced, and requires equal specs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable

import altair as alt
import pandas as pd

from target87.presentation.charts.common import categories, year_domain

SCHEMA = alt.SCHEMA_URL
VIEW_CONFIG = {"view": {"continuousWidth": 300, "continuousHeight": 300}}  # Altair's default


def plain(value: object) -> object:
    """A table cell as Altair writes it: missing and infinite numbers as None, numbers as
    Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def missing(value: object) -> bool:
    """pandas' ``isna`` of one cell: None, NaN, NA, NaT (an infinity is not missing)."""
    return value is None or value is pd.NA or value is pd.NaT or value != value


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as Altair's inline values (``to_dict("records")`` boxes numpy
    scalars as Python ones; missing values become None)."""
    columns = list(frame.columns)
    return [
        {c: plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.to_dict("split")["data"]
    ]


def dataset_name(values: list[dict]) -> str:
    """Altair's name for inline values (``api._dataset_name``): a hash of their JSON."""
    if values == [{}]:
        return "empty"
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def year_axis(years: Iterable, title: str = "") -> dict:
    """``common.year_x`` as a dict: the same domain and whole-year ticks."""
    low, high = year_domain(years)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if (high - low) / s <= 10)
    ticks = list(range(-(-low // step) * step, high + 1, step))
    return {
        "axis": {"format": "d", "values": ticks},
        "field": "year",
        "scale": {"domain": [low, high], "nice": False, "zero": False},
        "title": title,
        "type": "quantitative",
    }


def pinned(order: Iterable, present: Iterable, values: list) -> dict:
    """``common.pinned_scale`` as a dict."""
    present = categories(present)
    full = categories(present, order)
    if len(full) > len(values):
        raise ValueError(f"{len(full)} categories, {len(values)} values")
    kept = [i for i, category in enumerate(full) if category in present]
    return {"domain": [full[i] for i in kept], "range": [values[i] for i in kept]}


def field(shorthand: str, **extra) -> dict:
    """An encoding from Altair's shorthand, ``"name:N"`` or ``"value:Q"``."""
    name, kind = shorthand.rsplit(":", 1)
    types = {"N": "nominal", "Q": "quantitative", "O": "ordinal", "T": "temporal"}
    return {"field": name, **extra, "type": types[kind]}
