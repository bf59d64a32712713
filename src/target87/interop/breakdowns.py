"""Breakdowns beyond sex, age and urbanisation, as readers find them and the store keeps them.

Two kinds (see ``target87.store.breakdown`` for the stored form):

- **SDG dimensions** the global DSD has and our three columns do not (``NOT_HELD``: income
  quantile, education level, disability...): the code must be in the DSD's code list; the
  words come from it (and ``SDG_DIMENSIONS`` for the dimension in three languages).
- **National breakdowns**, any other column of a national file (``Type of exploitation``,
  ``Región``): its id is the header's slug (``TYPE_OF_EXPLOITATION``), each label's code its
  slug, and the file's own words are kept as their names.

A reader records what it found in ``raw.attrs["breakdowns"]`` (``{dimension: Found}``);
``label_rows`` turns that, with the DSD, into the rows of ``breakdown_dimension`` and
``breakdown_code`` that a load writes beside the observations (``write_labels``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.interop.sdmx_dsd import NOT_HELD, sdg_dsd
from target87.store.breakdown import (
    TOTAL,
    BreakdownError,
    canonical,
    is_total,
    parse,
    slug,
)
from target87.store.models import BreakdownCode, BreakdownDimension

# The SDG dimensions beyond our columns, in English, French and Spanish.
SDG_DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "INCOME_WEALTH_QUANTILE": (
        "Income or wealth quantile",
        "Quantile de revenu ou de richesse",
        "Quintil de ingresos o riqueza",
    ),
    "EDUCATION_LEV": ("Education level", "Niveau d'instruction", "Nivel educativo"),
    "OCCUPATION": ("Occupation", "Profession", "Ocupación"),
    "CUST_BREAKDOWN": (
        "Custodian breakdown",
        "Ventilation du dépositaire",
        "Desglose del custodio",
    ),
    "COMPOSITE_BREAKDOWN": ("Composite breakdown", "Ventilation composite", "Desglose compuesto"),
    "DISABILITY_STATUS": (
        "Disability status",
        "Situation de handicap",
        "Situación de discapacidad",
    ),
    "ACTIVITY": ("Economic activity", "Activité économique", "Actividad económica"),
    "PRODUCT": ("Product", "Produit", "Producto"),
}
assert set(SDG_DIMENSIONS) == set(NOT_HELD)
PREFIX = "breakdown:"
SDMX_ID = re.compile(
    r"^[A-Za-z0-9_@$\-.]{1,64}$"
)  # a mapping's column target: ``breakdown:INCOME_WEALTH_QUANTILE``


@dataclass
class Found:
    """One breakdown dimension a reader found: its words, kind, and its codes' words."""

    name: str
    national: bool
    codes: dict[str, str] = field(default_factory=dict)  # code -> the file's words


def is_sdg_dimension(dimension: str) -> bool:
    return dimension in SDG_DIMENSIONS


def sdg_code(dimension: str, label: str) -> str | None:
    """The DSD code of ``label`` in an SDG dimension: the code itself, or its English name
    (compared case-blind); None when neither."""
    dsd = sdg_dsd()
    text = label.strip()
    if text in dsd.codes.get(dimension, ()):
        return text
    wanted = text.casefold()
    for code, name in dsd.code_names.get(dimension, {}).items():
        if name.casefold() == wanted:
            return code
    return None


def national_column(
    header: str, labels: pd.Series, name: str | None = None
) -> tuple[str, pd.Series, Found]:
    """A national breakdown column: its id, each row's code (``_T`` for blank/total), and
    what was found. ``name``: the words to keep for the dimension (default: the header)."""
    dimension = slug(header)
    positions, uniques = pd.factorize(labels.fillna("").astype(str).str.strip())
    found = Found(name or header, national=True)
    codes = []
    for label in uniques.tolist():
        if is_total(label) or label.casefold() in {"total", "all", "todos", "tous"}:
            codes.append(TOTAL)
            continue
        code = slug(label)
        found.codes.setdefault(code, label)
        codes.append(code)
    table = np.array([*codes, TOTAL], dtype=object)
    return dimension, pd.Series(table[positions], index=labels.index), found


def sdg_column(
    dimension: str, labels: pd.Series, missed: Callable[[str], None]
) -> tuple[pd.Series, Found]:
    """An SDG dimension's column: each row's DSD code (``_T`` for blank); ``missed`` is told
    each label that is no code of the dimension (the caller reports it)."""
    positions, uniques = pd.factorize(labels.fillna("").astype(str).str.strip())
    found = Found(SDG_DIMENSIONS[dimension][0], national=False)
    codes = []
    for label in uniques.tolist():
        if is_total(label):
            codes.append(TOTAL)
            continue
        code = sdg_code(dimension, label)
        if code is None and SDMX_ID.match(label):
            code = label  # a code the bundled list lacks (newer, or national): kept
            found.codes[code] = label
        if code is None:
            missed(label)
            code = TOTAL
        codes.append(code)
    table = np.array([*codes, TOTAL], dtype=object)
    return pd.Series(table[positions], index=labels.index), found


