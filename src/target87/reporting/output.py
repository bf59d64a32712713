"""The annual country report as a document: a print-ready HTML page, a PDF made without a
browser (``pdf.py``), and the SDMX-CSV of its approved values for the custodian agency.

``report_document`` gathers what the report says (values with their sources, the roadmap's
status with the narratives, the reviewers' comments) as plain data; the charts are Vega-Lite
specs drawn offline by vl-convert, as SVG inside the HTML and as PNG for the PDF.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from target87 import store
from target87.presentation import date_label, format_number, translator
from target87.presentation.charts import roadmap_gantt_spec, series_by_sex_spec
from target87.presentation.rendering import environment
from target87.reporting.action_fields import action_dict, overdue
from target87.reporting.cells import report_source_id, series_info
from target87.reporting.errors import Forbidden
from target87.reporting.models import ACTION_STATUSES
from target87.reporting.permissions import Actor, require
from target87.reporting.publish import SdmxExport, export_sdmx
from target87.reporting.reports import comments, get_report, narratives
from target87.reporting.roadmap import roadmap
from target87.store.models import Area, Source

CHART_WIDTH = 640  # px: the page's column; PNGs are drawn at twice this for print
PRINT_CSS = "reporting-print.css"  # in the presentation floor's static folder


@dataclass
class ValueLine:
    series: str
    name: str
    unit: str
    sex: str
    age: str
    period: str
    value: float
    footnote: str | None
    earlier: dict | None = None  # the latest earlier value held: period, value, source


@dataclass
class CommitmentPart:
    title: str
    narrative: str | None
    actions: list[dict]  # action_dict(...) plus "overdue"


@dataclass
class ReportDocument:
    report_id: int
    country: str
    country_name: str
    m49: str | None
    year: int
    state: str
    ministry: str
    source_id: str
    citation: str | None  # once published
    as_of: date
    stamps: dict[str, datetime | None]
    values: list[ValueLine] = field(default_factory=list)
    commitments: list[CommitmentPart] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)

    @property
    def actions(self) -> list[dict]:
        return [a for c in self.commitments for a in c.actions]

    def summary(self) -> str:
        late = sum(a["overdue"] for a in self.actions)
        lines = [
            f"Annual national report: {self.country_name} ({self.country}), {self.year}",
            f"state {self.state}; source {self.source_id}; roadmap as of {self.as_of}",
            f"{len(self.values)} values, {len(self.commitments)} commitments, "
            f"{len(self.actions)} actions ({late} overdue), {len(self.comments)} comments",
        ]
        lines += [
            f"  {v.series:<16} {v.period:<9} {v.sex:<3} {v.age:<7} {v.value:>12g} {v.unit}"
            for v in self.values
        ]
        return "\n".join(lines)


def _roadmap_parts(
    session: Session, actor: Actor, report, today: date
) -> tuple[list[CommitmentPart], date]:
    """The roadmap as published (frozen) or, for a report in progress, as it stands."""
    if report.state == "published" and report.roadmap_snapshot:
        snap = json.loads(report.roadmap_snapshot)
        parts = [
            CommitmentPart(c["title"], c.get("narrative"), c["actions"])
            for c in snap["commitments"]
        ]
        return parts, date.fromisoformat(snap["as_of"])
    texts = narratives(session, actor, report.id)
    parts = []
    for c in roadmap(session, actor, report.country):
        late = {a.id for a in overdue(c.actions, today)}
        actions = [{**action_dict(a), "overdue": a.id in late} for a in c.actions]
        parts.append(CommitmentPart(c.title, texts.get(c.id), actions))
    return parts, today


def _earlier_values(session: Session, report, codes: list[str]) -> dict[tuple, dict]:
    """Per (series, sex, age): the latest value before the report's year from another source."""
    if not codes:
        return {}
    frame = store.observations(session, series=codes, areas=[report.country])
    frame = frame[(frame["source"] != report_source_id(report)) & (frame["year_to"] < report.year)]
    latest = {}
    for row in frame.sort_values("year_to").itertuples():
        latest[(row.series, row.sex, row.age)] = {
            "period": row.time_period,
            "value": float(row.value),
            "source": row.source,
        }
    return latest


def _may(actor: Actor, action: str, country: str) -> bool:
    try:
        require(actor, action, country)
    except Forbidden:
        return False
    return True


def report_document(
    session: Session, actor: Actor, report_id: int, lang: str = "en", today: date | None = None
) -> ReportDocument:
    """Everything the printed report shows, if ``actor`` may read the report."""
    report = get_report(session, actor, report_id)
    area = session.get(Area, report.country)
    today = today or date.today()
    parts, as_of = _roadmap_parts(session, actor, report, today)
    source = session.get(Source, report.source_id) if report.source_id else None
    doc = ReportDocument(
        report_id=report.id,
        country=report.country,
        country_name=area.name(lang) if area else report.country,
        m49=area.m49 if area else None,
        year=report.year,
        state=report.state,
        ministry=report.ministry,
        source_id=report_source_id(report),
        citation=source.citation if source else None,
        as_of=as_of,
        stamps={
            "submitted": report.submitted_at,
            "approved": report.approved_at,
            "published": report.published_at,
        },
        commitments=parts,
        comments=[
            {"at": c.at, "author": c.author, "transition": c.transition, "text": c.text}
            for c in comments(session, actor, report.id)
        ]
        if _may(actor, "read_unpublished", report.country)
        else [],  # the review's exchanges stay inside, also once the report is public
    )
    info = series_info(session, {v.series for v in report.values})
    earlier = _earlier_values(session, report, sorted(info))
    for v in sorted(report.values, key=lambda x: (x.series, x.time_period, x.sex, x.age)):
        series = info[v.series]
        doc.values.append(
            ValueLine(
                v.series, series.name(lang), series.unit, v.sex, v.age, v.time_period, v.value,
                v.footnote, earlier.get((v.series, v.sex, v.age)),
            )
        )  # fmt: skip
    return doc


