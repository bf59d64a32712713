"""Read a document's text, by the type its first bytes show (never by its extension).

Types: PDF (``%PDF-``, read with pypdf), DOCX (a zip holding ``word/document.xml``, read with
python-docx after a zip-bomb check), HTML (``<!doctype html``, ``<html`` ... in the first
kilobyte; parsed with the standard library's ``html.parser``, keeping text and dropping
``script``, ``style``, ``noscript`` and ``template`` content: no script is ever kept or run),
Markdown and plain text (valid UTF-8 without NUL bytes; Markdown if the name ends ``.md`` or
the text has Markdown headings). A file whose extension names another type is read by its
real type, with a note saying so; a file of an unknown type is refused.

A PDF whose text cannot be read (encrypted, corrupt, or scanned images without a text layer)
is still accepted, with an empty text and a note saying why.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from target87.library.errors import LibraryError

# A DOCX is refused if its members would expand beyond this, or beyond this ratio to the
# zip's own size (real documents compress about 3-10x; a bomb 100-1000x).
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 100
EXTENSIONS = {
    "pdf": {".pdf"},
    "docx": {".docx"},
    "html": {".html", ".htm"},
    "markdown": {".md", ".markdown"},
    "text": {".txt", ".text", ""},
}
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_MD_HEADING = re.compile(r"^#{1,6} \S", re.M)


@dataclass(frozen=True)
class Extracted:
    media_type: str
    text: str
    title: str | None = None  # as the file itself gives it (PDF info, DOCX core, <title>)
    note: str | None = None  # why no text could be read, or that the extension lied


def detect_type(head: bytes, name: str = "") -> str:
    """``pdf``, ``docx``, ``html``, ``markdown`` or ``text`` from a file's first bytes."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"  # confirmed (word/document.xml) when opened
    if _HTML_START.match(head[:1024]):
        return "html"
    if b"\x00" in head:
        raise LibraryError("not a PDF, DOCX, HTML, Markdown or text file (binary content)", name)
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the sample is fine.
        if exc.start < len(head) - 4:
            raise LibraryError("not a PDF, DOCX or HTML file, and not UTF-8 text", name) from None
        sample = head[: exc.start].decode("utf-8")
    if Path(name).suffix.lower() in EXTENSIONS["markdown"] or _MD_HEADING.search(sample):
        return "markdown"
    return "text"


def extract(path: Path, data: bytes) -> Extracted:
    """The text of the file ``path`` whose bytes are ``data``."""
    kind = detect_type(data[:4096], str(path))
    suffix = path.suffix.lower()
    lied = None
    if (
        suffix
        and suffix not in EXTENSIONS[kind]
        and not (
            kind in ("markdown", "text") and suffix in EXTENSIONS["markdown"] | EXTENSIONS["text"]
        )
    ):
        lied = f"the name ends {suffix} but the content is {kind.upper()}: read as {kind.upper()}"
    reader = {"pdf": _pdf, "docx": _docx, "html": _html}.get(kind, _plain)
    got = reader(path, data, kind)
    if lied:
        note = f"{lied}; {got.note}" if got.note else lied
        return Extracted(got.media_type, got.text, got.title, note)
    return got


def _plain(path: Path, data: bytes, kind: str) -> Extracted:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LibraryError(f"not UTF-8 text (byte {exc.start})", path) from None
    title = None
    if kind == "markdown":
        heading = re.search(r"^# (.+)$", text, re.M)
        title = heading.group(1).strip() if heading else None
    return Extracted(kind, text, title)


def _pdf(path: Path, data: bytes, kind: str) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        # Many published reports are encrypted with an owner password only (to restrict
        # printing or copying) and open with the empty user password: read those.
        if reader.is_encrypted and not reader.decrypt(""):
            return Extracted(
                "pdf", "", None, "no text could be extracted: the PDF is encrypted (password)"
            )
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except DependencyError:
        return Extracted(
            "pdf",
            "",
            None,
            "no text could be extracted: the PDF is encrypted with AES, "
            "which needs the cryptography package",
        )
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        return Extracted("pdf", "", None, f"no text could be extracted: the PDF is corrupt ({exc})")
    if not text.strip():
        return Extracted(
            "pdf",
            "",
            str(title) if title else None,
            "no text could be extracted: the PDF holds no text layer (scanned images?)",
        )
    return Extracted("pdf", text, str(title) if title else None)


def check_zip(path: Path, data: bytes) -> None:
    """Refuse a zip whose members would expand too far (a zip bomb), before opening it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile as exc:
        raise LibraryError(f"a corrupt zip (DOCX) file: {exc}", path) from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED or total > MAX_RATIO * max(len(data), 1):
        raise LibraryError(
            f"refused as a zip bomb: its {len(infos)} member(s) would expand to {total:,} bytes "
            f"from {len(data):,} (limits {MAX_UNZIPPED:,} bytes, ratio {MAX_RATIO})",
            path,
        )
    if "word/document.xml" not in {i.filename for i in infos}:
        raise LibraryError("a zip file but not a DOCX document (no word/document.xml)", path)


def _docx(path: Path, data: bytes, kind: str) -> Extracted:
    check_zip(path, data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types on a broken package
        raise LibraryError(f"a corrupt DOCX file: {exc}", path) from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    title = document.core_properties.title or None
    return Extracted("docx", "\n".join(parts), title)


class _TextOnly(HTMLParser):
    """Collects an HTML page's text; the content of script-like elements is dropped."""

    DROP = {"script", "style", "noscript", "template"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._drop = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.DROP:
            self._drop += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.DROP and self._drop:
            self._drop -= 1
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._drop:
            return
        (self.title if self._in_title else self.parts).append(data)


def _html(path: Path, data: bytes, kind: str) -> Extracted:
    match = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:2048], re.I)
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        source = data.decode(encoding, errors="replace")
    except LookupError:
        source = data.decode("utf-8", errors="replace")
    parser = _TextOnly()
    parser.feed(source)
    parser.close()
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    title = " ".join("".join(parser.title).split()) or None
    return Extracted("html", text, title)
