"""The evidence base's code lists, from ``data/interventions.yaml``: intervention types (with
names in English, French and Spanish and a definition each), outcomes, effect measures,
study designs, quality ratings and sexes.

The intervention types are also rows of ``evidence_intervention_type`` (effects refer to them
by code); :func:`sync_interventions` writes the file's types there, in the import's own
transaction, so the table always holds the taxonomy the code knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from target87.evidence.models import InterventionType

TAXONOMY_FILE = Path(__file__).parent / "data" / "interventions.yaml"


@dataclass(frozen=True)
class Term:
    """One code with its names (``fr``/``es`` may be empty) and definition."""

    code: str
    en: str
    fr: str = ""
    es: str = ""
    definition: str = ""

    def name(self, language: str = "en") -> str:
        return getattr(self, language, "") or self.en


@dataclass(frozen=True)
class Measure:
    """An effect measure; ``raw``: the raw data it can be computed from (``binary`` counts,
    ``continuous`` means, SDs and ns, or ``none``: only an estimate with its variance)."""

    code: str
    name: str
    raw: str


@cache
def _document() -> dict:
    return yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8"))


def _terms(key: str) -> tuple[Term, ...]:
    return tuple(
        Term(
            code=str(t["code"]),
            en=t["en"],
            fr=t.get("fr", ""),
            es=t.get("es", ""),
            definition=" ".join(str(t.get("definition", "")).split()),
        )
        for t in _document()[key]
    )


def interventions() -> tuple[Term, ...]:
    return _terms("interventions")


def outcomes() -> tuple[Term, ...]:
    return _terms("outcomes")


def designs() -> tuple[Term, ...]:
    return _terms("designs")


def quality_ratings() -> tuple[Term, ...]:
    return _terms("quality")


def sexes() -> tuple[Term, ...]:
    return _terms("sexes")


def measures() -> tuple[Measure, ...]:
    return tuple(Measure(str(m["code"]), m["name"], m["raw"]) for m in _document()["measures"])


def taxonomy_name() -> str:
    return f"{_document()['taxonomy']} (version {_document()['version']})"


def sync_interventions(session: Session) -> None:
    """Write the file's intervention types into ``evidence_intervention_type`` (add, update;
    a type no longer in the file stays while effects may refer to it)."""
    for term in interventions():
        row = session.get(InterventionType, term.code)
        if row is None:
            row = InterventionType(code=term.code)
            session.add(row)
        row.name_en, row.name_fr, row.name_es = term.en, term.fr or None, term.es or None
        row.definition = term.definition
    session.flush()
