"""What the other rooms hold for one country, for its profile to link to: published CLRISK
risk runs and published national reports (the public may read both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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
