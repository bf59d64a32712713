"""Sources a file carries with its rows (our Excel's ``Sources`` sheet, our JSON's
``"sources"`` list): what a fresh instance creates on import, so that a file exported by one
target87 loads into another with the citation of every value.

Readers put the sources they find in ``raw.attrs["sources"]`` (``clean_sources``);
``sources_to_create`` picks those the rows cite and the store lacks, marked as created on
import. A source the store holds already is never changed by a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from target87.store.breakdown import slug
from target87.store.models import Source

SOURCE_FIELDS = ("id", "publisher", "title", "edition", "year", "url", "licence", "citation")
REQUIRED = ("id", "publisher", "title", "licence", "citation")
MAX_ID = 64


def clean_sources(items: Iterable[Mapping[str, object]], where: str = "sources") -> list[dict]:
    """The sources a file describes, as dicts of ``SOURCE_FIELDS``. An entry lacking what a
    citation needs (``REQUIRED``) is kept with ``"missing"`` naming it: it creates nothing, and
    a row citing it is refused as citing an unknown source, with the reason. A file is never
    refused for its list of sources alone (our own exports of old list only id and citation).
    """
    out = []
    for number, item in enumerate(items, start=1):
        text = {k: _text(item.get(k)) for k in SOURCE_FIELDS}
        if not any(text.values()):
            continue  # a blank row of the sheet
        missing = [k for k in REQUIRED if not text[k]]
        if len(text["id"]) > MAX_ID:
            missing.append(f"an id of at most {MAX_ID} characters")
        try:
            year = int(float(text["year"])) if text["year"] else None
        except ValueError:
            year = None
        entry = {k: (v if v != "" else None) for k, v in text.items()}
        entry["year"] = year
        entry["missing"] = f"{where} entry {number} has no {', '.join(missing)}" if missing else ""
        out.append(entry)
    return out


def incomplete_sources(raw: pd.DataFrame) -> list[str]:
    """Why the file's descriptions of cited sources cannot create them (for the refusal)."""
    cited = set(raw["source"].unique()) if "source" in raw else set()
    return [s["missing"] for s in raw.attrs.get("sources", []) if s["missing"] and s["id"] in cited]


def sources_to_create(engine: Engine, raw: pd.DataFrame, today: date | None = None) -> list[dict]:
    """Source rows (for ``load_table(new_sources=...)``) for the ids the table cites, that its
    file describes and the store does not hold; each marked as created on import."""
    carried = {s["id"]: s for s in raw.attrs.get("sources", []) if not s["missing"]}
    cited = set(raw["source"].unique()) if "source" in raw else set()
    wanted = sorted(cited & set(carried))
    if not wanted:
        return []
    with Session(engine) as s:
        held = set(s.execute(select(Source.id).where(Source.id.in_(wanted))).scalars())
    on = (today or date.today()).isoformat()
    file = raw.attrs.get("file", "a file")
    return [
        {
            **{k: carried[i][k] for k in SOURCE_FIELDS},
            "notes": f"created on import from {file} on {on}, as that file describes it",
        }
        for i in wanted
        if i not in held
    ]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


# A source id as our exports and the UN's SDMX write them in SOURCE_DETAIL ("un_sdg_871"):
# lower-case, no spaces. Anything else there is the producer's own words.
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
NO_LICENCE = "not stated in the file: ask the publisher before reusing"


def publisher_source(
    publisher: str,
    file: str,
    *,
    title: str | None = None,
    url: str | None = None,
    year: int | None = None,
    how: str = "the file's header",
) -> dict:
    """A source described from what a file says of its publisher (an SDMX header's sender,
    an Open SDG indicator's source organisation): what ``sources_to_create`` may create."""
    ident = ("import_" + slug(publisher, limit=40).lower())[:MAX_ID]
    title = title or f"Data published by {publisher}"
    return {
        "id": ident,
        "publisher": publisher,
        "title": title,
        "edition": None,
        "year": year,
        "url": url,
        "licence": NO_LICENCE,
        "citation": f"{publisher}. {title}. As received in {file} (publisher named by {how}).",
        "missing": "",
    }


def id_source(ident: str, publisher: dict | None, file: str) -> dict:
    """A source for an id a file names in SOURCE_DETAIL without describing it (an SDMX file
    exported by another target87 instance, the UN's): its publisher the file's sender when
    it names one. Created on import only if the store lacks the id."""
    by = publisher["publisher"] if publisher else "publisher not named in the file"
    title = f"Source {ident}, as named in {file}"
    return {
        "id": ident,
        "publisher": by,
        "title": title,
        "edition": None,
        "year": None,
        "url": None,
        "licence": NO_LICENCE,
        "citation": f"{by}. {title} (SOURCE_DETAIL; described by no other field of the file).",
        "missing": "",
    }


def settle_sources(raw: pd.DataFrame, source: str | None, publisher: dict | None) -> None:
    """Each row's source, in place: a ``source_detail`` that is a source id (our exports, the
    UN's) is the row's source; rows left without one take ``source`` (the user's
    ``--source``), else the ``publisher`` source the file names (added to
    ``attrs["sources"]``, created on import if the store lacks it). The producer's own words
    stay in ``source_detail``; a row with no source at all is refused by the rules, never
    given one by guess."""
    blank = raw["source"] == ""
    if not blank.any():
        return
    detail = raw["source_detail"]
    is_id = blank & detail.str.fullmatch(SOURCE_ID).fillna(False).astype(bool)
    if is_id.any():
        raw.loc[is_id, "source"] = detail[is_id]
        raw.loc[is_id, "source_detail"] = ""
        # An id the store may not hold (a file from another instance): described from what
        # the file says, created on import if missing (never refused for being unregistered).
        carried = {s["id"] for s in raw.attrs.get("sources", [])}
        named = sorted(set(detail[is_id]) - carried)
        raw.attrs["sources"] = [
            *raw.attrs.get("sources", []),
            *(id_source(i, publisher, raw.attrs.get("file", "a file")) for i in named),
        ]
    left = raw["source"] == ""
    if not left.any():
        return
    if source:
        raw.loc[left, "source"] = source
    elif publisher:
        raw.loc[left, "source"] = publisher["id"]
        carried = [s for s in raw.attrs.get("sources", []) if s["id"] != publisher["id"]]
        raw.attrs["sources"] = [*carried, publisher]
