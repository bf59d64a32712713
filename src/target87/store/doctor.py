"""Health checks of a warehouse: what ``target87 doctor`` prints.

Each check gives OK, WARN or FAIL with a sentence saying what was found and what to do:

- schema version: the database's Alembic revision against the newest this program knows;
- integrity: ``PRAGMA integrity_check`` (or ``quick_check``) on SQLite; on PostgreSQL every
  table read and every constraint and index valid;
- table layout (SQLite): WITHOUT ROWID tables whose primary-key columns are not all placed
  first, which SQLite 3.40's integrity check misreads as holding NULLs (migration 0005
  rebuilt ``observation``); the integrity check's "NULL value in T.C" reports on such a table
  are verified by query, and are a WARN when no such NULL exists;
- foreign keys: ``PRAGMA foreign_key_check`` on SQLite (PostgreSQL enforces them);
- orphan rows: for every foreign key the database declares, and for the load log's links
  (``observation.load_id``, undo links), rows whose parent is missing;
- key file: ``instance-secret.key`` in the data folder must be a file owned by the current
  user and readable by nobody else (0600);
- disk space: free space in the database's folder (WARN under 1 GB or 10 %).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from target87.store.db import MIGRATIONS_DIR, current_revision, head_revision, make_engine

OK, WARN, FAIL = "OK", "WARN", "FAIL"
SECRET_FILE = "instance-secret.key"  # as target87.web.site.auth names it
SECRET_ENV = "TARGET87_SECRET_KEY"
MIN_FREE_BYTES = 1 << 30
MIN_FREE_SHARE = 0.10
# Links the load log keeps without a foreign key (a check per row would slow every load).
LOG_LINKS = [
    ("observation", "load_id", "load_record", "id"),
    ("load_record", "undoes", "load_record", "id"),
    ("load_record", "undone_by", "load_record", "id"),
]
NULL_REPORT = re.compile(r"^NULL value in (\w+)\.(\w+)$")


@dataclass
class Check:
    name: str
    status: str  # OK | WARN | FAIL
    detail: str


def run_checks(
    url: str, data_dir: Path | None = None, quick: bool = False, key_file: Path | None = None
) -> list[Check]:
    """Every check on the database at ``url``; ``key_file`` defaults to the data folder's."""
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    db_file = (
        Path(parsed.database) if sqlite and parsed.database not in (None, "", ":memory:") else None
    )
    if db_file is not None and not db_file.exists():
        return [
            Check("database", FAIL, f"no database at {db_file} (`target87 init` creates one)"),
            _key_file_check(key_file or _default_key_file(data_dir)),
        ]
    engine = make_engine(url)
    try:
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # a server down, a file that is no database...
            return [Check("database", FAIL, f"cannot be opened: {exc}".splitlines()[0])]
        checks = [_schema_check(engine)]
        if sqlite:
            layout = _bad_layouts(engine)
            checks.append(_sqlite_integrity(engine, layout, quick))
            checks.append(_layout_check(layout))
            checks.append(_sqlite_foreign_keys(engine))
        else:
            checks.append(_postgres_integrity(engine))
            checks.append(Check("foreign keys", OK, "enforced by PostgreSQL on every write"))
        checks.append(_orphans(engine))
    finally:
        engine.dispose()
    checks.append(_key_file_check(key_file or _default_key_file(data_dir)))
    if db_file is not None:
        checks.append(_disk_check(db_file.resolve().parent, "the database's folder"))
    else:
        folder = data_dir or _default_data_dir()
        checks.append(_disk_check(folder, "the data folder (the database is on its server)"))
    return checks


def _schema_check(engine: Engine) -> Check:
    current, head = current_revision(engine), head_revision()
    if current is None:
        return Check("schema version", FAIL, f"none (newest {head}): run `target87 init`")
    if current == head:
        return Check("schema version", OK, f"{current} (the newest)")
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    try:
        known = scripts.get_revision(current) is not None
    except Exception:
        known = False
    if not known:
        return Check(
            "schema version",
            FAIL,
            f"{current} is unknown to this target87 (newest {head}): a newer version made it",
        )
    return Check("schema version", WARN, f"{current}, newest {head}: `target87 init` migrates it")


