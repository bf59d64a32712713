"""Defensive file opening: size limits, zip bombs, encodings, formula-looking cells."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from target87.ingest.errors import LoadError, Problem

ENV_MAX_BYTES = "TARGET87_MAX_UPLOAD_BYTES"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # uncompressed / compressed, over the whole archive
MAX_ZIP_UNCOMPRESSED = 500 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def max_bytes() -> int:
    """The configured upload limit (``TARGET87_MAX_UPLOAD_BYTES``, default 200 MB)."""
    text = os.environ.get(ENV_MAX_BYTES)
    return int(text) if text else DEFAULT_MAX_BYTES


def refuse(path: Path | str, reason: str, rule: str = "file") -> LoadError:
    return LoadError([Problem(str(path), None, None, reason, rule=rule)])


def check_size(path: Path, limit: int | None = None) -> int:
    """Refuse a missing file or one over the limit, before reading any of it."""
    limit = max_bytes() if limit is None else limit
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise refuse(path, "file not found") from None
    if size > limit:
        raise refuse(path, f"file is {size:,} bytes, over the limit of {limit:,} bytes", "size")
    return size


def check_zip(path: Path, limit: int | None = None) -> None:
    """Refuse an xlsx (zip) whose members would inflate beyond reason, before parsing it."""
    size = check_size(path, limit)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise refuse(path, "not a valid xlsx file (not a zip archive)") from None
    total = sum(i.file_size for i in infos)
    if total > MAX_ZIP_UNCOMPRESSED or total > MAX_ZIP_RATIO * max(size, 1):
        reason = (
            f"archive would expand to {total:,} bytes from {size:,}: refused as a possible zip bomb"
        )
        raise refuse(path, reason, "size")


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM); otherwise Latin-1 only when the bytes look like it.

    Bytes that are neither (for instance control bytes 0x80-0x9F, which Latin-1 text never
    holds) are reported with the position of the first undecodable byte.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if any(0x80 <= b <= 0x9F for b in data):
        raise LoadError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"not UTF-8 or Latin-1: undecodable byte 0x"
                    f"{data[first_bad]:02x} at position {first_bad}",
                    rule="encoding",
                )
            ]
        )
    return data.decode("latin-1")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with a quote (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


_QUOTED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")


def protect(text: str) -> str:
    """Quote text a spreadsheet would run, reversibly: text that already starts with quotes
    before a formula sign gets one more, so ``unprotect`` gives back exactly the original."""
    if _QUOTED_FORMULA.match(text):
        return "'" + text
    return str(neutralise(text))


def unprotect(text: str) -> str:
    """Remove the one quote ``protect`` added; any other text is returned unchanged."""
    return text[1:] if _QUOTED_FORMULA.match(text) else text


def is_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")
