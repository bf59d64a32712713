"""A report's values through the Excel template of the interoperability layer.

``write_report_template`` writes ``interop``'s template for the country's agreed series, then
lays out its data sheet with one row per agreed cell, holding the draft's current values.
``upload_template`` reads a filled workbook with ``interop.excel_read`` (same refusals of
formulas, zip bombs and stray sheets) and saves it through the same checks as the web form:
if anything is wrong, the problems come back by sheet, row and column and the draft is
left exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from target87.ingest.errors import LoadError
from target87.interop.excel_read import read_xlsx
from target87.interop.excel_template import TEMPLATE_COLUMNS, write_template
from target87.interop.limits import protect
from target87.reporting.cells import Cell, ReportTable, complete, report_cells
from target87.reporting.errors import FieldProblem, ValidationFailed
from target87.reporting.indicators import agreed_indicators
from target87.reporting.permissions import Actor
from target87.reporting.reports import SaveResult, apply_table, editable, get_report
from target87.store.models import Series

KEY = ("series", "time_period", "sex", "age", "urbanisation")
ENTERED = ("value", "lower_bound", "upper_bound", "footnote")


def write_report_template(
    session: Session, actor: Actor, report_id: int, path: Path, lang: str = "en"
) -> Path:
    report = get_report(session, actor, report_id)
    agreed = agreed_indicators(session, report.country)
    if not agreed:
        message = f"{report.country} has no agreed indicators yet (the secretariat sets them)"
        raise ValidationFailed([FieldProblem(None, message, "agreed")])
    path = write_template(Path(path), session, [a.series for a in agreed], [report.country], lang)
    current = {Cell.of(v): v for v in report.values}
    cells = sorted(set(report_cells(agreed, report.year)) | set(current))
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[1]  # instructions, data, codes
    for row in sheet.iter_rows(min_row=2, max_row=len(agreed) + 1):
        for cell in row:
            cell.value = None  # interop's one row per series: replaced by one per cell
    for number, cell in enumerate(cells, start=2):
        series = session.get(Series, cell.series)
        value = current.get(cell)
        data = {
            **{k: getattr(cell, k) for k in KEY},
            "ref_area": report.country,
            "unit": series.unit,
            "unit_mult": series.unit_mult,
            "obs_status": value.obs_status if value else "A",
            "nature": (value.nature if value else "C") or "",
            "reporting_type": "N",
        }
        if value is not None:
            data.update(
                value=value.value,
                lower_bound=value.lower_bound,
                upper_bound=value.upper_bound,
                footnote=value.footnote or "",
            )
        for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
            item = data.get(column)
            if item is None or item == "":
                continue
            target = sheet.cell(row=number, column=index)
            if isinstance(item, str):
                target.value, target.data_type = protect(item), "s"  # never a formula
            else:
                target.value = item
    wb.save(path)
    return path


def upload_template(
    session: Session,
    actor: Actor,
    report_id: int,
    path: Path,
    expected_version: int | None,
    *,
    filename: str | None = None,
    replace: bool = False,
) -> SaveResult:
    """Save a filled template into a draft: all of it, or (on any error) nothing.

    Its rows replace the same cells; ``replace`` also removes the cells it does not hold.
    """
    report = editable(session, actor, report_id, expected_version)
    name = filename or Path(path).name
    try:
        raw = read_xlsx(Path(path), display_name=name)
    except LoadError as exc:
        session.rollback()
        raise ValidationFailed(
            [
                FieldProblem(None, p.reason, p.rule, p.severity, p.sheet, p.line, p.column)
                for p in exc.problems
            ]
        ) from None
    # The report template pre-fills the period: a row without a value, bounds or footnote
    # is an unused one (a blank cell of the form), not an observation missing its value.
    used = (raw[list(ENTERED)] != "").any(axis=1)
    table = ReportTable(raw[used].reset_index(drop=True), [])
    table.raw.attrs = raw.attrs
    raw = table.raw
    complete(session, report, table)
    table.cells = [
        Cell(*(row[k] for k in KEY)) if all(row[k] for k in KEY) else None
        for row in raw[list(KEY)].to_dict("records")
    ]
    return apply_table(session, actor, report, table, expected_version, replace=replace)
