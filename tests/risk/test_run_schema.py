"""The shipped schema of a published run and the child-level rule (issue 15, item 4)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from target87.risk.disclosure import FLOORS
from target87.risk.run_check import (
    RunDocumentError,
    check_run_document,
    child_level_name,
    document_schema,
    run_schema,
)


def test_the_schema_is_shipped_valid_and_holds_the_floors():
    from target87.risk import run_check, run_result

    schema = run_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["format"]["const"] == run_check.FORMAT == run_result.FORMAT
    assert schema["additionalProperties"] is False
    rules = schema["properties"]["disclosure_rules"]
    assert {k: rules["properties"][k]["minimum"] for k in FLOORS} == dict(FLOORS)
    assert rules["properties"]["allow_unit_level"] == {"const": False}
    assert rules["additionalProperties"] is False


def test_every_object_of_the_schema_refuses_unknown_fields():
    """Only the free maps (parents by level, cut-points by group, provenance's files,
    vintages and software, a map feature's properties) take keys the schema does not name;
    their values are typed. The tables take their level columns, made exact per document."""
    open_ended = []

    def walk(node, where):
        if node.get("type") == "object" and node.get("additionalProperties", True) is True:
            open_ended.append(where)
        for keyword in ("properties", "$defs"):
            for key, value in node.get(keyword, {}).items():
                walk(value, f"{where}/{key}")
        for keyword in ("items", "additionalProperties"):
            if isinstance(node.get(keyword), dict):
                walk(node[keyword], f"{where}/{keyword}")
        for keyword in ("anyOf", "allOf", "oneOf"):
            for i, value in enumerate(node.get(keyword, [])):
                walk(value, f"{where}/{keyword}/{i}")

    walk(document_schema(["region", "territory"]), "#")
    assert open_ended == []
    exact = document_schema(["region", "territory"])["$defs"]
    assert exact["territory_row"]["additionalProperties"] is False
    assert {"region", "territory"} <= set(exact["territory_row"]["required"])
    assert exact["parent_row_0"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("name", "child_level"),
    [
        ("unit_scores", True),
        ("census_row", True),
        ("child_id", True),
        ("childName", True),
        ("person_ids", True),
        ("children_scores", True),
        ("hh_id", True),
        ("hhid", True),
        ("respondent-list", True),
        ("date of birth", True),
        ("births_2020", False),
        ("dob", True),
        ("ID_1", False),  # a territory identifier of a boundary file: a feature is a territory
        ("GID_1", False),
        ("NAME_1", False),
        ("children", False),
        ("children_0_14", False),
        ("households_2010", False),
        ("name", False),
    ],
)
def test_the_child_level_rule_on_field_names(name, child_level):
    assert child_level_name(name) is child_level


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "not a saved risk run"),
        ({"format": "target87.risk.run/0"}, "not a saved risk run"),
        ({"format": "target87.risk.run/1"}, "disclosure_rules: missing"),
        (
            {"format": "target87.risk.run/1", "disclosure_rules": {}, "levels": ["risk"]},
            "levels: 'risk' is the name of a published column",
        ),
        (
            {"format": "target87.risk.run/1", "disclosure_rules": {}, "levels": ["a"]},
            "the document: 'name' is a required property",
        ),
    ],
)
def test_documents_that_are_not_runs_are_refused(doc, message):
    with pytest.raises(RunDocumentError, match=message):
        check_run_document(doc)
