"""A report's files in a folder: print HTML, PDF and, once approved, SDMX-CSV."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from target87.presentation import translator
from target87.presentation.rendering import STATIC
from target87.reporting.output import (
    PRINT_CSS,
    print_html,
    report_charts,
    report_document,
    sdmx_csv,
)
from target87.reporting.pdf import report_pdf
from target87.reporting.permissions import Actor


def write_outputs(
    session: Session, actor: Actor, report_id: int, folder: Path, lang: str = "en"
) -> dict[str, Path]:
    """Write the report's print HTML (stylesheet inside), PDF and, once approved, SDMX-CSV
    into ``folder``; returns the paths by kind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc = report_document(session, actor, report_id, lang)
    charts = report_charts(session, doc, translator(lang))
    stem = f"report-{doc.country}-{doc.year}"
    css = (STATIC / PRINT_CSS).read_text(encoding="utf-8")
    paths = {"html": folder / f"{stem}.html", "pdf": folder / f"{stem}.pdf"}
    paths["html"].write_text(print_html(doc, charts, lang, css=css), encoding="utf-8")
    paths["pdf"].write_bytes(report_pdf(doc, charts, lang))
    if doc.state in ("approved", "published"):
        paths["sdmx"] = folder / f"{stem}.sdmx.csv"
        paths["sdmx"].write_bytes(sdmx_csv(session, actor, report_id)[0])
    return paths
