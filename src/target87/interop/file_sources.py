"""Sources a file carries with its rows (our Excel's ``Sources`` sheet, our JSON's
``"sources"`` list): what a fresh instance creates on import, so that a file exported by one
target87 loads into another with the citation of every value.

Readers put the sources they find in ``raw.attrs["sources"]`` (``clean_sources``);
``sources_to_create`` picks those the rows cite and the store lacks, marked as created on
import. A source the store holds already is never changed by a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

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
