"""What the other rooms hold for one country, for its profile to link to: published CLRISK
risk runs, published national reports (the public may read both), the impact evaluations
of the evidence base done there, and the library's published documents, good practices and
directory of services about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.evidence.query import studies_in_country
from target87.library import FindFilters, find, services
from target87.reporting.models import Report
from target87.risk.catalog import public_document
from target87.risk.run_record import RiskRunRecord


@dataclass
class RiskRunLine:
    id: int
    name: str
    synthetic: bool
    published_at: datetime


@dataclass
class ReportLine:
    id: int
    year: int
    ministry: str
    published_at: datetime | None


def risk_runs(session: Session, country: str) -> list[RiskRunLine]:
    rows = session.execute(
        select(RiskRunRecord).where(RiskRunRecord.country == country).order_by(RiskRunRecord.id)
    ).scalars()
    # Only the runs the risk pages would show: a stored run today's checks refuse is not linked.
    return [
        RiskRunLine(r.id, r.name, r.synthetic, r.published_at)
        for r in rows
        if public_document(r) is not None
    ]


def published_reports(session: Session, country: str) -> list[ReportLine]:
    rows = session.execute(
        select(Report)
        .where(Report.country == country, Report.state == "published")
        .order_by(Report.year.desc())
    ).scalars()
    return [ReportLine(r.id, r.year, r.ministry, r.published_at) for r in rows]


@dataclass
class StudyLine:
    id: str
    citation: str
    year: int
    design: str
    interventions: list[str]


def studies_in(session: Session, country: str) -> list[StudyLine]:
    """The evidence base's studies done (partly) in ``country``, newest first; the worked
    examples never (they are not evidence about child labour)."""
    return [
        StudyLine(s.id, s.citation, s.year, s.design, sorted({e.intervention for e in s.effects}))
        for s in studies_in_country(session, country, examples=False)
    ]


@dataclass
class ShelfLine:
    kind: str  # document | practice
    id: int
    title: str
    type: str | None
    year: int | None


@dataclass
class ServiceLine:
    id: int
    name: str
    type: str
    phone: str | None
    email: str | None
    website: str | None
    languages: list[str]
    checked_on: date


SHELF_SIZE = 10


def library_shelf(session: Session, country: str) -> tuple[int, list[ShelfLine]]:
    """The library's published documents and good practices about ``country``, newest
    first: how many there are, and the first ``SHELF_SIZE``."""
    found = find(
        session.get_bind(),
        "",
        filters=FindFilters(kind=("document", "practice"), country=(country,)),
        limit=SHELF_SIZE,
    )
    return found.total, [ShelfLine(h.kind, h.id, h.title, h.type, h.year) for h in found.hits]


def directory(session: Session, country: str) -> list[ServiceLine]:
    """The country's published directory of services, by type then name."""
    return [
        ServiceLine(
            e.id,
            e.name,
            e.service_type,
            e.phone,
            e.email,
            e.website,
            services.languages_of(e),
            e.checked_on,
        )
        for e in services.for_country(session, country)
    ]