def _bad_layouts(engine: Engine) -> dict[str, list[str]]:
    """WITHOUT ROWID tables whose key columns are not all first: table -> columns misplaced."""
    bad: dict[str, list[str]] = {}
    with engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"
        ).all()
        for name, sql in tables:
            if not re.search(r"WITHOUT\s+ROWID\s*$", sql.strip(), re.IGNORECASE):
                continue
            info = conn.exec_driver_sql(f'PRAGMA table_info("{name}")').all()
            last_key = max(cid for cid, _n, _t, _nn, _d, pk in info if pk)
            before = [n for cid, n, _t, _nn, _d, pk in info if not pk and cid < last_key]
            if before:
                bad[name] = before
    return bad


def _sqlite_integrity(engine: Engine, layout: dict[str, list[str]], quick: bool) -> Check:
    pragma = "quick_check" if quick else "integrity_check"
    with engine.connect() as conn:
        found = [r[0] for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]
        if found == ["ok"]:
            return Check("integrity", OK, f"PRAGMA {pragma}: ok")
        spurious, real = [], []
        nulls: dict[tuple[str, str], int] = {}
        for message in found:
            match = NULL_REPORT.match(message)
            if match and match.group(1) in layout:
                column = (match.group(1), match.group(2))
                if column not in nulls:
                    nulls[column] = conn.exec_driver_sql(
                        f'SELECT count(*) FROM "{column[0]}" WHERE "{column[1]}" IS NULL'
                    ).scalar()
                (spurious if nulls[column] == 0 else real).append(message)
            else:
                real.append(message)
    capped = " (the first 100)" if len(found) >= 100 else ""
    if real:
        shown = "; ".join(real[:5]) + (f"; ... {len(real) - 5} more" if len(real) > 5 else "")
        return Check("integrity", FAIL, f"PRAGMA {pragma}{capped}: {shown}")
    tables = ", ".join(sorted({m.split()[-1].split(".")[0] for m in spurious}))
    return Check(
        "integrity",
        WARN,
        f"PRAGMA {pragma}{capped}: {len(spurious)} 'NULL value in {tables}.*' report(s), none "
        f"real (no such NULL by query): SQLite {sqlite3.sqlite_version} misreads the old "
        "column order of the table (see table layout); `target87 init` rebuilds it",
    )


def _layout_check(layout: dict[str, list[str]]) -> Check:
    if not layout:
        return Check("table layout", OK, "every WITHOUT ROWID table has its key columns first")
    tables = "; ".join(f"{t} ({', '.join(cols)} before key columns)" for t, cols in layout.items())
    return Check(
        "table layout",
        WARN,
        f"{tables}: SQLite 3.40's integrity check reports NULLs there that do not exist; "
        "`target87 init` (migration 0005) rebuilds the table with its key first",
    )


def _sqlite_foreign_keys(engine: Engine) -> Check:
    with engine.connect() as conn:
        found = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if not found:
        return Check("foreign keys", OK, "PRAGMA foreign_key_check: no violation")
    counts: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fkid in found:
        counts[(table, parent)] = counts.get((table, parent), 0) + 1
    text = "; ".join(f"{t} -> {p}: {n} row(s)" for (t, p), n in sorted(counts.items()))
    return Check("foreign keys", FAIL, f"PRAGMA foreign_key_check: {text}")


