"""Defensive file opening: size limits, zip bombs, encodings, formula-looking cells."""

from __future__ import annotations

import codecs
import os
import re
import stat
import zipfile
import zlib
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
    """Refuse a missing file, anything but a regular file (a device such as ``/dev/zero``, a
    FIFO, a folder: their reported size means nothing) or one over the limit, before reading
    any of it. Links are followed: what counts is the file they lead to."""
    limit = max_bytes() if limit is None else limit
    try:
        info = Path(path).resolve().stat()
    except FileNotFoundError:
        raise refuse(path, "file not found") from None
    except (OSError, RuntimeError) as exc:  # a link loop, no permission...
        raise refuse(path, f"cannot be opened ({exc.__class__.__name__})") from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse(path, "not a regular file (a device, pipe or folder is never read)")
    size = info.st_size
    if size > limit:
        raise refuse(path, f"file is {size:,} bytes, over the limit of {limit:,} bytes", "size")
    return size


def read_limited(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; never reads more than
    ``limit + 1`` bytes, even if the file grows or is swapped after ``check_size``."""
    limit = max_bytes() if limit is None else limit
    check_size(path, limit)
    try:
        # O_NONBLOCK: should the path have become a FIFO since the check, opening it must not
        # wait for a writer; fstat of the open descriptor then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise refuse(path, f"cannot be opened ({exc.__class__.__name__})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise refuse(path, "not a regular file (a device, pipe or folder is never read)")
        data = f.read(limit + 1)
    if len(data) > limit:
        reason = f"file is over the limit of {limit:,} bytes"
        raise refuse(path, reason, "size")
    return data


def check_zip(path: Path, limit: int | None = None) -> None:
    """Refuse an xlsx (zip) whose members would inflate beyond reason, before parsing it,
    and one whose XML declares a DOCTYPE or entities (``check_zip_xml``)."""
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
    check_zip_xml(path)


_XML_DANGER = ("<!DOCTYPE", "<!ENTITY")
_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_CHUNK = 1 << 20


def _xml_codec(head: bytes) -> str:
    """The encoding an XML parser would read ``head`` in: BOM, then byte pattern, then the
    declaration; UTF-8 when nothing says otherwise."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return codec
    for pattern, codec in (
        (b"<\0\0\0", "utf-32-le"),
        (b"\0\0\0<", "utf-32-be"),
        (b"<\0", "utf-16-le"),
        (b"\0<", "utf-16-be"),
    ):
        if head.startswith(pattern):
            return codec
    declared = _DECLARED.match(head)
    if declared:
        try:
            info = codecs.lookup(declared.group(1).decode("ascii"))
        except LookupError:
            return "utf-8"  # a parser cannot read it either: it fails, never expands
        # UTF-16/32 declared over 8-bit bytes, or a codec that is not a text encoding
        # (base64...): a parser refuses those; read the bytes as the UTF-8 they look like.
        wide = info.name.startswith(("utf-16", "utf-32"))
        if getattr(info, "_is_text_encoding", True) and not wide:
            return info.name
    return "utf-8"


def check_zip_xml(path: Path) -> None:
    """Refuse an archive any member of which holds ``<!DOCTYPE`` or ``<!ENTITY``.

    openpyxl parses sheet XML with the standard library, which expands entities (billion
    laughs) and would show their text as cell values. An xlsx never needs a DOCTYPE, so every
    member is scanned, whole, in the encoding it declares (UTF-16 as well as UTF-8), before
    anything parses it. The members' total size was bounded by ``check_zip``.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    found = _scan_member(member)
                if found:
                    reason = (
                        f"member {info.filename!r} holds {found}: XML with a DOCTYPE or entity "
                        "declarations is refused (unsafe)"
                    )
                    raise refuse(path, reason)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise refuse(path, f"not a readable xlsx archive ({exc})") from None
    except (OSError, ValueError, zlib.error) as exc:  # a corrupt member: bad compressed data
        raise refuse(path, f"not a readable xlsx archive ({exc.__class__.__name__})") from None


def _scan_member(member) -> str | None:
    """The first dangerous declaration in a zip member, read in 1 MB chunks, or None."""
    first = member.read(_CHUNK)
    decoder = codecs.getincrementaldecoder(_xml_codec(first[:200]))(errors="replace")
    keep = max(len(d) for d in _XML_DANGER) - 1
    tail, chunk = "", first
    while chunk:
        text = tail + decoder.decode(chunk)
        for danger in _XML_DANGER:
            if danger in text:
                return danger
        tail = text[-keep:]
        chunk = member.read(_CHUNK)
    text = tail + decoder.decode(b"", final=True)
    return next((d for d in _XML_DANGER if d in text), None)


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


_TEXT_BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's
    (codecs.BOM_UTF32_LE, "UTF-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "UTF-32", "utf-32"),
    (codecs.BOM_UTF8, "UTF-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "UTF-16", "utf-16"),
)


def text_encoding(data: bytes) -> tuple[str, str] | None:
    """(name, codec) of text a byte order mark or UTF-16's zero bytes announce, else None.

    Excel's "Unicode text" is UTF-16 with a BOM; without one, text of ASCII letters in UTF-16
    has a zero byte after (little-endian) or before (big-endian) each of them.
    """
    for bom, label, codec in _TEXT_BOMS:
        if data.startswith(bom):
            return label, codec
    head = data[:4]
    if len(head) == 4 and head[0] and head[2] and not head[1] and not head[3]:
        return "UTF-16", "utf-16-le"
    if len(head) == 4 and head[1] and head[3] and not head[0] and not head[2]:
        return "UTF-16", "utf-16-be"
    return None


def decode_text(data: bytes, name: str) -> str:
    """The text of a CSV file in any encoding spreadsheets write, or a located refusal.

    UTF-8, UTF-16 and UTF-32 (by their BOM, or UTF-16's zero bytes); otherwise UTF-8 without a
    BOM, then Windows-1252 (Excel's "CSV" in Western European locales), which reads Latin-1
    text the same and also the euro sign, curly quotes and dashes at 0x80-0x9F. A zero byte
    means binary content, not text; bytes that fit none of these are reported with the
    position of the first one.
    """
    announced = text_encoding(data)
    if announced:
        label, codec = announced
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            reason = f"not valid {label} ({exc.reason}) at byte position {exc.start}"
            raise refuse(name, reason, "encoding") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    zero = data.find(b"\0")
    if zero >= 0:
        reason = f"binary content, not text: a zero byte at position {zero}"
        raise refuse(name, reason, "encoding")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        bad = exc.start
        reason = (
            f"not UTF-8, UTF-16 or Windows-1252/Latin-1: undecodable byte 0x{data[bad]:02x} "
            f"at position {bad}"
        )
        raise refuse(name, reason, "encoding") from None


def arrow_reader(data: str | bytes):
    """``data`` (text as UTF-8) in memory that Arrow owns, for pyarrow's readers to read.

    Never hand pyarrow a Python object (``io.BytesIO``, ``bytes``, a file): its worker
    threads hold the blocks they read from it and release them, taking the GIL, when their
    task ends. After a parse error that can be after the interpreter began to exit; the
    thread then ends inside a C++ destructor and the process aborts ("terminate called
    without an active exception", exit code 134) although the refusal was printed.
    """
    import pyarrow as pa

    if isinstance(data, str):
        data = data.encode("utf-8")  # freed on return: only Arrow's copy is left
    buffer = pa.allocate_buffer(len(data))
    writer = pa.FixedSizeBufferWriter(buffer)
    writer.write(data)  # one copy into Arrow's memory pool
    writer.close()
    return pa.BufferReader(buffer)


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
