"""The evidence base's tables: studies, their countries, their effects, and the intervention
taxonomy the effects refer to.

A study is keyed by the id its file gives it (so importing the same study again updates it);
an effect by (study, its own id within the study). ``worked_example`` marks the classic
public data sets shipped to show the methods (BCG vaccine trials, ...): they are never mixed
with the real evidence base unless asked for. Estimates are kept as the file gave them: an
estimate with its variance or standard error, and/or the raw counts or means, SDs and ns it
can be computed from. Times are naive UTC, like ``LoadRecord.loaded_at``.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from target87.store.models import Base

# The numbers an effect may carry, as metafor names them (see docs/evidence-format.md).
ESTIMATE_COLUMNS = ("yi", "vi", "sei")
COUNT_COLUMNS = ("ai", "bi", "ci", "di", "n1i", "n2i")
MEANS_COLUMNS = ("m1i", "m2i", "sd1i", "sd2i")
NUMBER_COLUMNS = ESTIMATE_COLUMNS + COUNT_COLUMNS + MEANS_COLUMNS


class InterventionType(Base):
    """One type of the documented taxonomy (``evidence/data/interventions.yaml``)."""

    __tablename__ = "evidence_intervention_type"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    definition: Mapped[str] = mapped_column(Text)


class Study(Base):
    __tablename__ = "evidence_study"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    citation: Mapped[str] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    design: Mapped[str] = mapped_column(String(32))  # rct | quasi_experimental
    quality: Mapped[str | None] = mapped_column(String(16))  # high | moderate | low | very_low
    programme: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    worked_example: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    dataset: Mapped[str | None] = mapped_column(String(64))  # a worked example's data set
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    countries: Mapped[list[StudyCountry]] = relationship(
        order_by="StudyCountry.position", cascade="all, delete-orphan"
    )
    effects: Mapped[list[Effect]] = relationship(
        back_populates="study", order_by="Effect.id", cascade="all, delete-orphan"
    )

    @property
    def country_codes(self) -> list[str]:
        return [c.country for c in self.countries]


class StudyCountry(Base):
    """A country a study took place in (in the order the file lists them)."""

    __tablename__ = "evidence_study_country"

    study_id: Mapped[str] = mapped_column(ForeignKey("evidence_study.id"), primary_key=True)
    country: Mapped[str] = mapped_column(ForeignKey("area.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Effect(Base):
    __tablename__ = "evidence_effect"
    __table_args__ = (UniqueConstraint("study_id", "effect_id", name="uq_evidence_effect_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("evidence_study.id"), index=True)
    effect_id: Mapped[str] = mapped_column(String(64))
    intervention: Mapped[str] = mapped_column(ForeignKey("evidence_intervention_type.code"))
    intervention_label: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32))
    outcome_label: Mapped[str | None] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(16))
    yi: Mapped[float | None] = mapped_column(Float)
    vi: Mapped[float | None] = mapped_column(Float)
    sei: Mapped[float | None] = mapped_column(Float)
    ai: Mapped[float | None] = mapped_column(Float)
    bi: Mapped[float | None] = mapped_column(Float)
    ci: Mapped[float | None] = mapped_column(Float)
    di: Mapped[float | None] = mapped_column(Float)
    n1i: Mapped[float | None] = mapped_column(Float)
    n2i: Mapped[float | None] = mapped_column(Float)
    m1i: Mapped[float | None] = mapped_column(Float)
    m2i: Mapped[float | None] = mapped_column(Float)
    sd1i: Mapped[float | None] = mapped_column(Float)
    sd2i: Mapped[float | None] = mapped_column(Float)
    age_band: Mapped[str | None] = mapped_column(String(16))  # "5-17"
    sex: Mapped[str] = mapped_column(String(4), default="_T")  # _T | F | M
    follow_up_months: Mapped[float | None] = mapped_column(Float)
    moderators: Mapped[str | None] = mapped_column(Text)  # JSON object of the mod_* columns
    notes: Mapped[str | None] = mapped_column(Text)
    study: Mapped[Study] = relationship(back_populates="effects")

    @property
    def moderator_values(self) -> dict[str, str]:
        return json.loads(self.moderators) if self.moderators else {}

    @property
    def variance(self) -> float | None:
        """The estimate's variance: ``vi``, else ``sei`` squared, else None (raw data only)."""
        if self.vi is not None:
            return self.vi
        return None if self.sei is None else self.sei**2
