"""Publish a saved CLRISK run to the warehouse, for the web platform's risk pages.

What is published is the run's saved document (``run.json``): its tables are already
disclosure-controlled and it never holds unit-level scores (those are written, on request only,
to a separate file). The document is checked to be one before it goes in; publishing the same
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

from target87.risk.config import RiskError
from target87.risk.models import RiskRunRecord
from target87.risk.report_html import read_run_json
from target87.store import models as M

# Keys a published document must hold, and keys it must never hold.
REQUIRED = ("territories", "classification", "suppression_log", "provenance", "synthetic")
FORBIDDEN = ("unit_scores", "unit_level")


class RiskPublishError(RiskError):
    """A run that cannot be published, with the reason."""


def publish_run(session: Session, path: Path, country: str | None = None) -> RiskRunRecord:
    """Store the run saved at ``path`` (its ``run.json``); returns the stored record."""
    run = read_run_json(path)
    missing = [k for k in REQUIRED if k not in run]
    if missing:
        raise RiskPublishError(f"{path}: not a complete saved run (missing {', '.join(missing)})")
    present = [k for k in FORBIDDEN if k in run]
    if present:
        raise RiskPublishError(f"{path}: holds unit-level data ({', '.join(present)}): refused")
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


def published_runs(session: Session) -> list[RiskRunRecord]:
    return list(session.execute(select(RiskRunRecord).order_by(RiskRunRecord.id)).scalars())


def run_document(record: RiskRunRecord) -> dict[str, Any]:
    return json.loads(record.document)
