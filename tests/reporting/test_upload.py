"""The Excel template: written for the country's agreed cells, read back through interop's
reader and the same rules as the form; a refused upload leaves the draft exactly as it was."""

from __future__ import annotations

import openpyxl
import pytest

from target87 import reporting

from .conftest import CHLDEC_F, CHLDEC_T, INSPECTIONS, actor, audit, draft
from .test_reports import fingerprint


def rows_by_key(path) -> tuple[openpyxl.Workbook, dict]:
    """The workbook, and its data rows by (series, sex, age) with their row numbers."""
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[1]
    header = [c.value for c in sheet[1]]
    rows = {}
    for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        record = dict(zip(header, cells, strict=False))
        if record.get("series"):
            rows[(record["series"], record["sex"], record["age"])] = (number, record)
    return wb, {"header": header, "rows": rows}


def fill(path, values: dict, column: str = "value") -> None:
    wb, found = rows_by_key(path)
    sheet = wb.worksheets[1]
    for key, value in values.items():
        number, _ = found["rows"][key]
        sheet.cell(row=number, column=found["header"].index(column) + 1).value = value
    wb.save(path)


def template(db, tmp_path, report, lang="en"):
    path = tmp_path / f"npl_{lang}.xlsx"
    return reporting.write_report_template(db, actor(db, "focal.npl"), report.id, path, lang)


def test_the_template_has_one_row_per_agreed_cell_with_the_draft_values(db, tmp_path):
    report = draft(db, {CHLDEC_F: {"value": "16.1", "footnote": "=looks like a formula"}})
    _wb, found = rows_by_key(template(db, tmp_path, report))
    expected = reporting.report_cells(reporting.agreed_indicators(db, "NPL"), 2024)
    assert set(found["rows"]) == {(c.series, c.sex, c.age) for c in expected}
    _, girls = found["rows"][("SL_TLF_CHLDEC", "F", "Y5T17")]
    assert (girls["ref_area"], girls["time_period"], girls["unit"], girls["value"]) == (
        "NPL", "2024", "PT", 16.1,
    )  # fmt: skip
    assert girls["footnote"] == "'=looks like a formula"  # written as text, never a formula


def test_a_filled_template_saves_its_values_with_one_event_each(db, tmp_path):
    report = draft(db)
    path = template(db, tmp_path, report, "fr")
    values = {("SL_TLF_CHLDEC", "_T", "Y5T17"): 15.3, ("SL_TLF_CHLDEC", "F", "Y5T17"): 16.1}
    values |= {("SL_TLF_CHLDEC", "M", "Y5T17"): 14.6, ("NAT_LAB_INSP", "_T", "_T"): 1180}
    fill(path, values)
    fp = actor(db, "focal.npl")
    result = reporting.upload_template(db, fp, report.id, path, report.version)
    assert result.changed == 4 and result.warnings == []
    stored = {
        reporting.Cell.of(v).field: v.value for v in reporting.report_values(db, fp, report.id)
    }
    boys = reporting.Cell("SL_TLF_CHLDEC", "2024", "M", "Y5T17").field
    assert stored == {CHLDEC_T: 15.3, CHLDEC_F: 16.1, boys: 14.6, INSPECTIONS: 1180.0}
    assert len(audit(db, report_id=report.id, action="value.add")) == 4
    # replace=True: the workbook is the whole report; cells it leaves blank go.
    fill(path, {("SL_TLF_CHLDEC", "M", "Y5T17"): None, ("NAT_LAB_INSP", "_T", "_T"): None})
    result = reporting.upload_template(db, fp, report.id, path, result.version, replace=True)
    assert result.changed == 2
    assert {reporting.Cell.of(v).field for v in reporting.report_values(db, fp, report.id)} == {
        CHLDEC_T,
        CHLDEC_F,
    }


def test_an_upload_with_errors_reports_sheet_row_column_and_changes_nothing(db, tmp_path):
    report = draft(db, {CHLDEC_T: "15.3"})
    path = template(db, tmp_path, report)
    fill(path, {("SL_TLF_CHLDEC", "F", "Y5T17"): 140, ("NAT_LAB_INSP", "_T", "_T"): 5})
    fill(path, {("NAT_LAB_INSP", "_T", "_T"): "UGA"}, "ref_area")
    fill(path, {("SL_TLF_CHLDEC", "F", "Y5T17"): "G"}, "reporting_type")
    _wb, found = rows_by_key(path)
    girls_row = found["rows"][("SL_TLF_CHLDEC", "F", "Y5T17")][0]
    insp_row = found["rows"][("NAT_LAB_INSP", "_T", "_T")][0]
    before = fingerprint(db, report.id)
    with pytest.raises(reporting.ValidationFailed) as info:
        reporting.upload_template(db, actor(db, "focal.npl"), report.id, path, report.version)
    found = {(p.sheet, p.row, p.column, p.rule) for p in info.value.errors}
    assert found == {
        ("data", girls_row, "value", "range"),
        ("data", girls_row, "reporting_type", "reporting_type"),
        ("data", insp_row, "ref_area", "country"),
    }
    assert {p.field for p in info.value.errors} == {
        CHLDEC_F,
        INSPECTIONS,
    }  # shown next to the form's fields too
    assert fingerprint(db, report.id) == before


def test_a_workbook_with_a_formula_is_refused_and_changes_nothing(db, tmp_path):
    report = draft(db, {CHLDEC_T: "15.3"})
    path = template(db, tmp_path, report)
    fill(path, {("SL_TLF_CHLDEC", "M", "Y5T17"): "=1+1"})
    before = fingerprint(db, report.id)
    with pytest.raises(reporting.ValidationFailed) as info:
        reporting.upload_template(db, actor(db, "focal.npl"), report.id, path, report.version)
    (problem,) = info.value.errors
    assert (problem.sheet, problem.column, problem.rule) == ("data", "value", "formula")
    not_xlsx = tmp_path / "not.xlsx"
    not_xlsx.write_bytes(b"%PDF-1.4 not a workbook")
    with pytest.raises(reporting.ValidationFailed, match="not a valid xlsx"):
        reporting.upload_template(db, actor(db, "focal.npl"), report.id, not_xlsx, report.version)
    assert fingerprint(db, report.id) == before


def test_an_upload_needs_the_right_and_a_draft(db, tmp_path):
    report = draft(db, {CHLDEC_T: "15.3"})
    path = template(db, tmp_path, report)
    with pytest.raises(reporting.Forbidden):
        reporting.upload_template(db, actor(db, "focal.uga"), report.id, path, report.version)
    report = reporting.submit(db, actor(db, "focal.npl"), report.id, report.version)
    with pytest.raises(reporting.StateError):
        reporting.upload_template(db, actor(db, "focal.npl"), report.id, path, report.version)
