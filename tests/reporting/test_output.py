"""The annual report as a document: what it gathers (checked against the store and the
roadmap directly), the print page, a real PDF made without a browser (its text read back from
the file), and the SDMX-CSV of approved values read back through interop's reader."""

from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import date

import pytest

from target87 import reporting, store
from target87.interop.sdmx_read import read_sdmx
from target87.interop.table import typed
from target87.presentation import format_number, translator
from target87.reporting import files, output
from target87.reporting.pdf import report_pdf

from .conftest import CHLDEC_F, CHLDEC_M, CHLDEC_T, INSPECTIONS, actor, draft

ENTRIES = {
    CHLDEC_T: "15.3",
    CHLDEC_F: {"value": "16.1", "footnote": "Survey NCLS21"},
    CHLDEC_M: "14.6",
    INSPECTIONS: "1180",
}


def approved(db):
    fp, sec = actor(db, "focal.npl"), actor(db, "secretariat")
    report = draft(db, ENTRIES)
    report = reporting.submit(db, fp, report.id, report.version)
    return reporting.approve(db, sec, report.id, report.version, "Consistent with the NCLS.")


def pdf_text(data: bytes) -> str:
    """The text shown in a PDF from fpdf2: each text object's strings (``Tj``, or the parts
    of a justified line's ``TJ``) decoded through the fonts' ToUnicode maps, with every map
    (a wrong one gives noise, not the words looked for). pypdf is not a dependency; this
    reads what fpdf2 writes."""
    streams = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            streams.append(m.group(1))
    maps = []
    for s in streams:
        if b"beginbfchar" in s:
            pairs = re.findall(
                rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", s.split(b"beginbfchar", 1)[1]
            )
            maps.append(
                {int(a, 16): bytes.fromhex(b.decode()).decode("utf-16-be") for a, b in pairs}
            )
    shown = []
    for s in streams:
        for block in re.findall(rb"BT(.*?)ET", s, re.S):  # one text object: a line
            literals = re.findall(rb"\(((?:[^\\)]|\\.)*)\)", block, re.S)  # Tj, or TJ's parts
            raw = b"".join(
                re.sub(rb"\\([nrtbf()\\]|[0-7]{1,3})", lambda e: _escape(e.group(1)), lit)
                for lit in literals
            )
            if not maps:  # a core font: the bytes are the text (Latin-1)
                shown.append(raw.decode("latin-1"))
            for cmap in maps:
                codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
                shown.append("".join(cmap.get(c, "\ufffd") for c in codes))
    return "\n".join(shown)


def _escape(code: bytes) -> bytes:
    simple = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    if code in simple:
        return simple[code]
    if code[:1].isdigit():
        return bytes([int(code, 8)])
    return code


def test_the_document_holds_the_values_with_their_source_and_the_earlier_ones(db):
    report = approved(db)
    sec = actor(db, "secretariat")
    doc = output.report_document(db, sec, report.id, "en", today=date(2025, 1, 15))
    assert (doc.country, doc.m49, doc.year, doc.state) == ("NPL", "524", 2024, "approved")
    assert doc.source_id == f"natrep_npl_2024_{report.id}" and doc.citation is None
    shown = {(v.series, v.sex, v.age): v.value for v in doc.values}
    assert shown == {
        ("NAT_LAB_INSP", "_T", "_T"): 1180.0,
        ("SL_TLF_CHLDEC", "F", "Y5T17"): 16.1,
        ("SL_TLF_CHLDEC", "M", "Y5T17"): 14.6,
        ("SL_TLF_CHLDEC", "_T", "Y5T17"): 15.3,
    }
    # The latest earlier value is the store's own latest one before 2024, with its source.
    held = store.observations(db, series=["SL_TLF_CHLDEC"], areas=["NPL"], age=["Y5T17"])
    held = held[(held["sex"] == "_T") & (held["year_to"] < 2024)].sort_values("year_to")
    total = next(v for v in doc.values if v.series == "SL_TLF_CHLDEC" and v.sex == "_T")
    if held.empty:
        assert total.earlier is None
    else:
        last = held.iloc[-1]
        assert total.earlier == {
            "period": last["time_period"],
            "value": float(last["value"]),
            "source": last["source"],
        }
    # The roadmap as it stands: the demo's overdue actions on 2025-01-15, by hand.
    late = {a["title"] for a in doc.actions if a["overdue"]}
    assert late == {"Train and deploy 200 labour inspectors"}  # due 2024-12-31, under way
    assert [c["text"] for c in doc.comments] == ["Consistent with the NCLS."]
    lines = doc.summary().splitlines()
    assert lines[0] == "Annual national report: Nepal (NPL), 2024"
    assert "4 values, 2 commitments, 3 actions (1 overdue), 1 comments" in lines[2]


