"""The bundled starter catalogue: real publications on Target 8.7, loaded as documents.

``data/catalogue.yaml`` lists publications in English, French and Spanish: metadata, a link
to the publisher's page and a summary written for target87 (no text of the publication).
Each entry becomes one ``library_document`` with ``origin`` "catalogue", no original file,
``text`` = the summary, indexed (title and summary stemmed in the entry's language) like an
uploaded document, so that the search finds it by the words of its summary.

Loading is all or nothing: every entry is checked first (the vocabularies and rules of
``documents.check_meta``; an error names the entry's id and the field), then one transaction
adds the entries not loaded yet, updates (and re-indexes) those whose values changed and
leaves the others alone; a document is never deleted, so removing an entry from the file
does not remove it from a library that loaded it. Loading the same file twice changes
nothing. The entry's ``checked`` (where its facts were verified) stays in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, insert, select, update

from target87.library.documents import DocumentMeta, check_meta
from target87.library.errors import LibraryError
from target87.library.index import index_row
from target87.library.language import detect_language
from target87.library.models import LibraryDocument
from target87.library.stemming import index_terms

REQUIRED = ("id", "title", "year", "language", "doc_type", "url", "summary")
OPTIONAL = (
    "authors",
    "publisher",
    "themes",
    "countries",
    "regions",
    "sdg_targets",
    "licence",
    "checked",
)
LISTS = ("themes", "countries", "regions", "sdg_targets")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_URL = re.compile(r"^https?://\S+$")
# The columns a catalogue entry sets; an entry whose values all equal the stored ones is
# unchanged. The derived ones (index terms, detected language) are compared too, so a change
# of the stemming rules re-indexes the entries at the next load.
COLUMNS = (
    "title",
    "authors",
    "publisher",
    "year",
    "language",
    "language_detected",
    "doc_type",
    "themes",
    "countries",
    "regions",
    "sdg_targets",
    "licence",
    "source_url",
    "summary",
    "text",
    "index_title",
    "index_text",
)


@dataclass(frozen=True)
class CatalogueLoad:
    """What a load did: entries added, updated (and re-indexed), and left as they were."""

    added: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


@contextmanager
def _bundled() -> Iterator[Path]:
    source = resources.files("target87.library").joinpath("data", "catalogue.yaml")
    with resources.as_file(source) as path:
        yield path


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The file's entries, each checked and turned into its document's column values;
    ``LibraryError`` names the first bad entry and field."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LibraryError(f"cannot read the catalogue: {exc}", path) from None
    if not isinstance(raw, list):
        raise LibraryError("the catalogue must be a YAML list of entries", path)
    rows, seen = [], set()
    for number, entry in enumerate(raw, start=1):
        row = entry_row(entry, number, path)
        if row["catalogue_id"] in seen:
            raise LibraryError(f"entry {row['catalogue_id']!r}: id used twice", path)
        seen.add(row["catalogue_id"])
        rows.append(row)
    return rows


def entry_row(entry: Any, number: int, path: Path | str | None = None) -> dict[str, Any]:
    """One entry's document values (``catalogue_id`` and ``COLUMNS``), or ``LibraryError``."""
    if not isinstance(entry, dict):
        raise LibraryError(f"entry number {number} is not a mapping of keys to values", path)
    name = entry.get("id")
    if not isinstance(name, str) or not _ID.match(name):
        raise LibraryError(
            f"entry number {number}, field id: {name!r} is not an id such as "
            "ilo-2017-global-estimates-en (lower case, digits, - . _; at most 64)",
            path,
        )

    def refuse(field: str, message: str) -> LibraryError:
        return LibraryError(f"entry {name!r}, field {field}: {message}", path)

    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise refuse(unknown[0], f"unknown field (fields: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if entry.get(key) in (None, ""):
            raise refuse(key, "required")
    for key in ("title", "language", "doc_type", "url", "summary", "publisher", "licence"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise refuse(key, f"{entry[key]!r} is not text")
    if not isinstance(entry["year"], int) or isinstance(entry["year"], bool):
        raise refuse("year", f"{entry['year']!r} is not a year")
    lists = {key: _text_list(entry.get(key), key, refuse) for key in LISTS}
    authors = entry.get("authors")
    if isinstance(authors, list):
        authors = "; ".join(_text_list(authors, "authors", refuse)) or None
    elif authors is not None and not isinstance(authors, str):
        raise refuse("authors", f"{authors!r} is not a name or a list of names")
    if not _URL.match(entry["url"]):
        raise refuse("url", f"{entry['url']!r} is not an http(s) address")
    # The vocabularies and formats of an uploaded document's metadata, field by field so
    # that the error names the field.
    for key, meta in (
        ("language", DocumentMeta(language=entry["language"])),
        ("doc_type", DocumentMeta(doc_type=entry["doc_type"])),
        ("year", DocumentMeta(year=entry["year"])),
        ("themes", DocumentMeta(themes=tuple(lists["themes"]))),
        ("countries", DocumentMeta(countries=tuple(lists["countries"]))),
        ("sdg_targets", DocumentMeta(sdg_targets=tuple(lists["sdg_targets"]))),
    ):
        try:
            check_meta(meta)
        except LibraryError as exc:
            raise refuse(key, str(exc)) from None
    title, summary = entry["title"].strip(), " ".join(entry["summary"].split())
    language = entry["language"]
    return {
        "catalogue_id": name,
        "title": title,
        "authors": authors.strip() if authors else None,
        "publisher": (entry.get("publisher") or "").strip() or None,
        "year": entry["year"],
        "language": language,
        "language_detected": detect_language(summary),
        "doc_type": entry["doc_type"],
        "themes": ";".join(lists["themes"]),
        "countries": ";".join(lists["countries"]),
        "regions": ";".join(lists["regions"]),
        "sdg_targets": ";".join(lists["sdg_targets"]),
        "licence": (entry.get("licence") or "").strip() or None,
        "source_url": entry["url"],
        "summary": summary,
        "text": summary,
        "index_title": index_terms(title, language),
        "index_text": index_terms(summary, language),
    }


def _text_list(value: Any, key: str, refuse) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise refuse(key, f"{value!r} is not a list (write [a, b])")
    for item in value:
        if not isinstance(item, str) or not item.strip() or ";" in item:
            hint = ' (quote it: "8.7")' if isinstance(item, float) else ""
            raise refuse(key, f"{item!r} is not a text without ';'{hint}")
    return [item.strip() for item in value]


def load_catalogue(engine: Engine, path: Path | str | None = None) -> CatalogueLoad:
    """Load the catalogue at ``path`` (default: the bundled ``data/catalogue.yaml``) into the
    library in one transaction; refuse the whole file (``LibraryError``, nothing written) if
    any entry is bad."""
    if path is None:
        with _bundled() as bundled:
            rows = read_entries(bundled)
    else:
        rows = read_entries(Path(path))
    table = LibraryDocument.__table__
    added = updated = unchanged = 0
    with engine.begin() as conn:
        ids = [row["catalogue_id"] for row in rows]
        stored = {
            r.catalogue_id: r
            for r in conn.execute(
                select(table.c.id, table.c.catalogue_id, *(table.c[c] for c in COLUMNS)).where(
                    table.c.catalogue_id.in_(ids)
                )
            )
        }
        for row in rows:
            known = stored.get(row["catalogue_id"])
            if known is not None and all(getattr(known, c) == row[c] for c in COLUMNS):
                unchanged += 1
                continue
            if known is None:
                doc_id = conn.execute(
                    insert(table).values(
                        **row,
                        origin="catalogue",
                        size=0,
                        added_at=datetime.now(UTC).replace(tzinfo=None),
                    )
                ).inserted_primary_key[0]
                added += 1
            else:
                doc_id = known.id
                conn.execute(update(table).where(table.c.id == doc_id).values(**row))
                updated += 1
            index_row(conn, "document", doc_id, row["index_title"], row["index_text"])
    return CatalogueLoad(added, updated, unchanged)
