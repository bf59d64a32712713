"""Issue 20, item 5: the sourcing screen. The rule on facts made by hand (each score worked
out from the module's stated rule), the reading of commodities (names in three languages,
plurals, synonyms, HS codes), then the bundled store's facts: each flag checked against the
store's own rows, unknown countries and goods said on their line, and the store left unwritten.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from target87.store import models as M
from target87.supply.screen import (
    AreaFact,
    HsHeading,
    ListedGood,
    Prevalence,
    RatificationFact,
    ReferenceFacts,
    SourceRef,
    SupplierLine,
    Thresholds,
    hs_digits,
    match_commodity,
    screen,
)
from target87.supply.screen_facts import (
    DOWNSTREAM_INPUTS,
    HS_GOODS,
    SYNONYMS,
    reference_facts,
    screen_suppliers,
)

# --- the rule, on facts made by hand ------------------------------------------------------------


def _listing(country, good, cl=False, fl=False, fcl=False, sector="Agriculture"):
    return ListedGood(country, good, sector, cl, fl, fcl, False, None, 2022, "dol")


def _figure(country, value, kind="child_labour", scope="country"):
    unit = "PT" if kind == "child_labour" else "PER_1000_POP"
    return Prevalence(kind, "S", country, {"en": country}, scope, value, unit, "2020", "Y5T17",
                      "fig")  # fmt: skip


def _facts(**over) -> ReferenceFacts:
    ratified = {i: RatificationFact(i, "ratified", 2000, "rat") for i in
                ("C029", "P029", "C105", "C138", "C182", "PALERMO")}  # fmt: skip
    facts = ReferenceFacts(
        areas={c: AreaFact(c, c, {"en": c}) for c in ("AAA", "BBB", "CCC", "DDD")},
        listed={
            "Bricks": [_listing("AAA", "Bricks", cl=True, fl=True, fcl=True)],
            "Garments": [_listing("AAA", "Garments", fl=True)],
            "Coffee": [_listing("BBB", "Coffee", cl=True)],
            "Tomatoes": [_listing("CCC", "Tomatoes", cl=True)],
            "Manioc/Cassava": [_listing("CCC", "Manioc/Cassava", cl=True)],
        },
        good_names={
            "Bricks": ("Bricks", "Briques", "Ladrillos"),
            "Garments": ("Garments",),
            "Coffee": ("Coffee", "Café"),
            "Tomatoes": ("Tomatoes", "Tomates"),
            "Manioc/Cassava": ("Manioc/Cassava",),
        },  # fmt: skip
        synonyms={"cocoa beans": ("Cocoa",), "green coffee": ("Coffee",)},
        hs={
            "0901": HsHeading("0901", "Coffee", ("Coffee",)),
            "08011": HsHeading("0801.1", "Coconuts", ("Coconuts",)),
            "08013": HsHeading("0801.3", "Cashew nuts", ("Cashews",)),
            "1806": HsHeading("1806", "Chocolate", ("Cocoa",), True),
        },  # fmt: skip
        child_labour={
            "AAA": _figure("AAA", 3.0),
            "BBB": _figure("BBB", 12.0),
            "CCC": _figure("REG", 7.0, scope="region"),
        },  # fmt: skip
        forced_labour={"DDD": _figure("REG2", 5.3, "forced_labour", "region")},
        ratifications={
            "AAA": ratified,
            "BBB": ratified,
            "CCC": ratified,
            "DDD": ratified | {"C138": RatificationFact("C138", "not_ratified", None, "rat")},
        },  # fmt: skip
        instrument_names={},
        sources={"dol": SourceRef("dol", "US DOL", "List of Goods", "2022", 2022)},
        edition=2022,
    )
    for key, value in over.items():
        setattr(facts, key, value)
    return facts


def _line(row, country, commodity, spend=None, supplier=None, sector=None):
    return SupplierLine(row, supplier or f"S{row}", country, commodity, spend, sector)


def test_severity_times_likelihood_ranks_forced_child_labour_first_and_spend_breaks_ties():
    lines = [
        _line(2, "DDD", "widgets", 50),  # C138 gap 1x1; regional forced labour 5.3: 3x1
        _line(3, "BBB", "coffee", 10),  # listed CL 2x3=6; country CL 12% high 2x2=4
        _line(4, "AAA", "bricks", 1),  # listed FCL 4x3=12 (one flag for the three kinds)
        _line(5, "AAA", "garments", 5),  # listed FL 3x3=9
        _line(6, "BBB", "green coffee", 99),  # as row 3, more spend: ranks above it
        _line(7, "CCC", "tomato", 1),  # listed CL 6; regional CL 7%: medium one step down 2x.5
    ]
    result = screen(lines, _facts())
    order = [s.line.row for s in result.lines]
    assert order == [4, 5, 6, 3, 7, 2]
    by_row = {s.line.row: s for s in result.lines}
    assert [s.rank for s in result.lines] == [1, 2, 3, 4, 5, 6]
    assert by_row[4].score == 12 and by_row[4].flags[0].values["harms"] == [
        "forced_child_labour", "forced_labour", "child_labour"]  # fmt: skip
    assert by_row[5].score == 9 and by_row[3].score == 6 and by_row[3].total == 6 + 4
    assert [f.score for f in by_row[7].flags] == [6, 1.0]
    assert by_row[7].flags[1].values["scope"] == "region"
    assert sorted(f.score for f in by_row[2].flags) == [1, 3]
    assert [f.kind for f in by_row[2].flags] == ["forced_labour", "ratification"]
    assert by_row[2].priority == "medium" and by_row[4].priority == "high"
    # AAA's 3 % is below "medium": shown as context, never scored.
    assert [(f.kind, f.raised, f.score) for f in by_row[4].context] == [
        ("child_labour", False, 0.0)]  # fmt: skip


def test_thresholds_are_parameters_and_said_in_the_flag():
    lines = [_line(2, "BBB", "widgets")]
    strict = screen(lines, _facts(), thresholds=Thresholds(child_labour=(15.0, 20.0)))
    assert strict.lines[0].flags == [] and strict.lines[0].context[0].values["level"] == "low"
    default = screen(lines, _facts()).lines[0].flags[0]
    assert default.values["high"] == 10.0 and default.values["medium"] == 5.0
    assert default.values["level"] == "high" and default.score == 4


def test_a_good_listed_elsewhere_is_a_weak_flag_with_the_countries_named():
    result = screen([_line(2, "DDD", "bricks")], _facts())
    flag = next(f for f in result.lines[0].flags if f.kind == "dol_elsewhere")
    assert flag.harm == "forced_child_labour" and flag.likelihood == 0.5 and flag.score == 2
    assert flag.values["countries"] == ["AAA"]


def test_unknown_country_and_good_are_said_and_the_rest_is_still_screened():
    facts = _facts()
    facts.areas["Narnia"] = AreaFact("Narnia", None, {}, "unknown", ("NAM",))
    result = screen([_line(2, "Narnia", "bricks"), _line(3, "BBB", "widgets")], facts)
    narnia, widgets = sorted(result.lines, key=lambda s: s.line.row)
    assert [n.kind for n in narnia.notes] == ["unknown_country"]
    assert narnia.notes[0].values["nearest"] == ["NAM"]
    assert [f.kind for f in narnia.flags] == ["dol_elsewhere"]  # the good is still screened
    assert [n.kind for n in widgets.notes] == ["unmatched_good"]
    assert [f.kind for f in widgets.flags] == ["child_labour"]  # the country still screened


def test_intensity_quartiles_flag_the_top_quarter_and_name_missing_pairs():
    intensity = {("AAA", "Agriculture"): 1.0, ("BBB", "agriculture"): 8.0,
                 ("CCC", "Agriculture"): 2.0, ("DDD", "Mining"): 3.0}  # fmt: skip
    lines = [_line(2, "BBB", "coffee"), _line(3, "CCC", "tomatoes"), _line(4, "DDD", "widgets")]
    result = screen(lines, _facts(), intensity, intensity_source="test table")
    by_row = {s.line.row: s for s in result.lines}
    # median 2.5, top quarter from 4.25 (type 7): BBB 8 is high (2x2), CCC 2 is below median.
    high = next(f for f in by_row[2].flags if f.kind == "intensity")
    assert (high.likelihood, high.score, high.source) == (2.0, 4.0, "test table")
    assert high.values["median"] == pytest.approx(2.5) and high.values["top"] == pytest.approx(4.25)
    assert [f.kind for f in by_row[3].context] == ["intensity"]
    assert any(n.kind == "no_intensity" for n in by_row[4].notes)  # no sector for "widgets"


def test_commodities_are_read_in_any_case_accent_plural_language_or_hs_code():
    facts = _facts()
    assert match_commodity("Café", facts).goods == ("Coffee",)
    assert match_commodity("CAFE", facts).goods == ("Coffee",)
    assert match_commodity("tomato", facts).goods == ("Tomatoes",)
    assert match_commodity("Briques", facts).goods == ("Bricks",)
    assert match_commodity("cassava", facts).how == "name"  # a part of "Manioc/Cassava"
    assert match_commodity("Cocoa Beans", facts).how == "synonym"
    inside = match_commodity("organic green coffee, grade 1", facts)
    assert (inside.goods, inside.how, inside.matched) == (("Coffee",), "contains", "green coffee")
    assert match_commodity("0901.11", facts).goods == ("Coffee",)
    assert match_commodity("901.11", facts).goods == ("Coffee",)  # Excel dropped the zero
    assert match_commodity("HS 090121", facts).hs.code == "0901"
    assert match_commodity("0801", facts).goods == ("Cashews", "Coconuts")  # a wider code
    assert match_commodity("1806.32", facts).hs.made_from is True
    assert match_commodity("8471", facts).how == "hs_unknown"
    assert match_commodity("widgets", facts).how == "none"
    assert match_commodity("  ", facts).how == "empty"
    assert hs_digits("coffee") is None and hs_digits("18 01") == "1801"


# --- the bundled store's facts -------------------------------------------------------------------


def test_every_hs_synonym_and_downstream_good_is_a_good_on_the_bundled_list(session):
    held = set(session.execute(select(M.GoodRisk.good)).scalars())
    for heading in HS_GOODS.values():
        assert set(heading.goods) <= held, heading
        assert heading.code.replace(".", "").isdigit()
    for other, goods in SYNONYMS.items():
        assert set(goods) <= held | {"Cocoa"}, other
    assert set(DOWNSTREAM_INPUTS) | {g for v in DOWNSTREAM_INPUTS.values() for g in v} <= held
    # the downstream goods are those the list itself marks as made with listed inputs
    marked = set(
        session.execute(
            select(M.GoodRisk.good).where(M.GoodRisk.derived_labour_exploitation.is_(True))
        ).scalars()
    )
    assert marked <= set(DOWNSTREAM_INPUTS)


def _latest_child_labour(session, area):
    rows = session.execute(
        select(M.Observation.value, M.Observation.time_period, M.Observation.source)
        .where(M.Observation.series == "SL_TLF_CHLDEC", M.Observation.ref_area == area,
               M.Observation.sex == "_T", M.Observation.age == "Y5T17",
               M.Observation.urbanisation == "_T", M.Observation.breakdown == "_T")
        .order_by(M.Observation.year_to)
    ).all()  # fmt: skip
    return rows


def test_cocoa_from_cote_divoire_carries_the_lists_three_kinds_and_the_countrys_figure(session):
    lines = [_line(2, "Côte d’Ivoire", "Cocoa beans", 1000.0)]
    result = screen_suppliers(session, lines)
    line = result.lines[0]
    assert line.country == "CIV"
    listed = session.execute(
        select(M.GoodRisk).where(M.GoodRisk.area == "CIV", M.GoodRisk.good == "Cocoa")
    ).scalar_one()
    dol = line.flags[0]
    assert dol.kind == "dol_list" and dol.source == listed.source
    assert dol.values["edition"] == listed.edition == result.edition
    kinds = {"child_labour": listed.child_labour, "forced_labour": listed.forced_labour,
             "forced_child_labour": listed.forced_child_labour}  # fmt: skip
    assert set(dol.values["harms"]) == {k for k, on in kinds.items() if on}
    child = next(f for f in line.flags + line.context if f.kind == "child_labour")
    held = _latest_child_labour(session, "CIV")
    assert held, "the bundled snapshot holds child labour for CIV"
    assert child.values["value"] in {r.value for r in held}
    assert child.values["scope"] == "country" and child.source in {r.source for r in held}
    forced = next(f for f in line.flags + line.context if f.kind == "forced_labour")
    region_rate = session.execute(
        select(M.Observation.value).where(M.Observation.series == "GE_FORC_LAB_RT",
                                          M.Observation.ref_area == "ILO_AFRICA")
    ).scalar_one()  # fmt: skip
    assert forced.values["area"] == "ILO_AFRICA" and forced.values["value"] == region_rate
    assert forced.values["scope"] == "region"
    assert {dol.source, child.source, forced.source} <= set(result.sources)


def test_ratifications_missing_in_the_store_are_flagged_and_unrecorded_ones_unknown(session):
    not_ratified = set(
        session.execute(
            select(M.Ratification.instrument).where(
                M.Ratification.area == "SOM", M.Ratification.status == "not_ratified"
            )
        ).scalars()
    )
    assert not_ratified, "the bundled snapshot records instruments Somalia has not ratified"
    line = screen_suppliers(session, [_line(2, "Somalia", "widgets")]).lines[0]
    gaps = {f.values["instrument"] for f in line.flags if f.kind == "ratification"}
    assert gaps == not_ratified & {"C029", "P029", "C105", "C138", "C182", "PALERMO"}
    recorded = set(
        session.execute(
            select(M.Ratification.instrument).where(M.Ratification.area == "SOM")
        ).scalars()
    )
    unknown = next(n for n in line.notes if n.kind == "unknown_ratification")
    assert set(unknown.values["instruments"]) == (
        {"C029", "P029", "C105", "C138", "C182", "PALERMO"} - recorded
    )


def test_china_gets_its_regions_figure_and_solar_panels_their_listed_input(session):
    line = screen_suppliers(session, [_line(2, "China", "solar panels")]).lines[0]
    assert not _latest_child_labour(session, "CHN")
    child = next(f for f in line.flags + line.context if f.kind == "child_labour")
    assert child.values["scope"] == "region" and child.values["area"] != "CHN"
    down = next(f for f in line.flags if f.kind == "dol_downstream")
    assert down.values["inputs"] == ["Polysilicon"] and down.values["input_country"] == "CHN"
    polysilicon = session.execute(
        select(M.GoodRisk).where(M.GoodRisk.area == "CHN", M.GoodRisk.good == "Polysilicon")
    ).scalar_one()
    assert polysilicon.forced_labour and down.harm == "forced_labour"


def test_unknown_country_region_and_goods_on_real_data(session):
    lines = [
        _line(2, "Atlantis", "gold"),
        _line(3, "Africa", "tea"),
        _line(4, "Ghana", "9999"),
        _line(5, "", "cocoa"),
    ]
    facts = reference_facts(session, [line.country for line in lines])
    assert facts.areas["Atlantis"].code is None and facts.areas["Africa"].problem == "not_country"
    by_row = {s.line.row: s for s in screen(lines, facts).lines}
    assert by_row[2].notes[0].kind == "unknown_country"
    assert by_row[2].flags[0].kind == "dol_elsewhere" and "GHA" in by_row[2].flags[0].values[
        "countries"]  # fmt: skip
    assert by_row[3].notes[0].kind == "not_country"
    assert by_row[4].notes[0].kind == "hs_unknown"
    assert any(f.kind == "child_labour" for f in by_row[4].flags)  # Ghana is still screened
    assert by_row[5].notes[0].kind == "no_country"


def test_the_supplier_list_is_never_written_to_the_store(session, warehouse_url):
    path = Path(make_url(warehouse_url).database)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [_line(2, "Ghana", "cocoa", 5.0, supplier="Confidential Supplier Zq81")]
    screen_suppliers(session, lines)
    session.commit()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == before
    assert b"Confidential Supplier Zq81" not in data
