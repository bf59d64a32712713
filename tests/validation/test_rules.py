"""Each validation rule on small real tables, and the YAML rule files."""

from __future__ import annotations

import json

import pytest

from target87.interop.table import fill_period_bounds, raw_table
from target87.validation import Context, RuleSet, rule_from_dict, validate

BASE = {
    "series": "SL_TLF_CHLDEC",
    "ref_area": "BRA",
    "time_period": "2019",
    "sex": "_T",
    "age": "Y5T17",
    "urbanisation": "_T",
    "value": "4.6",
    "unit": "PT",
    "unit_mult": "0",
    "obs_status": "A",
    "nature": "C",
    "reporting_type": "N",
    "source": "ministry",
}
CTX = Context(
    codelists={
        "series": {"SL_TLF_CHLDEC", "VC_HTF_DETV"},
        "area": {"BRA", "NPL"},
        "source": {"ministry"},
    },
    this_year=2026,
)


def table(*changes: dict, sheet: str = ""):
    rows = [{**BASE, **c} for c in changes]
    raw = raw_table(
        rows,
        file="report.xlsx",
        rows=range(2, len(rows) + 2),
        sheet=sheet,
        source_columns={"value": "Value", "ref_area": "Country"},
    )
    return fill_period_bounds(raw)


def findings(raw, *specs, ctx=CTX):
    rules = RuleSet(rule_from_dict(s) for s in specs) if specs else None
    return validate(raw, rules, ctx).findings


def test_a_clean_table_passes_the_default_rules():
    raw = table({}, {"sex": "F", "value": "4.0"}, {"sex": "M", "value": "5.1"})
    assert findings(raw) == []


def test_required_type_and_code_rules_name_row_column_and_rule():
    raw = table(
        {},
        {"value": "", "time_period": "2020"},
        {"value": "lots", "time_period": "2021"},
        {"ref_area": "ATLANTIS", "time_period": "2022"},
        sheet="Data",
    )
    found = {(p.line, p.column, p.rule) for p in findings(raw)}
    assert (3, "Value", "required") in found
    assert (4, "Value", "type") in found
    assert (5, "Country", "codes") in found
    problem = next(p for p in findings(raw) if p.rule == "codes")
    assert problem.sheet == "Data" and problem.file == "report.xlsx"
    assert "ATLANTIS" in problem.reason and problem.severity == "error"


def test_a_percentage_above_100_is_out_of_range():
    (problem,) = findings(table({"value": "140"}))
    assert problem.rule == "range" and "percentage" in problem.reason and problem.line == 2


def test_period_rules_catch_bad_windows_and_future_years():
    raw = table({"time_period": "2019/2017"}, {"time_period": "2031"}, {"time_period": "19"})
    rules = {(p.line, p.rule) for p in findings(raw)}
    assert (
        (2, "time_period") in rules and (3, "not_future") in rules and (4, "time_period") in rules
    )


def test_year_columns_must_agree_with_the_period():
    raw = table({"time_period": "2019", "year_from": "2018", "year_to": "2019"})
    (problem,) = findings(raw, {"rule": "time_period"})
    assert problem.column == "year_from" and "disagree" in problem.reason


def test_duplicates_point_to_the_first_row():
    (problem,) = findings(
        table({}, {}), {"rule": "unique", "key": ["series", "ref_area", "time_period", "sex"]}
    )
    assert problem.line == 3 and "duplicate of row 2" in problem.reason


def test_girls_and_boys_must_bracket_the_total():
    raw = table({"value": "9.0"}, {"sex": "F", "value": "4.0"}, {"sex": "M", "value": "5.0"})
    spec = {"rule": "bracket", "tolerance": 0.1, "when": {"unit": "PT"}}
    (problem,) = findings(raw, spec)
    assert problem.line == 2 and problem.rule == "bracket"
    assert "total 9 is not between F 4 and M 5" in problem.reason
    ok = table({"value": "4.6"}, {"sex": "F", "value": "4.0"}, {"sex": "M", "value": "5.0"})
    assert findings(ok, spec) == []


def test_a_count_total_equals_the_sum_of_its_parts_as_a_warning():
    counts = {"series": "VC_HTF_DETV", "unit": "NUMBER", "age": "_T"}
    raw = table(
        {**counts, "value": "100"},
        {**counts, "sex": "F", "value": "60"},
        {**counts, "sex": "M", "value": "30"},
    )
    spec = {"rule": "sum_of_parts", "tolerance": 0.01, "severity": "warning"}
    (problem,) = findings(raw, spec)
    assert problem.severity == "warning" and "sum of F+M = 90" in problem.reason
    report = validate(raw, RuleSet([rule_from_dict(spec)]), CTX)
    assert report.ok and len(report.warnings) == 1  # warnings do not block


