"""The profile's charts written as dicts (``presentation.charts.plain``) against the Altair
code they replaced (``charts.altair_reference``), the straightforward path: the same spec,
dataset names and data included, on the bundled data's profiles and on edge cases (bounds,
unknown sexes, missing and infinite values, one row)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from target87.presentation import translator
from target87.presentation.charts import (
    ratification_timeline_spec,
    region_comparison_spec,
    series_by_sex_spec,
)
from target87.presentation.charts.altair_reference import (
    altair_ratification_timeline_spec,
    altair_region_comparison_spec,
    altair_series_by_sex_spec,
)


def same(ours: dict, reference: dict) -> None:
    """Equal as dicts and as the JSON a page carries (key order included)."""
    assert ours == reference
    assert json.dumps(ours) == json.dumps(reference)


LABELS = {"_T": "Total", "F": "Girls", "M": "Boys", "survey": "survey", "modelled": "modelled"}


def by_sex_frame(**columns) -> pd.DataFrame:
    base = {
        "year_to": [2010.0, 2010.0, 2010.0, 2015.0],
        "sex": ["_T", "F", "M", "_T"],
        "nature": ["C", "C", "C", "M"],
        "value": [10.5, 9.0, 12.0, 8.25],
        "source": ["s1", "s1", "s1", "s2"],
        "lower_bound": [None, None, None, None],
        "upper_bound": [None, None, None, None],
    }
    return pd.DataFrame({**base, **columns})


@pytest.mark.parametrize(
    "columns",
    [
        {},  # no bounds at all (an object column of None)
        {"lower_bound": [9.0, None, 11.0, 7.0], "upper_bound": [12.0, None, 13.0, 9.5]},
        {"lower_bound": [9.0, 8.0, 11.0, 7.0], "upper_bound": [12.0, 10.0, 13.0, 9.5]},
        {"lower_bound": [math.inf, None, 1.0, 7.0], "upper_bound": [12.0, 1.0, None, 9.5]},
        {"sex": ["_T", "F", "X", "_T"]},  # a sex without its place: the dodge in floats
        {"nature": [None, "C", "M", "M"], "source": ["s1", None, "s1", "s2"]},
        {"value": [10.5, math.nan, 12.0, math.inf]},
    ],
)
def test_series_by_sex_is_altairs_spec(columns):
    frame = by_sex_frame(**columns)
    for labels in (LABELS, {"F": "Filles"}, {}):
        same(
            series_by_sex_spec(frame, "T", "%", labels, "d"),
            altair_series_by_sex_spec(frame, "T", "%", labels, "d"),
        )
    same(
        series_by_sex_spec(frame, "T", "%", LABELS),
        altair_series_by_sex_spec(frame, "T", "%", LABELS),
    )


def test_timeline_and_comparison_are_altairs_specs():
    timeline = pd.DataFrame(
        {
            "instrument": ["C138", "C182", "CRC"],
            "name": ["Minimum Age", "Worst Forms", None],
            "year": [2001, 1999, 1990],
            "status": ["ratified", "ratified", "signed"],
            "source": ["ilo", "ilo", "un"],
        }
    )
    same(
        ratification_timeline_spec(timeline, "Treaties", "text"),
        altair_ratification_timeline_spec(timeline, "Treaties", "text"),
    )
    same(
        ratification_timeline_spec(timeline.head(1), "T", "t"),
        altair_ratification_timeline_spec(timeline.head(1), "T", "t"),
    )
    regions = pd.DataFrame(
        [
            ("Brazil", 5.4, "2015", "survey", "un"),
            ("Latin America", 6.0, "2020", "modelled", "ilo"),
            ("World", math.nan, "2024", "modelled", None),
        ],
        columns=["area", "value", "year", "kind", "source"],
    )
    for kinds in (None, ["survey", "modelled"], ["modelled", "survey"]):
        same(
            region_comparison_spec(regions, "t", "%", "d", kinds=kinds),
            altair_region_comparison_spec(regions, "t", "%", "d", kinds=kinds),
        )


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_every_profile_chart_is_altairs_spec(session: Session, lang: str, monkeypatch):
    """Every chart of every profile of the bundled data, in each language: the inputs the
    page gives, both ways."""
    from sqlalchemy import select

    from target87.profiles import country_profile
    from target87.store import models as M
    from target87.web.public import countries

    pairs = {
        "series_by_sex_spec": altair_series_by_sex_spec,
        "region_comparison_spec": altair_region_comparison_spec,
        "ratification_timeline_spec": altair_ratification_timeline_spec,
    }
    compared = dict.fromkeys(pairs, 0)

    def both(name, ours):
        def build(*args, **kwargs):
            spec = ours(*args, **kwargs)
            same(spec, pairs[name](*args, **kwargs))
            compared[name] += 1
            return spec

        return build

    for name in pairs:
        monkeypatch.setattr(countries, name, both(name, getattr(countries, name)))
    codes = session.execute(
        select(M.Area.code).where(M.Area.kind == "country").order_by(M.Area.code)
    ).scalars()
    for code in list(codes)[:: 5 if lang == "en" else 17]:
        countries.country_figures(session, country_profile(session, code, lang), lang)
    assert all(compared.values()), compared  # each chart met at least once
    translator(lang)  # the language exists