def gantt_spec(doc: ReportDocument, t) -> dict | None:
    """The roadmap timeline of the report (the Gantt spec of presentation.charts), or None
    without dates."""
    rows = [
        {
            "action": a["title"],
            "commitment": c.title,
            "owner": a["owner_institution"],
            "start": a["start_date"],
            "due": a["due_date"],
            "status": t(f"action_{a['status']}"),
            "overdue": bool(a["overdue"]),
        }
        for c in doc.commitments
        for a in c.actions
        if a["start_date"] and a["due_date"]
    ]
    if not rows:
        return None
    labels = {
        "overdue": t("overdue"),
        "today": t("as_of"),
        "status": t("status"),
        "statuses": [t(f"action_{s}") for s in ACTION_STATUSES],
    }
    text = t("gantt_text").format(n=len(rows), total=len(doc.actions))
    return roadmap_gantt_spec(pd.DataFrame(rows), t("roadmap_timeline"), text, labels, doc.as_of)


def history_specs(session: Session, doc: ReportDocument, t) -> list[dict]:
    """For each percentage series of the report: its values by sex over the years, the
    earlier ones from the warehouse and this report's, on one chart."""
    specs = []
    for code in sorted({v.series for v in doc.values if v.unit == "PT"}):
        mine = [v for v in doc.values if v.series == code and v.period.isdigit()]
        age = "Y5T17" if any(v.age == "Y5T17" for v in mine) else mine[0].age if mine else None
        if age is None:
            continue
        held = store.observations(session, series=[code], areas=[doc.country], age=[age])
        held = held[
            (held["urbanisation"] == "_T")
            & (held["breakdown"] == "_T")
            & held["time_period"].str.fullmatch(r"\d{4}")
            & (held["source"] != doc.source_id)
        ]
        ours = pd.DataFrame(
            {"year_to": int(v.period), "value": v.value, "sex": v.sex, "nature": "C",
             "source": doc.source_id, "lower_bound": None, "upper_bound": None}
            for v in mine if v.age == age
        )  # fmt: skip
        frame = pd.concat([held, ours], ignore_index=True)
        labels = {"_T": t("total"), "F": t("girls"), "M": t("boys")}
        labels |= {"survey": t("survey"), "modelled": t("modelled")}
        title = f"{mine[0].name} ({age_text(age, t)})"
        text = t("by_sex_text").format(title=title, n=len(frame))
        specs.append(series_by_sex_spec(frame, title, "%", labels, text))
    return specs


def age_text(code: str, t) -> str:
    """An SDMX age code as people write it: Y5T17 -> 5-17, Y_GE18 -> 18+, _T -> all ages."""
    if code == "_T":
        return t("all_ages")
    if code.startswith(("Y_GE", "Y_LT")):
        return f"{code[4:]}+" if code.startswith("Y_GE") else f"<{code[4:]}"
    low, _, high = code[1:].partition("T")
    return f"{low}–{high}" if high else code


def unit_text(unit: str) -> str:
    """A unit as printed after a number: PT -> %, a count -> nothing, others as coded."""
    return {"PT": "%", "NUMBER": ""}.get(unit, unit)


def fixed_width(spec: dict, width: int = CHART_WIDTH) -> dict:
    """The spec with a fixed width (offline rendering has no container to fill)."""
    return {**spec, "width": width}


@lru_cache(maxsize=64)
def _drawn(spec_json: str, kind: str, scale: float) -> str | bytes:
    """A chart drawn by vl-convert; kept, since the same report is printed again and again."""
    import vl_convert as vlc

    spec = json.loads(spec_json)
    return vlc.vegalite_to_svg(spec) if kind == "svg" else vlc.vegalite_to_png(spec, scale=scale)


def chart_svg(spec: dict) -> str:
    return _drawn(json.dumps(fixed_width(spec), sort_keys=True), "svg", 1)


def chart_png(spec: dict, scale: float = 2) -> bytes:
    return _drawn(json.dumps(fixed_width(spec), sort_keys=True), "png", scale)


def report_charts(session: Session, doc: ReportDocument, t) -> list[dict]:
    """The report's charts as specs: the roadmap timeline, then the indicators' history."""
    gantt = gantt_spec(doc, t)
    return ([gantt] if gantt else []) + history_specs(session, doc, t)


def print_html(
    doc: ReportDocument, charts: list[dict], lang: str, *, css: str | None = None
) -> str:
    """The print-ready page: charts as inline SVG; the print stylesheet linked from the site
    (``css`` None) or written into the page (``css``: its text, for a file on its own)."""
    svgs = [{"svg": chart_svg(spec), "description": spec.get("description", "")} for spec in charts]
    template = environment().get_template("reporting/print.html")
    return template.render(
        doc=doc,
        charts=svgs,
        lang=lang,
        t=translator(lang),
        num=lambda v, d=1: format_number(v, lang, d),
        day=lambda v: date_label(v.isoformat() if hasattr(v, "isoformat") else v, lang),
        age=lambda code: age_text(code, translator(lang)),
        unit=unit_text,
        css=css,
    )


def sdmx_csv(session: Session, actor: Actor, report_id: int) -> tuple[bytes, SdmxExport]:
    """The SDMX-CSV of an approved or published report (see ``publish.export_sdmx``)."""
    with tempfile.TemporaryDirectory() as tmp:
        done = export_sdmx(session, actor, report_id, Path(tmp) / "report.csv")
        return done.path.read_bytes(), done
