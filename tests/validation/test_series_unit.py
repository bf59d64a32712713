"""A row's unit is its series' unit (issue 17, item 3): counts never go into a percentage."""

from __future__ import annotations

from dataclasses import replace

from target87.validation import Context, RuleSet, rule_from_dict, validate
from tests.validation.test_rules import CTX, table

UNITS = replace(
    CTX,
    codelists={**CTX.codelists, "series": {"SL_TLF_CHLDEC", "SL_TLF_CHLDEC_NB", "VC_HTF_DETV"}},
    series_units={
        "SL_TLF_CHLDEC": ("PT", "8.7.1"),
        "SL_TLF_CHLDEC_NB": ("NUMBER", "8.7.1"),
        "VC_HTF_DETV": ("NUMBER", "16.2.2"),
    },
)


def _unit_findings(raw, ctx=UNITS):
    return [p for p in validate(raw, None, ctx).findings if p.rule == "series_unit"]


def test_a_count_in_a_percentage_series_is_refused_and_the_count_series_named():
    raw = table({}, {"unit": "NUMBER", "value": "39300", "time_period": "2020"})
    found = _unit_findings(raw)
    assert len(found) == 1
    problem = found[0]
    assert problem.severity == "error" and problem.line == 3 and problem.column == "unit"
    assert "unit 'NUMBER' is not the unit of series SL_TLF_CHLDEC ('PT')" in problem.reason
    assert "series of indicator 8.7.1 in NUMBER: SL_TLF_CHLDEC_NB" in problem.reason


def test_rows_in_their_series_unit_pass():
    raw = table({}, {"series": "VC_HTF_DETV", "unit": "NUMBER", "value": "12"})
    assert _unit_findings(raw) == []


def test_without_the_store_s_units_the_rule_stays_silent():
    raw = table({"unit": "NUMBER", "value": "39300"})
    assert _unit_findings(raw, ctx=Context(codelists=CTX.codelists, this_year=2026)) == []


def test_the_rule_is_in_the_default_rules_and_can_be_named_alone():
    assert any(r.name == "series_unit" for r in RuleSet.default())
    only = RuleSet([rule_from_dict({"rule": "series_unit"})])
    raw = table({"unit": "NUMBER", "value": "5"})
    assert [p.rule for p in validate(raw, only, UNITS).findings] == ["series_unit"]
