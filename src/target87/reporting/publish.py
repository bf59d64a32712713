"""Publishing an approved report into the warehouse, and its SDMX-CSV for the custodian.

Publishing writes, in one transaction: a ``Source`` row for the report (publisher = the
ministry, a citation naming the country, the year and the report id), one ``Observation`` per
value (reporting type ``N``, the report as source; the rules are run again first), a
``LoadRecord`` (the data version the web caches follow), the roadmap as it stood, the new
state and an audit event. From then on the warehouse's query functions, the country profile
and the API show the values with the report as their source; before, nothing of the report
is in ``observation`` at all.

A nationally reported value ranks after the custodians' databases where both hold the same
cell (``NATIONAL_PRIORITY``; see ``store.preference``): both are kept, the custodian's is
shown by default, as the field's practice of a single official global series asks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.interop.sdmx_dsd import sdg_dsd
from target87.interop.sdmx_write import write_sdmx_csv
from target87.interop.table import raw_table, records, typed
from target87.reporting.action_fields import action_dict, overdue
from target87.reporting.cells import ReportTable, check, report_source_id, series_info
from target87.reporting.errors import StateError, ValidationFailed
from target87.reporting.locking import conflict_on, writing
from target87.reporting.models import Commitment, Narrative, Report, as_json, load_report, utcnow
from target87.reporting.permissions import Actor, require
from target87.reporting.workflow import apply, begin
from target87.store.models import Area, LoadRecord, Observation, Source

NATIONAL_PRIORITY = 40
LICENCE = "Official statistics published by the reporting government; reuse with attribution"


def source_row(report: Report, area: Area, published: date) -> dict:
    """The Source of a published report, with its citation line."""
    title = f"Annual national report on SDG Target 8.7: {area.name_en}, {report.year}"
    edition = f"target87 national report {report.id}, published {published.isoformat()}"
    return {
        "id": report_source_id(report),
        "publisher": report.ministry,
        "title": title,
        "edition": edition,
        "year": report.year,
        "url": None,
        "licence": LICENCE,
        "retrieved": published.isoformat(),
        "citation": f"{report.ministry} ({published.year}). {title}. {edition} "
        "(reporting type N: national data).",
        "sha256": None,
        "priority": NATIONAL_PRIORITY,
        "notes": "national report published through target87 national reporting",
    }


def report_table(session: Session, report: Report) -> ReportTable:
    """The report's stored values as a raw observation table (what the rules check)."""
    info = series_info(session, {v.series for v in report.values})
    rows = []
    for v in report.values:
        start, _, end = v.time_period.partition("/")
        rows.append(
            {
                "series": v.series,
                "ref_area": report.country,
                "time_period": v.time_period,
                "year_from": start,
                "year_to": end or start,
                "sex": v.sex,
                "age": v.age,
                "urbanisation": v.urbanisation,
                "value": v.value,
                "lower_bound": v.lower_bound,
                "upper_bound": v.upper_bound,
                "unit": info[v.series].unit,
                "unit_mult": info[v.series].unit_mult,
                "obs_status": v.obs_status,
                "nature": v.nature,
                "reporting_type": "N",
                "footnote": v.footnote,
                "source": report_source_id(report),
            }
        )
    raw = raw_table(rows, file=report.title)
    return ReportTable(raw, [None] * len(raw))


def _roadmap_snapshot(session: Session, report: Report, today: date) -> str:
    """The country's roadmap and the report's narratives as they stand on ``today``."""
    narratives = select(Narrative).where(Narrative.report_id == report.id)
    texts = {n.commitment_id: n.text for n in session.execute(narratives).scalars()}
    commitments = select(Commitment).where(Commitment.country == report.country)
    data = []
    for c in session.execute(commitments.order_by(Commitment.id)).scalars():
        late = {a.id for a in overdue(c.actions, today)}
        actions = [{**action_dict(a), "overdue": a.id in late} for a in c.actions]
        data.append(
            {"id": c.id, "title": c.title, "narrative": texts.get(c.id), "actions": actions}
        )
    return as_json({"as_of": today.isoformat(), "commitments": data})


def publish(session: Session, actor: Actor, report_id: int, expected_version: int | None) -> Report:
    report = begin(session, actor, report_id, "publish", expected_version)
    table = report_table(session, report)
    if errors := [p for p in check(session, report, table) if p.severity == "error"]:
        session.rollback()
        raise ValidationFailed(errors)
    frame = typed(table.raw)
    now = utcnow()
    area = session.get(Area, report.country)
    with writing(session, conflict_on(session, report.title, Report, report.id, report.version)):
        session.add(Source(**source_row(report, area, now.date())))
        session.flush()  # the source before the rows that cite it
        session.add_all(Observation(**row) for row in records(frame))
        digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
        session.add(
            LoadRecord(
                kind="report",
                name=f"{report.title} (id {report.id})",
                digest=digest,
                rows=len(frame),
                loaded_at=now,
            )
        )
        report.source_id = report_source_id(report)
        report.roadmap_snapshot = _roadmap_snapshot(session, report, now.date())
        apply(session, actor, report, "publish")
    return report


@dataclass
class SdmxExport:
    path: Path
    rows: int
    left_out: list[str]  # national series: not in the SDG DSD's SERIES code list


def export_sdmx(session: Session, actor: Actor, report_id: int, path: Path) -> SdmxExport:
    """SDMX-CSV 1.0 of an approved (or published) report's values for the SDG global DSD:
    REF_AREA in M49, REPORTING_TYPE N, only series of the DSD (national ones are listed)."""
    report = load_report(session, report_id)
    published = report.state == "published"
    require(actor, "read_published" if published else "read_unpublished", report.country)
    if report.state not in ("approved", "published"):
        raise StateError(f"{report.title} is {report.state}: only approved values are exported")
    frame = typed(report_table(session, report).raw)
    in_dsd = frame["series"].isin(sdg_dsd().codes["SERIES"])
    left_out = sorted(set(frame.loc[~in_dsd, "series"]))
    rows = write_sdmx_csv(frame[in_dsd].reset_index(drop=True), Path(path), strict=True)
    return SdmxExport(Path(path), rows, left_out)


def values_frame(session: Session, actor: Actor, report_id: int) -> pd.DataFrame:
    """A report's values as a typed observation table (for pages and downloads)."""
    from target87.reporting.reports import get_report

    return typed(report_table(session, get_report(session, actor, report_id)).raw)