def compose_columns(parts: Mapping[str, pd.Series], index: pd.Index) -> pd.Series:
    """Each row's canonical breakdown text from one code column per dimension (vectorised:
    dimensions sorted, totals left out, ``_T`` when nothing is left)."""
    out = np.full(len(index), "", dtype=object)
    for dimension in sorted(parts):
        cells = parts[dimension].to_numpy(dtype=object)
        held = np.array([not is_total(str(c)) for c in cells], dtype=bool)
        pair = np.where(held, dimension + "=" + cells.astype(str), "")
        both = (out != "") & (pair != "")
        out = np.where(both, out + ";" + pair, np.where(out == "", pair, out))
    return pd.Series(np.where(out == "", TOTAL, out), index=index, dtype=object)


def canonical_column(values: pd.Series) -> pd.Series:
    """A breakdown column as given (blank -> ``_T``; other text in canonical order). Text that
    is no breakdown stays as it is, for the validation rule to refuse with its row."""
    positions, uniques = pd.factorize(values.fillna("").astype(str).str.strip())
    mapped = []
    for text in uniques.tolist():
        try:
            mapped.append(canonical(text))
        except BreakdownError:
            mapped.append(text)
    table = np.array([*mapped, TOTAL], dtype=object)
    return pd.Series(table[positions], index=values.index)


def label_rows(
    raw: pd.DataFrame, found: Mapping[str, Found] | None = None
) -> tuple[list[dict], list[dict]]:
    """Rows for ``breakdown_dimension`` and ``breakdown_code`` naming every dimension and code
    the table's breakdowns use: the reader's words (``found``, default ``attrs``), else the
    DSD's, else the code itself."""
    found = dict(found if found is not None else raw.attrs.get("breakdowns", {}))
    used: dict[str, set[str]] = {}
    if "breakdown" in raw:
        for text in raw["breakdown"].unique().tolist():
            try:
                parts = parse(text)
            except BreakdownError:
                continue  # refused by the rules; nothing to name
            for dimension, code in parts.items():
                used.setdefault(dimension, set()).add(code)
    dimensions, codes = [], []
    dsd = sdg_dsd()
    for dimension in sorted(used):
        seen = found.get(dimension)
        if is_sdg_dimension(dimension):
            en, fr, es = SDG_DIMENSIONS[dimension]
            national = False
        else:
            en = seen.name if seen else dimension
            fr = es = None
            national = True
        dimensions.append(
            {"id": dimension, "name_en": en, "name_fr": fr, "name_es": es, "national": national}
        )
        names = dsd.code_names.get(dimension, {}) if not national else {}
        for code in sorted(used[dimension]):
            words = (seen.codes.get(code) if seen else None) or names.get(code) or code
            codes.append(
                {
                    "dimension": dimension,
                    "code": code,
                    "name_en": words,
                    "name_fr": None,
                    "name_es": None,
                }
            )
    return dimensions, codes


def write_labels(session: Session, raw: pd.DataFrame) -> None:
    """Add the words of the table's breakdown dimensions and codes the store lacks; words the
    store holds are never changed by a file."""
    dimensions, codes = label_rows(raw)
    if not dimensions:
        return
    held = set(session.execute(select(BreakdownDimension.id)).scalars())
    for row in dimensions:
        if row["id"] not in held:
            session.add(BreakdownDimension(**row))
    session.flush()
    wanted = {(c["dimension"], c["code"]) for c in codes}
    held_codes = {
        (d, c)
        for d, c in session.execute(
            select(BreakdownCode.dimension, BreakdownCode.code).where(
                BreakdownCode.dimension.in_({d for d, _ in wanted})
            )
        )
    }
    for row in codes:
        if (row["dimension"], row["code"]) not in held_codes:
            session.add(BreakdownCode(**row))
    session.flush()


def merged(*founds: Mapping[str, Found]) -> dict[str, Found]:
    """Several files' findings as one (a folder of several CSVs)."""
    out: dict[str, Found] = {}
    for one in founds:
        for dimension, item in one.items():
            into = out.setdefault(dimension, Found(item.name, item.national))
            for code, words in item.codes.items():
                into.codes.setdefault(code, words)
    return out


def dimension_of_target(target: str) -> str | None:
    """``breakdown:EDUCATION_LEV`` (a mapping's column target) -> ``EDUCATION_LEV``."""
    return target.removeprefix(PREFIX) if target.startswith(PREFIX) else None


def used_dimensions(texts: Iterable[str]) -> list[str]:
    """The dimensions a set of breakdown texts name, sorted (for display columns)."""
    out: set[str] = set()
    for text in texts:
        try:
            out.update(parse(text))
        except BreakdownError:
            continue
    return sorted(out)
