"""Loading the bundled snapshot (or a folder in the same format) into the store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from target87.ingest import schema as S
from target87.ingest.errors import LoadError, Problem
from target87.ingest.writer import (
    Progress,
    os_user,
    replace_by_source,
    replace_snapshot_observations,
    upsert,
)
from target87.store import models as M
from target87.store.db import migrate


def bundled_snapshot_dir() -> Path:
    return Path(str(resources.files("target87") / "data" / "snapshot"))


@dataclass
class SnapshotFiles:
    """Every file of a snapshot, read and checked, not yet written."""

    folder: Path
    digest: str
    tables: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def sources(self) -> set[str]:
        return S.keys(self.tables["sources"], "id")


@dataclass
class InitResult:
    migrated_from: str | None
    migrated_to: str
    loaded: bool
    counts: dict[str, int]

    @property
    def changed(self) -> bool:
        return self.loaded or self.migrated_from != self.migrated_to


def snapshot_digest(folder: Path) -> str:
    """sha256 over the sorted (file name, file hash) pairs of the snapshot's CSV files."""
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.csv")):
        h.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def read_snapshot(folder: Path | None = None) -> SnapshotFiles:
    """Read and check every file of the snapshot; raise ``LoadError`` listing all problems."""
    folder = folder or bundled_snapshot_dir()
    if not (folder / "manifest.json").exists():
        raise LoadError([Problem(str(folder / "manifest.json"), None, None, "file not found")])
    tables: dict[str, list[dict]] = {}
    problems: list[Problem] = []

    def read(name: str, schema: S.FileSchema, known: dict[str, set[str]]) -> list[dict]:
        try:
            return S.read_csv(folder / schema.name, schema, known)
        except LoadError as exc:
            problems.extend(exc.problems)
            return []

    tables["sources"] = read("sources", S.SOURCES, {})
    tables["areas"] = read("areas", S.AREAS, {})
    tables["series"] = read("series", S.SERIES, {})
    tables["instruments"] = read("instruments", S.INSTRUMENTS, {})
    known = {
        "source": S.keys(tables["sources"], "id"),
        "area": S.keys(tables["areas"], "code"),
        "series": S.keys(tables["series"], "code"),
        "instrument": S.keys(tables["instruments"], "code"),
    }
    tables["pathfinders"] = read("pathfinders", S.PATHFINDERS, known)
    tables["observations"] = read("observations", S.OBSERVATIONS, known)
    tables["ratifications"] = read("ratifications", S.RATIFICATIONS, known)
    tables["goods"] = read("goods", S.GOODS, known)
    if problems:
        raise LoadError(problems)
    return SnapshotFiles(folder, snapshot_digest(folder), tables)


def _area_rows(files: SnapshotFiles) -> list[dict]:
    pathfinders = {p["area"]: p for p in files.tables["pathfinders"]}
    rows = []
    for area in files.tables["areas"]:
        pf = pathfinders.get(area["code"])
        rows.append(
            {
                **area,
                "pathfinder": pf is not None,
                "pathfinder_year": pf["year_joined"] if pf else None,
                "pathfinder_source": pf["source"] if pf else None,
            }
        )
    return rows


def last_snapshot_digest(session: Session) -> str | None:
    stmt = (
        select(M.LoadRecord.digest)
        .where(M.LoadRecord.kind == "snapshot")
        .order_by(M.LoadRecord.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar()


def write_snapshot(engine: Engine, files: SnapshotFiles, progress: Progress | None = None) -> dict:
    """Write a checked snapshot in one transaction: all of it, or (on any failure) nothing.

    The rows an earlier snapshot wrote for the snapshot's sources are replaced; rows of any
    other source, and rows a user's load added or changed, are kept (see
    ``replace_snapshot_observations``).
    """
    t = files.tables
    counts: dict[str, int] = {}
    with Session(engine) as session, session.begin():
        record = M.LoadRecord(
            kind="snapshot",
            mode="snapshot",
            name=str(files.folder),
            digest=files.digest,
            rows=0,
            loaded_at=datetime.now(UTC).replace(tzinfo=None),
            actor=os_user(),
        )
        session.add(record)
        session.flush()  # its id marks the rows it writes
        counts["sources"] = upsert(session, M.Source, t["sources"])
        counts["instruments"] = upsert(session, M.Instrument, t["instruments"])
        counts["series"] = upsert(session, M.Series, t["series"])
        counts["areas"] = upsert(session, M.Area, _area_rows(files))
        sources = files.sources
        counts["observations"], kept = replace_snapshot_observations(
            session, t["observations"], sources, record.id, progress
        )
        for key, model in (("ratifications", M.Ratification), ("goods", M.GoodRisk)):
            counts[key] = replace_by_source(session, model, t[key], sources, progress, key)
        record.rows = sum(counts.values())
    if kept:
        counts["observations kept as your loads wrote them"] = kept
    return counts


def init_database(
    engine: Engine,
    folder: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> InitResult:
    """Create or migrate the schema, then load the snapshot unless it is already loaded."""
    before, after = migrate(engine)
    folder = folder or bundled_snapshot_dir()
    digest = snapshot_digest(folder)
    with Session(engine) as session:
        loaded_digest = last_snapshot_digest(session)
    if loaded_digest == digest and not force:
        return InitResult(before, after, loaded=False, counts={})
    files = read_snapshot(folder)
    counts = write_snapshot(engine, files, progress)
    return InitResult(before, after, loaded=True, counts=counts)


def manifest(folder: Path | None = None) -> dict:
    folder = folder or bundled_snapshot_dir()
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
