"""The directory of organisations and services a person or a ministry looks for, per country:
national rapporteurs and coordination bodies, labour inspectorates, hotlines, shelters and
referral mechanisms for victims and survivors of trafficking and forced labour, child
protection services; each with its contact, the languages it works in, where the entry was
read (``source``) and the date it was last checked (``checked_on``, never in the future).

Entered, reviewed and published through the cycle of ``library.records``. An entry describes
an organisation and never holds personal data about victims or survivors: its phone, email and
address are the organisation's public ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.library import record_fields as fields
from target87.library import records
from target87.library.models import SERVICE_TYPES, ServiceEntry
from target87.library.record_fields import Problems
from target87.library.records import Checked, RecordKind
from target87.reporting.permissions import Actor

KIND = RecordKind(
    name="service",
    model=ServiceEntry,
    entity="service_entry",
    label="directory entry",
    title_field="name",
    text_fields=("description", "address", "source"),
)
FIELDS = (
    "name",
    "country",
    "language",
    "service_type",
    "description",
    "phone",
    "email",
    "website",
    "address",
    "languages",
    "source",
    "checked_on",
    "source_url",
)
REQUIRED = ("name", "country", "language", "service_type", "source", "checked_on")
STORED = FIELDS


def clean(
    session: Session,
    data: Mapping[str, Any],
    known_interventions: Collection[str] | None = None,  # unused: one signature for both kinds
    today: date | None = None,
) -> Checked:
    """Check a form or a file's row; ``ValidationFailed`` names every field in trouble."""
    problems = Problems()
    values: dict[str, Any] = fields.common_fields(data, problems)
    values["name"] = fields.text_value(
        data, "name", problems, required=True, limit=fields.MAX_TITLE
    )
    values["service_type"] = fields.choice(data, "service_type", problems, SERVICE_TYPES)
    values["description"] = fields.text_value(data, "description", problems) or ""
    values["phone"] = fields.phone_value(data, "phone", problems)
    values["email"] = fields.email_value(data, "email", problems)
    values["website"] = fields.url_value(data, "website", problems)
    values["address"] = fields.text_value(data, "address", problems, limit=2000)
    languages = fields.code_list(data, "languages", problems, pattern=fields.LANGUAGE_CODE)
    values["languages"] = ";".join(languages)
    values["source"] = fields.text_value(data, "source", problems, required=True, limit=2000)
    values["checked_on"] = fields.date_value(data, "checked_on", problems, today)
    fields.check_country(session, values["country"], problems)
    problems.raise_if_any()
    return Checked(values)


def attach(session: Session, record: ServiceEntry, checked: Checked) -> None:
    """Nothing to link (a directory entry has no roadmap actions)."""


def create(session: Session, actor: Actor, data: Mapping[str, Any]) -> ServiceEntry:
    """A new draft directory entry of the actor (who may edit its country's report)."""
    try:
        checked = clean(session, data)
    except BaseException:
        session.rollback()
        raise
    return records.create(session, actor, KIND, checked.values)


def edit(session: Session, actor: Actor, entry_id: int, data: Mapping[str, Any]) -> ServiceEntry:
    """New values for a draft or returned directory entry."""
    try:
        records.editable(session, actor, KIND, entry_id)
        checked = clean(session, data)
    except BaseException:
        session.rollback()
        raise
    return records.edit(session, actor, KIND, entry_id, checked.values)


def for_country(session: Session, country: str) -> list[ServiceEntry]:
    """A country's published entries by type then name: what its profile shows."""
    stmt = (
        select(ServiceEntry)
        .where(ServiceEntry.country == country, ServiceEntry.status == "published")
        .order_by(ServiceEntry.service_type, ServiceEntry.name)
    )
    return list(session.execute(stmt).scalars())


def languages_of(entry: ServiceEntry) -> list[str]:
    return [code for code in (entry.languages or "").split(";") if code]
