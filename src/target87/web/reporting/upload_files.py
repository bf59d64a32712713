"""Uploaded national files waiting between the steps of the upload page (propose, preview,
load): each kept in a private folder of the instance's data folder, named by a random token
that only the session which uploaded it may use, and removed after an hour.

The client only ever sends the token back, never a path: ``find`` takes nothing else, checks
its shape, and answers None for a token of another session, of another account, or too old.
After a load the data file goes at once; the small mapping file stays until the hour is up,
so that the mapping can still be downloaded from the result page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

FOLDER = "pending-uploads"
MAX_AGE = 3600  # seconds an upload is kept
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
META, MAPPING, DATA = "upload.json", "mapping.yaml", "file"


@dataclass
class Pending:
    """One uploaded file and what the person said of it."""

    token: str
    folder: Path
    filename: str
    fmt: str = ""
    area: str | None = None
    series: str | None = None
    source: str | None = None
    checked: str | None = None  # digest of the mapping the last preview passed
    created: float = field(default_factory=time.time)

    @property
    def path(self) -> Path:
        return self.folder / DATA / self.filename

    @property
    def mapping_path(self) -> Path:
        return self.folder / MAPPING

    @property
    def has_file(self) -> bool:
        return self.path.is_file()

    def mapping_text(self) -> str:
        return self.mapping_path.read_text(encoding="utf-8") if self.mapping_path.exists() else ""

    def save_mapping(self, text: str) -> None:
        _write(self.mapping_path, text.encode("utf-8"))

    def save(self, owner: str) -> None:
        data = {
            "owner": owner,
            "filename": self.filename,
            "fmt": self.fmt,
            "area": self.area,
            "series": self.series,
            "source": self.source,
            "checked": self.checked,
            "created": self.created,
        }
        _write(self.folder / META, json.dumps(data).encode("utf-8"))

    def forget_file(self) -> None:
        """The data file goes (after a load); the mapping stays until the upload expires."""
        shutil.rmtree(self.folder / DATA, ignore_errors=True)

    def drop(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def owner_of(user_id: int, session_id: str) -> str:
    """What ties an upload to one session of one account (the session id itself is never
    written: only a digest of it)."""
    return f"{user_id}:{hashlib.sha256(session_id.encode('utf-8')).hexdigest()}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def safe_name(name: str) -> str:
    """The client's file name as a plain name of this folder (letters, digits, ``._-``)."""
    base = NAME_CHARS.sub("_", Path(name.replace("\\", "/")).name).strip("._")[:100]
    return base or "upload"


def root(data_dir: Path) -> Path:
    folder = Path(data_dir) / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def keep(data_dir: Path, owner: str, filename: str, data: bytes) -> Pending:
    """Keep ``data`` under a new token (and clear uploads past their hour)."""
    purge(data_dir)
    token = secrets.token_urlsafe(24)
    folder = root(data_dir) / token
    (folder / DATA).mkdir(mode=0o700, parents=True)
    pending = Pending(token, folder, safe_name(filename))
    _write(pending.path, data)
    pending.save(owner)
    return pending


def find(data_dir: Path, token: str, owner: str) -> Pending | None:
    """The upload of ``token`` if it belongs to ``owner`` and is not too old, else None."""
    if not TOKEN.match(token or ""):
        return None
    folder = root(data_dir) / token
    try:
        data = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not hmac.compare_digest(str(data.get("owner")), owner):
        return None
    created = float(data.get("created") or 0)
    if time.time() - created > MAX_AGE:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return Pending(
        token,
        folder,
        safe_name(str(data.get("filename") or "")),
        str(data.get("fmt") or ""),
        data.get("area"),
        data.get("series"),
        data.get("source"),
        data.get("checked"),
        created,
    )


def purge(data_dir: Path, now: float | None = None) -> int:
    """Remove the uploads older than ``MAX_AGE``; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for folder in root(data_dir).iterdir():
        try:
            age = now - folder.stat().st_mtime
        except OSError:
            continue
        if age > MAX_AGE:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _write(path: Path, data: bytes) -> None:
    """Write a file readable by this process's user only, replacing it in one step."""
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(partial, path)
