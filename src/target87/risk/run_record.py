"""The warehouse table of published CLRISK runs (:class:`RiskRunRecord`), for the web pages.

A run is published as the document ``RiskRun.to_dict()`` gives: the disclosure-controlled
tables only (no unit-level score is ever in it), with its provenance and the synthetic flag.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from target87.store.models import Base


class RiskRunRecord(Base):
    __tablename__ = "risk_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(ForeignKey("area.code"), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    published_at: Mapped[datetime] = mapped_column(DateTime)
    document: Mapped[str] = mapped_column(Text)
