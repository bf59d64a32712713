"""Tables of national reporting: accounts, login attempts, the audit trail, agreed indicators,
roadmaps, annual reports with their values, narratives, review comments and attachments.

They share the warehouse's ``Base`` (and so its metadata and naming convention): a report's
values refer to the warehouse's areas and series, and publishing writes observations beside
them. Rows edited by people carry a ``version`` (SQLAlchemy's ``version_id_col``): an UPDATE
only succeeds on the version it read, which is the optimistic lock behind ``ConflictError``.
Times are naive UTC, like ``LoadRecord.loaded_at``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from target87.reporting.errors import NotFound
from target87.store.models import Base

ROLES = ("admin", "secretariat", "focal_point", "viewer")
COUNTRY_ROLES = ("focal_point", "viewer")  # roles tied to one country
STATES = ("draft", "submitted", "returned", "approved", "published")
ACTION_STATUSES = ("planned", "under_way", "done", "delayed", "dropped")


def utcnow() -> datetime:
    """Now in UTC, without tzinfo (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_json(data: Any) -> str | None:
    return None if data is None else json.dumps(data, sort_keys=True, ensure_ascii=False)


class User(Base):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(ForeignKey("area.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Bumped when the role, the active flag or the password changes: session tokens carry
    # the epoch they were issued in, so older tokens stop working at once.
    auth_epoch: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return f"{self.display_name} <{self.email}>"

    def as_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "display_name": self.display_name,
            "role": self.role,
            "country": self.country,
            "active": self.active,
        }


class LoginAttempt(Base):
    """One login attempt: the rate limit counts these, so it holds across restarts and
    workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_key", "email", "ip", "at"),
        Index("ix_login_attempt_ip", "ip", "at"),  # the limit per address, across accounts
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class UserSession(Base):
    """One signed-in session, held on the server so that it can be ended: at sign-out, by
    "sign out everywhere", when the account's password, role or active flag changes, after
    ``idle`` without a request and at its absolute end. The cookie carries a random session id;
    this row holds only its sha256, so a copy of the database opens no session."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the session id
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the absolute end
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class AuditEvent(Base):
    """One change, append-only: the application refuses to update or delete these (see
    ``audit.py``) and so does the database (triggers of migration 0002). No foreign keys:
    the record stands on its own whatever happens to the rows it describes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(160))
    country: Mapped[str | None] = mapped_column(String(32), index=True)
    report_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))

    @property
    def before_data(self) -> Any:
        return None if self.before is None else json.loads(self.before)

    @property
    def after_data(self) -> Any:
        return None if self.after is None else json.loads(self.after)


class AgreedIndicator(Base):
    """A series a country reports on, with the sex/age cells it reports (JSON list of
    ``"sex/age"``)."""

    __tablename__ = "agreed_indicator"
    __table_args__ = (UniqueConstraint("country", "series", name="uq_agreed_indicator_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(ForeignKey("area.code"))
    series: Mapped[str] = mapped_column(ForeignKey("series.code"))
    breakdowns: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(Text)

    @property
    def cells(self) -> list[tuple[str, str]]:
        return [tuple(b.split("/", 1)) for b in json.loads(self.breakdowns)]  # type: ignore[misc]


class Commitment(Base):
    __tablename__ = "roadmap_commitment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(ForeignKey("area.code"), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    actions: Mapped[list[Action]] = relationship(
        back_populates="commitment", order_by="Action.id", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}


class Action(Base):
    __tablename__ = "roadmap_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("roadmap_commitment.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner_institution: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    budget_amount: Mapped[float | None] = mapped_column(Float)
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    funded_share: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    progress_notes: Mapped[str | None] = mapped_column(Text)
    # A code of the evidence room's intervention taxonomy (migration 0008): the roadmap page
    # shows the pooled evidence for it. A plain code: reporting does not import evidence.
    intervention: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    commitment: Mapped[Commitment] = relationship(back_populates="actions")
    targets: Mapped[list[ActionTarget]] = relationship(
        order_by="ActionTarget.series", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}


class ActionTarget(Base):
    """An indicator an action is meant to move, with its target value and year."""

    __tablename__ = "roadmap_target"
    __table_args__ = (UniqueConstraint("action_id", "series", name="uq_roadmap_target_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("roadmap_action.id"))
    series: Mapped[str] = mapped_column(ForeignKey("series.code"))
    target_value: Mapped[float] = mapped_column(Float)
    target_year: Mapped[int] = mapped_column(Integer)


class Report(Base):
    __tablename__ = "national_report"
    __table_args__ = (UniqueConstraint("country", "year", name="uq_national_report_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(ForeignKey("area.code"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    ministry: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("source.id"))
    # The roadmap as it stood when the report was published (JSON): a published report
    # must not change when the roadmap moves on.
    roadmap_snapshot: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[list[ReportValue]] = relationship(
        order_by="ReportValue.id", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        return f"report {self.country} {self.year}"


class ReportValue(Base):
    __tablename__ = "report_value"
    __table_args__ = (
        UniqueConstraint(
            "report_id", "series", "time_period", "sex", "age", "urbanisation",
            name="uq_report_value_key",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("national_report.id"))
    series: Mapped[str] = mapped_column(ForeignKey("series.code"))
    time_period: Mapped[str] = mapped_column(String(16))
    sex: Mapped[str] = mapped_column(String(4))
    age: Mapped[str] = mapped_column(String(16))
    urbanisation: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    lower_bound: Mapped[float | None] = mapped_column(Float)
    upper_bound: Mapped[float | None] = mapped_column(Float)
    obs_status: Mapped[str] = mapped_column(String(4))
    nature: Mapped[str | None] = mapped_column(String(4))
    footnote: Mapped[str | None] = mapped_column(Text)


class Narrative(Base):
    """What the country reports on one roadmap commitment in one annual report."""

    __tablename__ = "report_narrative"
    __table_args__ = (
        UniqueConstraint("report_id", "commitment_id", name="uq_report_narrative_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("national_report.id"))
    commitment_id: Mapped[int] = mapped_column(ForeignKey("roadmap_commitment.id"))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(Text)


class ReviewComment(Base):
    """A reviewer's comment on a transition (kept forever, also after the report moves on)."""

    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("national_report.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(Text)
    transition: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)


class Attachment(Base):
    """A file attached to a report: its bytes live on disk under their sha256."""

    __tablename__ = "report_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("national_report.id"), index=True)
    filename: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(Text)


def load_report(session: Session, report_id: int) -> Report:
    """The report with this id, whoever asks (permissions are the caller's); else NotFound."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"no report {report_id}")
    return report