def test_a_published_document_shows_the_frozen_roadmap_and_the_citation(db):
    report = approved(db)
    report = reporting.publish(db, actor(db, "secretariat"), report.id, report.version)
    doc = output.report_document(db, actor(db, None), report.id, "fr")  # the public may
    assert doc.state == "published" and "Government of Nepal" in doc.citation
    assert doc.comments == []  # the review's exchanges are not published
    inside = output.report_document(db, actor(db, "viewer.npl"), report.id, "fr")
    assert [c["text"] for c in inside.comments] == ["Consistent with the NCLS."]
    assert doc.country_name == "Népal"
    assert doc.as_of == report.published_at.date()
    with pytest.raises(reporting.Forbidden):
        output.report_document(db, actor(db, None), draft(db, year=2023).id)


def test_the_print_page_has_inline_svg_charts_the_table_with_sources_and_print_css(db):
    report = approved(db)
    doc = output.report_document(db, actor(db, "secretariat"), report.id, "fr")
    charts = output.report_charts(db, doc, translator("fr"))
    assert len(charts) == 2  # the roadmap timeline; SL_TLF_CHLDEC over the years
    html = output.print_html(doc, charts, "fr", css="@page { size: A4; }")
    assert html.count("<svg") == 2 and "<script" not in html
    assert '<html lang="fr">' in html and "@page { size: A4; }" in html
    assert "Valeurs des indicateurs" in html
    assert '<td class="num">15,3 %</td>' in html and '<td class="num">1\u202f180 </td>' in html
    assert html.count(f"<td>{doc.source_id}</td>") == 4  # each value with its source
    assert '<tr class="overdue">' in html
    linked = output.print_html(doc, charts, "en")
    assert '<link rel="stylesheet" href="/static/reporting-print.css">' in linked


def test_the_pdf_is_a_real_pdf_holding_the_values_the_roadmap_and_the_comments(db):
    report = approved(db)
    doc = output.report_document(db, actor(db, "secretariat"), report.id, "es")
    data = report_pdf(doc, output.report_charts(db, doc, translator("es")), "es")
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    (pages,) = re.findall(rb"/Count (\d+)", data)  # the page tree's count (no outlines)
    assert int(pages) >= 2
    assert data.count(b"/Subtype /Image") == 2  # the two charts, as PNG images
    text = pdf_text(data)
    for words in (
        "Informe nacional anual sobre la meta 8.7 de los ODS:",  # the title, on two lines
        "Nepal, 2024",
        "15,3 %",
        format_number(1180, "es", 2),
        "14,6 %",
        "NCLS21",  # the girls' footnote
        "Train and deploy 200 labour inspectors",
        "Consistent with the NCLS.",
        doc.source_id,
    ):
        assert words in text, words


def test_without_a_unicode_font_the_pdf_falls_back_to_helvetica_and_still_holds_the_text(
    db, monkeypatch
):
    from target87.reporting import pdf

    monkeypatch.setattr(pdf, "unicode_font", lambda: None)
    report = approved(db)
    doc = output.report_document(db, actor(db, "secretariat"), report.id, "fr")
    data = report_pdf(doc, [], "fr")
    assert b"/BaseFont /Helvetica" in data and b"/ToUnicode" not in data
    text = pdf_text(data).replace("\xa0", " ")
    for words in ("Népal, 2024", "15,3 %", "1 180", "NCLS21", "Train and deploy 200 labour"):
        assert words in text, words


def test_the_sdmx_csv_reads_back_with_m49_areas_and_reporting_type_n(db):
    report = approved(db)
    body, done = output.sdmx_csv(db, actor(db, "secretariat"), report.id)
    assert done.rows == 3 and done.left_out == ["NAT_LAB_INSP"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert {(r["REF_AREA"], r["REPORTING_TYPE"]) for r in rows} == {("524", "N")}
    assert not done.path.parent.exists()  # written in a temporary folder, then read


def test_the_sdmx_csv_bundle_round_trips_through_the_interop_reader(db, tmp_path):
    report = approved(db)
    paths = files.write_outputs(db, actor(db, "secretariat"), report.id, tmp_path, "en")
    assert sorted(paths) == ["html", "pdf", "sdmx"]
    assert "<style>" in paths["html"].read_text(encoding="utf-8")
    assert paths["pdf"].read_bytes().startswith(b"%PDF-")
    back = typed(read_sdmx(paths["sdmx"]))
    assert set(back["ref_area"]) == {"NPL"} and set(back["reporting_type"]) == {"N"}
    assert sorted(zip(back["sex"], back["value"], strict=True)) == [
        ("F", 16.1),
        ("M", 14.6),
        ("_T", 15.3),
    ]
    with pytest.raises(reporting.StateError):
        output.sdmx_csv(db, actor(db, "focal.npl"), draft(db, year=2023).id)
