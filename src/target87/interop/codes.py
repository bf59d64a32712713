"""Translating the codes of other systems into ours, and back; unknown codes are errors.

Ours follow the SDG global DSD: areas by ISO3 (aggregates ``WLD``, ``M49_xxx``, ...), sex
``_T/F/M``, age ``Y5T17``-style. Others: the SDG DSD's REF_AREA in M49 numeric, ILO's
prefixed ``SEX_T`` and ``AGE_...`` codes, UNICEF's ISO3 and ``Y5T17``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from target87.ingest.errors import LoadError, Problem
from target87.ingest.snapshot import bundled_snapshot_dir

SEX = {"_T": "_T", "F": "F", "M": "M", "T": "_T", "SEX_T": "_T", "SEX_F": "F", "SEX_M": "M"}
URBANISATION = {"_T": "_T", "U": "U", "R": "R", "URBANISATION_T": "_T"}
# ILO classif1 age codes that name a band we hold (ILOSTAT "AGE_..." families).
ILO_AGE = {
    "AGE_AGGREGATE_TOTAL": "_T",
    "AGE_5YRBANDS_TOTAL": "_T",
    "AGE_YTHADULT_Y05-17": "Y5T17",
    "AGE_AGGREGATE_Y05-17": "Y5T17",
    "AGE_CHILD_Y05-17": "Y5T17",
    "AGE_CHILD_Y05-14": "Y5T14",
    "AGE_CHILD_Y05-11": "Y5T11",
    "AGE_CHILD_Y12-14": "Y12T14",
    "AGE_CHILD_Y15-17": "Y15T17",
}
SUBNATIONAL_CODE = re.compile(r"^([A-Z]{3})-([A-Za-z0-9]{1,12})$")  # see interop.subnational
AGE_CODE = re.compile(r"^(_T|Y\d{1,2}T\d{1,2}|Y_GE\d{1,2}|Y_LT\d{1,2}|Y0T17)$")
ILO_AGE_RANGE = re.compile(r"^AGE_[A-Z0-9]+_Y(\d{2})-(\d{2})$")


@dataclass
class UnknownCodes:
    """Collects codes that map to nothing, to report them all at once."""

    file: str
    found: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    # The file's column -> our field, so that the message can name the mapping entry.
    fields: dict[str, str] = field(default_factory=dict)
    # (our field, the unknown code) -> the likeliest codes of ours, best first.
    hint: Callable[[str, str], list[str]] | None = None

    def add(self, column: str, code: str, row: int) -> None:
        self.found.setdefault((column, code), []).append(row)

    def raise_if_any(self) -> None:
        if not self.found:
            return
        problems = [
            Problem(
                self.file,
                rows[0],
                column,
                f"unknown code {code!r} ({len(rows)} row(s), first at {rows[0]})"
                + self._advice(column, code),
                rule="codes",
            )
            for (column, code), rows in sorted(self.found.items())
        ]
        raise LoadError(problems)

    def _advice(self, column: str, code: str) -> str:
        """The nearest known codes and the mapping entry that would read the code as one."""
        ours = self.fields.get(column)
        if not ours:
            return ""
        near = self.hint(ours, code) if self.hint else []
        text = f"; nearest known: {', '.join(near)}" if near else ""
        wanted = near[0] if near else "<code>"
        return text + f"; a mapping entry that reads it: codes: {{{ours}: {{{code!r}: {wanted}}}}}"


@lru_cache(maxsize=1)
def _bundled_areas() -> tuple[tuple[str, str, str, str], ...]:
    with open(bundled_snapshot_dir() / "areas.csv", encoding="utf-8", newline="") as f:
        return tuple((r["code"], r["iso3"], r["iso2"], r["m49"]) for r in csv.DictReader(f))


class CodeMap:
    """Area codes in every spelling we meet, built from the area table."""

    def __init__(self, areas: Iterable[tuple[str, str, str, str]] | None = None) -> None:
        self.to_area: dict[str, str] = {}
        self.to_m49: dict[str, str] = {}
        for code, iso3, _iso2, m49 in areas if areas is not None else _bundled_areas():
            self.to_area[code] = code
            if m49:
                self.to_m49[code] = m49
                # M49 numbers arrive as "76", "076" or "M49_076"-less; countries win over groups.
                self.to_area.setdefault(m49, code)
                self.to_area.setdefault(m49.lstrip("0") or "0", code)
            if iso3:
                self.to_area.setdefault(iso3, code)
        self.to_area.setdefault("1", "WLD")
        self.to_area.setdefault("001", "WLD")

    def area(self, code: str) -> str | None:
        """Our code for an area as spelled anywhere; a subnational code (``MEX-07``) of a
        known country is itself (the load creates the area when the store lacks it)."""
        code = code.strip()
        found = self.to_area.get(code)
        if found is None and (match := SUBNATIONAL_CODE.match(code)) and match[1] in self.to_area:
            return code
        return found

    def m49(self, area: str) -> str | None:
        """The M49 code of an area for SDMX export (aggregates without one give None)."""
        return self.to_m49.get(area)


def age(code: str) -> str | None:
    code = code.strip()
    if AGE_CODE.match(code):
        return code
    if code in ILO_AGE:
        return ILO_AGE[code]
    match = ILO_AGE_RANGE.match(code)
    if match:
        return f"Y{int(match.group(1))}T{int(match.group(2))}"
    return None


def rows_of_codes(
    positions: np.ndarray, rows: np.ndarray, wanted: Iterable[int]
) -> Iterator[tuple[int, np.ndarray]]:
    """For each wanted code (its position in the uniques of ``pd.factorize``), the rows that
    hold it, in file order: one sort of the matching rows, not a scan of the column per code
    (100,000 distinct unknown codes in a million rows take a second, not hours)."""
    wanted = np.asarray(sorted(set(wanted)), dtype=np.intp)
    if not len(wanted):
        return
    positions = np.asarray(positions)
    mask = np.isin(positions, wanted)
    hits, where = positions[mask], np.asarray(rows)[mask]
    order = np.argsort(hits, kind="stable")  # stable: rows keep their file order
    hits, where = hits[order], where[order]
    starts = np.flatnonzero(np.r_[True, hits[1:] != hits[:-1]])
    for code, group in zip(hits[starts], np.split(where, starts[1:]), strict=True):
        yield int(code), group


def map_column(
    raw: pd.DataFrame, column: str, mapper, unknown: UnknownCodes, label: str | None = None
) -> None:
    """Map ``raw[column]`` in place with ``mapper`` (a dict or a function); collect misses.

    ``mapper`` is called once per distinct value and the misses' rows are found in one pass.
    """
    lookup = mapper.get if isinstance(mapper, dict) else mapper
    unknown.fields.setdefault(label or column, column)
    values = raw[column]
    positions, uniques = pd.factorize(values)
    uniques = uniques.tolist()  # indexing a pandas Index per code would cost 10 µs each
    mapping, missed = {"": ""}, []
    for k, code in enumerate(uniques):
        if code == "":
            continue
        mapped = lookup(code)
        if mapped is None:
            missed.append(k)
        mapping[code] = mapped or code
    rows = raw["_row"].to_numpy()
    for k, hits in rows_of_codes(positions, rows, missed):
        unknown.found.setdefault((label or column, uniques[k]), []).extend(hits.tolist())
    raw[column] = values.map(mapping)
