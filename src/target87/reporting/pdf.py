"""The annual country report as a PDF, without a browser: fpdf2 lays out the text and tables
and places the charts as PNGs drawn by vl-convert (fpdf2 cannot read vl-convert's SVG).

A Unicode TrueType font (DejaVu Sans, else Liberation Sans, from the system) carries any
language's text; without one, the PDF falls back to Helvetica and replaces what Latin-1
cannot write, rather than failing.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from target87.presentation import date_label, format_number, translator
from target87.reporting.output import ReportDocument, age_text, chart_png, unit_text

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONT_FILES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
)
LATIN1_NEAREST = str.maketrans({"\u202f": "\xa0", "\u2013": "-", "\u2014": "-", "\u2019": "'"})
OVERDUE_RGB = (213, 94, 0)  # Okabe-Ito vermillion, as on the page


def unicode_font() -> tuple[Path, Path] | None:
    """A regular and a bold TrueType font with wide Unicode coverage, if the system has one."""
    for folder in FONT_DIRS:
        for regular, bold in FONT_FILES:
            if (folder / regular).exists() and (folder / bold).exists():
                return folder / regular, folder / bold
    return None


class ReportPDF(FPDF):
    """A4 pages with the report's name and the page number in the footer."""

    def __init__(self, footer_text: str, page_label: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text, self.page_label = footer_text, page_label
        self.family = "Helvetica"
        self.latin1_only = True
        fonts = unicode_font()
        if fonts is not None:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            self.family, self.latin1_only = "Body", False
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()

    def clean(self, text: object) -> str:
        text = "" if text is None else str(text)
        if self.latin1_only:  # the nearest Latin-1 for the usual typography, "?" for the rest
            text = text.translate(LATIN1_NEAREST)
            return text.encode("latin-1", "replace").decode("latin-1")
        return text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(90, 90, 90)
        label = self.page_label.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 6, self.clean(f"{self.footer_text} · {label}"), align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(3)
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 10)
        self.ln(1)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 5, self.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def grid(self, header: list[str], rows: list[list[str]], widths: tuple, marked=()) -> None:
        """A table with a repeated heading row; rows whose index is in ``marked`` in colour."""
        self.set_font(self.family, "", 8)
        bold = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
        with self.table(
            col_widths=widths, headings_style=bold, line_height=4.5, text_align="LEFT"
        ) as table:
            table.row([self.clean(h) for h in header])
            for i, row in enumerate(rows):
                style = FontFace(color=OVERDUE_RGB, emphasis="BOLD") if i in marked else None
                table.row([self.clean(c) for c in row], style=style)
        self.set_font(self.family, "", 10)


def report_pdf(doc: ReportDocument, charts: list[dict], lang: str) -> bytes:
    """The report as PDF bytes: heading, charts, indicator table with sources, roadmap status
    with narratives, and the review comments."""
    t = translator(lang)
    title = t("print_title").format(country=doc.country_name, year=doc.year)
    pdf = ReportPDF(f"{doc.country_name} {doc.year} · {doc.source_id}", t("page_of"))
    pdf.set_title(pdf.clean(title))
    pdf.set_author(pdf.clean(doc.ministry))
    pdf.set_creator("target87")
    pdf.add_page()
    pdf.heading(title, 16)
    pdf.paragraph(
        f"{doc.ministry} · M49 {doc.m49 or '-'} · {t('state')}: {t('state_' + doc.state)}"
    )
    pdf.paragraph(t("print_source").format(source=doc.source_id))
    if doc.citation:
        pdf.paragraph(f"{t('citation')}: {doc.citation}", 9)

    for spec in charts:
        pdf.image(io.BytesIO(chart_png(spec)), w=pdf.epw)
        pdf.paragraph(spec.get("description", ""), 8)
        pdf.ln(2)

    pdf.heading(t("indicator_values"))
    header = [t("series"), t("period"), t("sex"), t("age"), t("value"), t("source"), t("earlier")]
    rows = []
    for v in doc.values:
        earlier = v.earlier
        before = (
            f"{format_number(earlier['value'], lang, 2)} ({earlier['period']}, {earlier['source']})"
            if earlier
            else "—"
        )
        note = f" — {v.footnote}" if v.footnote else ""
        value = f"{format_number(v.value, lang, 2)} {unit_text(v.unit)}".strip()
        rows.append(
            [f"{v.name} ({v.series}){note}", v.period, t(f"sex_{v.sex}"), age_text(v.age, t),
             value, doc.source_id, before]
        )  # fmt: skip
    if rows:
        pdf.grid(header, rows, (34, 9, 9, 9, 11, 16, 16))
    else:
        pdf.paragraph(t("no_values"))

    pdf.heading(t("roadmap_status"))
    pdf.paragraph(t("as_of_date").format(date=date_label(doc.as_of.isoformat(), lang)), 9)
    for c in doc.commitments:
        pdf.heading(c.title, 11)
        if c.narrative:
            pdf.paragraph(c.narrative)
        if c.actions:
            header = [t("action"), t("owner"), t("start"), t("due"), t("status")]
            rows = [
                [a["title"] + (f" — {a['progress_notes']}" if a["progress_notes"] else ""),
                 a["owner_institution"], a["start_date"] or "—", a["due_date"] or "—",
                 t(f"action_{a['status']}") + (f" ({t('overdue')})" if a["overdue"] else "")]
                for a in c.actions
            ]  # fmt: skip
            marked = {i for i, a in enumerate(c.actions) if a["overdue"]}
            pdf.grid(header, rows, (40, 22, 12, 12, 14), marked)

    if doc.comments:
        pdf.heading(t("review_comments"))
        for c in doc.comments:
            pdf.paragraph(f"{c['at']:%Y-%m-%d %H:%M} UTC · {c['author']} · {c['transition']}", 8)
            pdf.paragraph(c["text"])
    return bytes(pdf.output())
