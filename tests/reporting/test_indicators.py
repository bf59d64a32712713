"""Agreed indicators per country, and national series that the same rules accept."""

from __future__ import annotations

import pytest

from target87 import reporting, store
from target87.reporting.indicators import allowed_units, default_breakdowns

from .conftest import actor, audit

NAMES = {"en": "Labour inspectors", "fr": "Inspecteurs du travail", "es": "Inspectores de trabajo"}


def test_default_breakdowns_keep_the_common_cells():
    # SL_TLF_CHLDEC in the snapshot: 153 rows for each sex at 5-17, 21 at 5-14, 2 at 7-17.
    counts = {(s, a): n for a, n in (("Y5T17", 153), ("Y5T14", 21), ("Y7T17", 2))
              for s in ("_T", "F", "M")}  # fmt: skip
    assert default_breakdowns(counts) == [("_T", "Y5T17"), ("F", "Y5T17"), ("M", "Y5T17")]
    assert default_breakdowns({}) == [("_T", "_T")]


def test_wildcards_expand_and_unknown_series_are_named(db):
    secretariat = actor(db, "secretariat")
    rows = reporting.set_agreed_indicators(
        db, secretariat, "KEN", ["SL_TLF_CHLDEC", "VC_HTF_DETV*"]
    )
    assert [r.series for r in rows] == [
        "SL_TLF_CHLDEC", "VC_HTF_DETV", "VC_HTF_DETVFL", "VC_HTF_DETVOG", "VC_HTF_DETVOP",
        "VC_HTF_DETVSX",
    ]  # fmt: skip
    assert rows[0].cells == [("_T", "Y5T17"), ("F", "Y5T17"), ("M", "Y5T17")]
    (event,) = audit(db, action="indicators.set", country="KEN")
    assert event.before_data == {} and set(event.after_data) == {r.series for r in rows}
    with pytest.raises(reporting.ValidationFailed) as info:
        reporting.set_agreed_indicators(db, secretariat, "KEN", ["SL_TLF_CHLDXX", "ZZ*"])
    assert [p.message for p in info.value.problems] == [
        "no series matches 'SL_TLF_CHLDXX'",
        "no series matches 'ZZ*'",
    ]
    rows = reporting.set_agreed_indicators(
        db, secretariat, "KEN", ["SL_TLF_CHLDEC"], {"SL_TLF_CHLDEC": [("_T", "Y5T14")]}
    )
    assert [(r.series, r.cells) for r in rows] == [("SL_TLF_CHLDEC", [("_T", "Y5T14")])]


def test_a_national_series_joins_the_warehouse_with_names_unit_and_direction(db):
    secretariat = actor(db, "secretariat")
    series = reporting.define_national_series(
        db, secretariat, "nat_insp_staff", NAMES, "NUMBER", "higher_is_better"
    )
    stored = db.get(store.Series, "NAT_INSP_STAFF")
    assert stored is series and stored.topic == "national" and stored.name("fr") == NAMES["fr"]
    assert audit(db, action="series.define", entity_id="NAT_INSP_STAFF")


def test_national_series_fields_are_checked(db):
    secretariat = actor(db, "secretariat")
    with pytest.raises(reporting.ValidationFailed) as info:
        reporting.define_national_series(
            db, secretariat, "SL_TLF_CHLDEC", {"en": "x", "fr": ""}, "PERSONS", "up", unit_mult=99
        )
    assert [p.field for p in info.value.problems] == [
        "code", "name_fr", "name_es", "unit", "direction", "unit_mult",
    ]  # fmt: skip
    # The units offered are exactly the ones the validation rules accept.
    assert "PT" in allowed_units() and "PERSONS" not in allowed_units()


def test_only_the_secretariat_or_an_admin_configures(db):
    for who in ("focal.npl", "viewer.npl", None):
        with pytest.raises(reporting.Forbidden):
            reporting.set_agreed_indicators(db, actor(db, who), "NPL", ["SL_TLF_CHLDEC"])
        with pytest.raises(reporting.Forbidden):
            reporting.define_national_series(db, actor(db, who), "NAT_X", NAMES, "NUMBER", "up")
