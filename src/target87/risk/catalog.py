"""Publish a saved CLRISK run to the warehouse, for the web platform's risk pages.

The catalogue of stored runs: :func:`publish_run` stores one, :func:`published_runs` and
:func:`public_document` read them back, :func:`recheck_published` and :func:`withdraw_run`
look after them. The tables inside a run were prepared when it ran
(:func:`target87.risk.published_tables.assemble_published_tables`).

What is published is the run's saved document (``run.json``). Publishing trusts nothing in it:
:func:`~target87.risk.run_check.check_run_document` accepts only the fields of the shipped
schema (``risk/data/run.schema.json``), refuses anything child-level and re-applies disclosure
control from the counts in the document under its thresholds (never below the published
floors), never from its flags. Every check runs before the session is touched, so a refused
document stores nothing (the command line publishes in one transaction). Publishing the same
document twice is refused by its checksum.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.risk.errors import RiskError
from target87.risk.report_html import read_run_json
from target87.risk.run_check import RunDocumentError, check_run_document
from target87.risk.run_record import RiskRunRecord
from target87.store import models as M


class RiskPublishError(RiskError):
    """A run that cannot be published, with the reason."""


def publish_run(session: Session, path: Path, country: str | None = None) -> RiskRunRecord:
    """Store the run saved at ``path`` (its ``run.json``) once every check of
    :func:`~target87.risk.run_check.check_run_document` holds; returns the stored record.
    A refusal (:class:`RiskPublishError`) adds nothing to ``session``."""
    run = read_run_json(path)
    try:
        check_run_document(run)
    except RunDocumentError as exc:
        raise RiskPublishError(f"{path}: not published: {exc}") from None
    if country is not None and session.get(M.Area, country.upper()) is None:
        raise RiskPublishError(f"unknown country code {country!r}")
    # The digest ignores key order; the stored text keeps it (tables' column order).
    canonical = json.dumps(run, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    text = json.dumps(run, ensure_ascii=False)
    same = session.execute(select(RiskRunRecord).where(RiskRunRecord.sha256 == digest)).scalar()
    if same is not None:
        raise RiskPublishError(f"{path}: already published as run {same.id}")
    record = RiskRunRecord(
        name=str(run.get("name") or Path(path).parent.name),
        country=country.upper() if country else None,
        synthetic=bool(run["synthetic"]),
        sha256=digest,
        published_at=datetime.now(UTC).replace(tzinfo=None),
        document=text,
    )
    session.add(record)
    session.flush()
    return record


def recheck_published(session: Session) -> list[tuple[RiskRunRecord, str | None]]:
    """Every stored run with the reason the checks of today refuse it (None when it passes):
    runs published before them (or written into the database by other means) are found."""
    found = []
    for record in published_runs(session):
        try:
            check_run_document(json.loads(record.document))
        except (RunDocumentError, ValueError) as exc:
            found.append((record, str(exc)))
        else:
            found.append((record, None))
    return found


def withdraw_run(session: Session, run_id: int) -> RiskRunRecord:
    """Remove a published run from the warehouse (and so from the web pages)."""
    record = session.get(RiskRunRecord, run_id)
    if record is None:
        raise RiskPublishError(f"no published run {run_id}")
    session.delete(record)
    session.flush()
    return record


def published_runs(session: Session) -> list[RiskRunRecord]:
    return list(session.execute(select(RiskRunRecord).order_by(RiskRunRecord.id)).scalars())


def run_document(record: RiskRunRecord) -> dict[str, Any]:
    return json.loads(record.document)


def public_document(record: RiskRunRecord) -> dict[str, Any] | None:
    """The run's document if today's checks accept it, else None: a run stored before them
    (or by other means) that they refuse is never shown, whatever its flags say."""
    try:
        doc = json.loads(record.document)
        check_run_document(doc)
    except (RunDocumentError, ValueError):
        return None
    return doc
