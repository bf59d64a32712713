"""Subnational areas: a national file's own codes for its regions, as areas of its country.

National platforms code their regions their own way: INEGI numbers Mexico's states ``01`` to
``32`` with ``00`` for the nation, Kyrgyzstan writes ``KG02`` (ISO2 and a number), Kazakhstan
``KZAKM``. Told the file's country (``--area`` / the mapping's ``area``), such a code becomes
the area ``<ISO3>-<local code>`` (``MEX-07``, ``KGZ-02``, ``KAZ-AKM``), kind ``subnational``,
parent the country, named from the file's own column of names where it has one. A load
creates the areas it needs that the store lacks (``write_areas``), citing the sources of
the rows that brought them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.interop.codes import SUBNATIONAL_CODE
from target87.store.models import Area

SUBNATIONAL = SUBNATIONAL_CODE


def local_area(label: str, iso3: str, iso2: str | None) -> str | None:
    """The area a national file's own code names, given its country: all zeros or its ISO2
    -> the country; other digits -> ``ISO3-digits``; ISO2 followed by letters or digits ->
    ``ISO3-rest``; anything else None (a name, or another country's code)."""
    text = label.strip()
    if not text:
        return None
    if text.isdigit():
        return iso3 if int(text) == 0 else f"{iso3}-{text}"
    if text == "_T" or (iso2 and text.upper() == iso2.upper()):
        return iso3  # sdg-build writes _T for the national total
    if iso2 and len(text) > 2 and text[:2].upper() == iso2.upper() and text[2:].isalnum():
        return f"{iso3}-{text[2:].upper()}"
    return None


def parent_of(code: str) -> str | None:
    """``MEX-07`` -> ``MEX``; None for a code that is no subnational one."""
    match = SUBNATIONAL.match(code)
    return match[1] if match else None


def areas_to_create(session: Session, raw: pd.DataFrame) -> list[dict]:
    """Area rows for the table's subnational codes the store lacks, whose country it holds;
    names from ``raw.attrs["area_names"]`` (the file's own), else the code."""
    wanted = {c for c in raw["ref_area"].unique().tolist() if parent_of(c)}
    if not wanted:
        return []
    held = set(session.execute(select(Area.code).where(Area.code.in_(wanted))).scalars())
    parents = {parent_of(c) for c in wanted - held}
    countries = set(
        session.execute(
            select(Area.code).where(Area.code.in_(parents), Area.kind == "country")
        ).scalars()
    )
    names = raw.attrs.get("area_names", {})
    cited = raw.groupby("ref_area")["source"].unique()
    return [
        {
            "code": code,
            "kind": "subnational",
            "parent": parent_of(code),
            "name_en": names.get(code) or code,
            "pathfinder": False,
            "source": ";".join(sorted(cited[code])),  # the sources whose rows brought it
        }
        for code in sorted(wanted - held)
        if parent_of(code) in countries
    ]


def write_areas(session: Session, raw: pd.DataFrame) -> list[str]:
    """Create the subnational areas the table needs; returns their codes."""
    rows = areas_to_create(session, raw)
    for row in rows:
        session.add(Area(**row))
    if rows:
        session.flush()
    return [r["code"] for r in rows]