def test_a_number_of_children_is_not_above_the_child_population():
    counts = {"series": "VC_HTF_DETV", "unit": "NUMBER", "unit_mult": "3", "age": "Y0T17"}
    raw = table({**counts, "value": "80"}, {**counts, "value": "120", "time_period": "2020"})
    ctx = Context(child_population={("BRA", 2019): 100_000.0, ("BRA", 2020): 100_000.0})
    (problem,) = findings(raw, {"rule": "not_above_population"}, ctx=ctx)
    assert problem.line == 3 and "120 children is more than the child population 100,000" in (
        problem.reason
    )
    assert findings(raw, {"rule": "not_above_population"}, ctx=Context()) == []  # unknown: skip


def test_rules_come_from_yaml_and_bad_specs_are_refused():
    rules = RuleSet.from_yaml(
        "rules:\n"
        "  - {rule: range, column: value, max: 4, severity: warning}\n"
        "  - {rule: codes, column: sex, codes: [_T]}\n"
    )
    found = findings(table({"value": "4.6"}, {"sex": "F"}), *[])  # default rules: clean
    assert found == []
    report = validate(table({"value": "4.6"}, {"sex": "F", "value": "3"}), rules, CTX)
    assert [(p.rule, p.severity, p.line) for p in report.findings] == [
        ("codes", "error", 3),
        ("range", "warning", 2),
    ]
    with pytest.raises(ValueError, match="unknown rule 'nope'"):
        RuleSet.from_yaml("rules: [{rule: nope}]")
    with pytest.raises(ValueError, match="severity"):
        RuleSet.from_yaml("rules: [{rule: required, columns: [value], severity: fatal}]")
    with pytest.raises(ValueError, match="unexpected keyword"):
        RuleSet.from_yaml("rules: [{rule: range, colum: value}]")


def test_the_report_in_text_and_json_names_everything():
    report = validate(table({"value": "140"}), None, CTX)
    text = report.text()
    assert "1 error(s)" in text and "report.xlsx" in text and "line 2" in text
    assert "'Value'" in text and "[range]" in text
    doc = json.loads(report.to_json())
    (finding,) = doc["findings"]
    assert finding == {
        "file": "report.xlsx",
        "line": 2,
        "column": "Value",
        "reason": finding["reason"],
        "sheet": None,
        "rule": "range",
        "severity": "error",
        "row_label": None,
        "part": "sheet",
    }
    sheet = validate(table({"value": "140"}, sheet="Data"), None, CTX).findings[0]
    assert "sheet 'Data', row 2" in str(sheet)


def test_a_rule_lists_its_first_200_findings_and_counts_the_rest():
    raw = table(*({"value": "140", "time_period": str(1800 + i)} for i in range(250)))
    found = findings(raw, {"rule": "range", "column": "value", "max": 100})
    assert len(found) == 201 and "and 50 more" in found[-1].reason


def two_sheets(a: list[dict], b: list[dict]):
    """Rows on two sheets that share row numbers, as a workbook gives them."""
    import pandas as pd

    first, second = table(*a, sheet="A"), table(*b, sheet="B")
    both = pd.concat([first, second], ignore_index=True)
    both.attrs = first.attrs
    return both


def test_duplicates_across_sheets_with_the_same_row_numbers_are_found():
    raw = two_sheets([{}], [{}])
    (problem,) = findings(raw, {"rule": "unique", "key": ["series", "ref_area", "time_period"]})
    assert problem.sheet == "B" and problem.line == 2
    assert "duplicate of row 2 of sheet 'A'" in problem.reason


def test_a_bad_group_is_blamed_on_its_own_sheet_only():
    bad = [{"value": "9.0"}, {"sex": "F", "value": "4.0"}, {"sex": "M", "value": "5.0"}]
    good = [
        {**r, "ref_area": "NPL", "value": v}
        for r, v in zip(bad, ["4.6", "4.0", "5.0"], strict=True)
    ]
    spec = {"rule": "bracket", "tolerance": 0.1}
    (problem,) = findings(two_sheets(bad, good), spec)
    assert problem.sheet == "A" and problem.line == 2
    worse = [{**r, "ref_area": "NPL"} for r in bad]
    found = findings(two_sheets(bad, worse), spec)
    assert sorted(p.sheet for p in found) == ["A", "B"]  # no crash on repeated row numbers


def test_a_bad_regex_in_a_rule_file_is_a_clear_error():
    with pytest.raises(ValueError, match="bad regex"):
        RuleSet.from_yaml("rules: [{rule: pattern, column: age, regex: '(unclosed'}]")