def _postgres_integrity(engine: Engine) -> Check:
    problems = []
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        for table in tables:
            try:
                conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
            except Exception as exc:
                conn.rollback()
                problems.append(f"{table} unreadable: {str(exc).splitlines()[0]}")
        invalid = conn.exec_driver_sql(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE NOT convalidated AND connamespace = 'public'::regnamespace"
        ).all()
        problems += [f"constraint {name} on {table} not valid" for table, name in invalid]
        broken = conn.exec_driver_sql(
            "SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_class c "
            "ON c.oid = i.indrelid WHERE NOT i.indisvalid "
            "AND c.relnamespace = 'public'::regnamespace"
        ).all()
        problems += [f"index {name} not valid" for (name,) in broken]
    if problems:
        return Check("integrity", FAIL, "; ".join(problems))
    return Check(
        "integrity", OK, f"{len(tables)} tables read in full; every constraint and index valid"
    )


def _orphans(engine: Engine) -> Check:
    """Rows whose parent is missing, for every single-column foreign key and log link."""
    found = []
    with engine.connect() as conn:
        inspector = inspect(conn)
        tables = set(inspector.get_table_names())
        links = []
        for table in sorted(tables):
            for fk in inspector.get_foreign_keys(table):
                if len(fk["constrained_columns"]) == 1 and fk["referred_table"] in tables:
                    links.append(
                        (
                            table,
                            fk["constrained_columns"][0],
                            fk["referred_table"],
                            fk["referred_columns"][0],
                        )
                    )
        columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in tables}
        links += [
            link
            for link in LOG_LINKS
            if link[0] in tables and link[1] in columns[link[0]] and link[2] in tables
        ]
        for child, column, parent, key in links:
            where = (
                f'FROM "{child}" c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{parent}" p WHERE p."{key}" = c."{column}")'
            )
            count = conn.exec_driver_sql(f"SELECT count(*) {where}").scalar()
            if count:
                sample = conn.exec_driver_sql(
                    f'SELECT DISTINCT c."{column}" {where} ORDER BY 1 LIMIT 3'
                ).scalars()
                examples = ", ".join(repr(v) for v in sample)
                found.append(
                    f"{child}.{column} -> {parent}.{key}: {count} row(s) (e.g. {examples})"
                )
    if found:
        return Check("orphan rows", FAIL, "; ".join(found))
    return Check("orphan rows", OK, f"none ({len(links)} links checked)")


def _default_data_dir() -> Path:
    from platformdirs import user_data_path

    return Path(os.environ.get("TARGET87_DATA_DIR") or user_data_path("target87", appauthor=False))


def _default_key_file(data_dir: Path | None) -> Path:
    return (data_dir or _default_data_dir()) / SECRET_FILE


def _key_file_check(path: Path) -> Check:
    name = "key file"
    if not path.exists() and not path.is_symlink():
        if os.environ.get(SECRET_ENV):
            return Check(name, OK, f"{path} absent; the key comes from {SECRET_ENV}")
        return Check(name, OK, f"{path} not created yet (`target87 serve` creates it, 0600)")
    info = path.lstat()
    problems = []
    if stat.S_ISLNK(info.st_mode):
        problems.append("is a symbolic link (the key must be a file of its own)")
        info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        return Check(name, FAIL, f"{path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        problems.append(
            f"mode {mode:04o}: group or others may read or change it (`chmod 600 {path}`)"
        )
    if info.st_uid != os.getuid():
        problems.append(f"owned by uid {info.st_uid}, not by the current user (uid {os.getuid()})")
    if info.st_size == 0:
        problems.append("is empty")
    if problems:
        return Check(name, FAIL, f"{path} " + "; ".join(problems))
    return Check(name, OK, f"{path}: mode {mode:04o}, owned by the current user")


def _disk_check(folder: Path, where: str) -> Check:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    share = usage.free / usage.total if usage.total else 0.0
    text = (
        f"{usage.free / 1e9:.1f} GB free of {usage.total / 1e9:.1f} GB ({share:.0%}) in {where}"
        f" ({folder})"
    )
    if usage.free < MIN_FREE_BYTES or share < MIN_FREE_SHARE:
        return Check("disk space", WARN, text + ": under 1 GB or 10 %; a big load may not fit")
    return Check("disk space", OK, text)
