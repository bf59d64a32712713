"""Loading a user's observation file (the snapshot's observations.csv format)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from target87.ingest import schema as S
from target87.ingest.writer import Progress, replace_by_source
from target87.store import models as M


def load_observations_csv(
    engine: Engine, path: Path, progress: Progress | None = None
) -> dict[str, int]:
    """Check every row of ``path`` against the store, then replace the observations of each
    source named in the file with the file's rows, in one transaction.

    Returns the number of rows written per source. Raises ``LoadError`` (nothing written).
    """
    with Session(engine) as session:
        known = {
            "series": set(session.execute(select(M.Series.code)).scalars()),
            "area": set(session.execute(select(M.Area.code)).scalars()),
            "source": set(session.execute(select(M.Source.id)).scalars()),
        }
    rows = S.read_csv(path, S.OBSERVATIONS, known, display_name=str(path))
    sources = S.keys(rows, "source")
    with Session(engine) as session, session.begin():
        replace_by_source(session, M.Observation, rows, sources, progress, "observations")
        session.add(
            M.LoadRecord(
                kind="file",
                name=str(path),
                digest=hashlib.sha256(path.read_bytes()).hexdigest(),
                rows=len(rows),
                loaded_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    return {s: sum(1 for r in rows if r["source"] == s) for s in sorted(sources)}
