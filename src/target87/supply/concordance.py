"""Concordance and aggregation matrices between sector and region classifications.

A concordance from a source classification (rows) to a target one (columns) is a matrix
``C`` with ``C[i, j] >= 0`` and every row summing to 1: source item ``i`` sends the share
``C[i, j]`` of its value to target item ``j``. A many-to-one aggregation has a single 1 in each
row; a one-to-many split carries the given weights, normalised per row. Moving an account
``F`` (stressors x source items) to the target is ``F C``; the totals ``F 1`` are kept because
``C 1 = 1``.

:func:`aggregate` applies a many-to-one map of regions and of sectors to a whole system:
``Z' = G' Z G``, ``Y'`` rows by ``G`` and columns by the region map, ``F' = F G``, with ``G`` the
aggregation matrix of (region, sector) pairs (pymrio's ``aggregate`` does the same; the test
compares them). Totals of ``Z``, ``Y``, ``F`` and ``F_Y`` are preserved.

HS codes reach sectors through the "HSCPC" root classification of the Global MRIO Lab (6,357
items: 5,401 HS 6-digit goods, then CPC services), whose concordances to GTAP 57, Eora 26 and
GLORIA 120 sectors and to ILO broad sectors ship with the make-labour-satellite project
(MPL-2.0; copies in ``shared/data/supply/``). :func:`build_hs_table` turns them into one table
of HS codes (``data/hs_sectors.csv``, shipped); :func:`hs_to_sector` looks a code up in it. The
classifications and their labels are described in ``data/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SupplyError
from .system import MRIO, Extension

DATA = Path(__file__).parent / "data"
HS_TABLE = DATA / "hs_sectors.csv"
#: The classifications :func:`hs_to_sector` knows, with the column of ``hs_sectors.csv`` behind
#: each (``icio2023`` goes through ``gtap57`` and ``gtap57_to_icio2023.csv``).
CLASSIFICATIONS = ("gtap57", "eora26", "gloria120", "gems6", "ilo3", "icio2023")
#: Number of HS 6-digit items at the start of the HSCPC root classification (the rest are CPC).
HSCPC_GOODS = 5401

Mapping_ = Mapping[str, str] | Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, float]]


def concordance_matrix(
    table: pd.DataFrame | Mapping_,
    *,
    source_labels: Sequence[str] | None = None,
    target_labels: Sequence[str] | None = None,
    equal_split: bool = False,
    name: str = "concordance",
) -> pd.DataFrame:
    """Build the concordance matrix ``C`` (source x target, rows summing to 1) from a mapping.

    ``table`` is either a DataFrame with columns ``source``, ``target`` and optionally
    ``weight``, or a mapping ``{source: target}``, ``{source: [targets]}`` or
    ``{source: {target: weight}}``. ``C[i, j] = w_ij / sum_k w_ik``. A source mapped to several
    targets without weights is refused unless ``equal_split`` (then ``w = 1`` each), because an
    equal split is an assumption the caller must choose. ``source_labels`` (every one must be
    mapped) and ``target_labels`` (every target must be one of them) fix the order and are
    checked; otherwise the order of first appearance is used.
    """
    pairs = _pairs(table, name)
    missing_weight = {s for s, _t, w in pairs if w is None}
    counts = pd.Series([s for s, _t, _w in pairs]).value_counts()
    split_unweighted = sorted(s for s in missing_weight if counts[s] > 1)
    if split_unweighted and not equal_split:
        raise SupplyError(
            f"{name}: {split_unweighted[:5]} map to several targets without weights; give "
            "weights or pass equal_split=True",
            column="weight",
        )
    sources = list(dict.fromkeys(s for s, _t, _w in pairs))
    targets = list(dict.fromkeys(t for _s, t, _w in pairs))
    if source_labels is not None:
        unmapped = [s for s in source_labels if s not in set(sources)]
        if unmapped:
            raise SupplyError(f"{name}: no target for {unmapped[:10]}", column="source")
        extra = [s for s in sources if s not in set(source_labels)]
        if extra:
            raise SupplyError(f"{name}: unknown source labels {extra[:10]}", column="source")
        sources = list(source_labels)
    if target_labels is not None:
        unknown = [t for t in targets if t not in set(target_labels)]
        if unknown:
            raise SupplyError(f"{name}: unknown target labels {unknown[:10]}", column="target")
        targets = list(target_labels)
    matrix = pd.DataFrame(0.0, index=pd.Index(sources), columns=pd.Index(targets))
    for s, t, w in pairs:
        weight = 1.0 if w is None else float(w)
        if not np.isfinite(weight) or weight < 0:
            raise SupplyError(
                f"{name}: weight {w!r} of {s!r} -> {t!r} is not >= 0", column="weight"
            )
        matrix.loc[s, t] += weight
    totals = matrix.sum(axis=1)
    zero = list(totals.index[totals <= 0])
    if zero:
        raise SupplyError(f"{name}: weights of {zero[:5]} sum to zero", column="weight")
    return matrix.div(totals, axis=0)


def _pairs(table: pd.DataFrame | Mapping_, name: str) -> list[tuple[str, str, float | None]]:
    if isinstance(table, pd.DataFrame):
        for col in ("source", "target"):
            if col not in table.columns:
                raise SupplyError(f"{name}: no column {col!r}", column=col)
        weights = table["weight"] if "weight" in table.columns else [None] * len(table)
        out = []
        for row, (s, t, w) in enumerate(
            zip(table["source"], table["target"], weights, strict=True)
        ):
            if pd.isna(s) or pd.isna(t):
                raise SupplyError(f"{name}: empty source or target", row=row + 2)
            out.append((str(s), str(t), None if w is None or pd.isna(w) else float(w)))
        return out
    out = []
    for s, value in table.items():
        if isinstance(value, str):
            out.append((s, value, None))
        elif isinstance(value, Mapping):
            out.extend((s, t, float(w)) for t, w in value.items())
        else:
            out.extend((s, t, None) for t in value)
    return out


def apply_concordance(frame: pd.DataFrame, matrix: pd.DataFrame, *, axis: int = 1) -> pd.DataFrame:
    """Move ``frame`` from the source to the target classification: ``frame C`` (axis 1) or
    ``C' frame`` (axis 0). Labels of ``frame`` missing from ``C`` are refused by name."""
    labels = frame.columns if axis == 1 else frame.index
    missing = [label for label in labels if label not in matrix.index]
    if missing:
        raise SupplyError(f"no concordance row for {missing[:10]}")
    c = matrix.loc[list(labels)].to_numpy()
    if axis == 1:
        return pd.DataFrame(frame.to_numpy() @ c, index=frame.index, columns=matrix.columns)
    return pd.DataFrame(c.T @ frame.to_numpy(), index=matrix.columns, columns=frame.columns)


# --- aggregation of a whole system ----------------------------------------------------------


def _many_to_one(mapping: Mapping[str, str] | None, labels: list[str], what: str) -> dict[str, str]:
    if mapping is None:
        return {label: label for label in labels}
    missing = [label for label in labels if label not in mapping]
    if missing:
        raise SupplyError(f"{what} map: no target for {missing[:10]}")
    split = [k for k, v in mapping.items() if not isinstance(v, str)]
    if split:
        raise SupplyError(f"{what} map: aggregate takes many-to-one maps; {split[:5]} split")
    return {label: mapping[label] for label in labels}


def _group(frame: pd.DataFrame, keys: list, axis: int) -> pd.DataFrame:
    """Sum rows (axis 0) or columns (axis 1) sharing a key, keys in order of first appearance."""
    order = list(dict.fromkeys(keys))
    codes = np.array([order.index(k) for k in keys]) if keys else np.array([], dtype=int)
    g = np.zeros((len(keys), len(order)))
    g[np.arange(len(keys)), codes] = 1.0
    values = frame.to_numpy(dtype=float)
    idx = (
        pd.MultiIndex.from_tuples(order)
        if order and isinstance(order[0], tuple)
        else pd.Index(order)
    )
    if axis == 0:
        idx.names = frame.index.names
        return pd.DataFrame(g.T @ values, index=idx, columns=frame.columns)
    idx.names = frame.columns.names
    return pd.DataFrame(values @ g, index=frame.index, columns=idx)


def aggregate(
    mrio: MRIO,
    region_map: Mapping[str, str] | None = None,
    sector_map: Mapping[str, str] | None = None,
) -> MRIO:
    """Aggregate regions and sectors of ``mrio`` (many-to-one maps; ``None`` keeps the level).

    With ``G`` the 0/1 aggregation matrix of (region, sector) pairs: ``Z' = G' Z G``,
    ``Y' = G' Y H`` (``H`` aggregates Y's (region, category) columns by the region map),
    ``F' = F G`` and ``F_Y' = F_Y H``. Sums of all four are unchanged. Units, sources and
    assumptions of the extensions are kept, with the aggregation added to the assumptions.
    """
    r_map = _many_to_one(region_map, mrio.regions, "region")
    s_map = _many_to_one(sector_map, mrio.sectors, "sector")
    rows = [(r_map[r], s_map[s]) for r, s in mrio.Z.index]
    cols = [(r_map[r], s_map[s]) for r, s in mrio.Z.columns]
    z = _group(_group(mrio.Z, rows, 0), cols, 1)
    y_cols = [(r_map.get(r, r), c) for r, c in mrio.Y.columns]
    y = _group(_group(mrio.Y, rows, 0), y_cols, 1)
    note = (
        f"Aggregated from {len(mrio.regions)} regions x {len(mrio.sectors)} sectors to "
        f"{len(set(r_map.values()))} x {len(set(s_map.values()))} by summing (many-to-one)."
    )
    extensions = {}
    for key, ext in mrio.extensions.items():
        f_cols = [(r_map[r], s_map[s]) for r, s in ext.F.columns]
        f_y = None
        if ext.F_Y is not None:
            f_y = _group(ext.F_Y, [(r_map.get(r, r), c) for r, c in ext.F_Y.columns], 1)
        extensions[key] = Extension(
            name=ext.name,
            F=_group(ext.F, f_cols, 1),
            F_Y=f_y,
            unit=dict(ext.unit),
            sources=list(ext.sources),
            assumptions=[*ext.assumptions, note],
            demonstration=ext.demonstration,
        )
    return MRIO(
        Z=z,
        Y=y,
        extensions=extensions,
        unit=mrio.unit,
        origin=f"{mrio.origin} (aggregated)" if mrio.origin else "aggregated",
        demonstration=mrio.demonstration,
    )


# --- classifications shipped in data/ --------------------------------------------------------


@cache
def sector_table(classification: str) -> pd.DataFrame:
    """The sector list of a shipped classification (``icio2023``, ``gtap57``, ``eora26``),
    with its ILO broad sector (Agriculture, Industry, Services by ISIC Rev. 4 sections)."""
    files = {
        "icio2023": "icio2023_sectors.csv",
        "gtap57": "gtap57_sectors.csv",
        "eora26": "eora26_sectors.csv",
    }
    if classification not in files:
        raise SupplyError(f"no sector table for {classification!r}; known: {sorted(files)}")
    return pd.read_csv(DATA / files[classification], dtype=str, keep_default_na=False)


def broad_sector_map(classification: str) -> dict[str, str]:
    """``{sector: ILO broad sector}`` for a shipped classification, by ISIC Rev. 4 sections
    (A: Agriculture; B-F: Industry; G-U: Services), the grouping of the ILO-UNICEF estimates.
    Eora's 26th item (re-export and re-import) has no broad sector and is left out."""
    table = sector_table(classification)
    key = "name" if classification == "eora26" else "code"
    return {k: v for k, v in zip(table[key], table["ilo_broad"], strict=True) if v}


def gtap57_to_icio2023() -> pd.DataFrame:
    """Concordance matrix GTAP 57 -> ICIO 2023 (45 ISIC sectors), from ``gtap57_to_icio2023.csv``.

    A GTAP sector spanning several ICIO sectors (chemicals, rubber and plastics -> C20, C21,
    C22, say) is split equally here; :func:`target87.supply.satellite.forced_labour_account`
    replaces the equal split by each region's output shares."""
    table = pd.read_csv(DATA / "gtap57_to_icio2023.csv", dtype={"gtap57": str, "icio2023": str})
    table = table.rename(columns={"gtap57": "source", "icio2023": "target"})
    return concordance_matrix(
        table,
        source_labels=list(sector_table("gtap57")["code"]),
        target_labels=list(sector_table("icio2023")["code"]),
        name="gtap57_to_icio2023.csv",
    )


# --- HS codes --------------------------------------------------------------------------------


def _read_conc_xlsx(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Read a make-labour-satellite concordance workbook: first row the 6,357 HSCPC item
    labels, first column the target sectors, 0/1 cells."""
    if not path.exists():
        raise SupplyError("file not found", file=str(path))
    raw = pd.read_excel(path, header=None)
    items = [str(v) for v in raw.iloc[0, 1:]]
    sectors = [str(v) for v in raw.iloc[1:, 0]]
    values = raw.iloc[1:, 1:].to_numpy(dtype=float)
    return items, sectors, values


def _read_conc_csv(path: Path) -> np.ndarray:
    if not path.exists():
        raise SupplyError("file not found", file=str(path))
    return np.loadtxt(path, delimiter=",", ndmin=2)


def _one_target(values: np.ndarray, labels: Sequence[str], file: str) -> list[str]:
    """The target of each HSCPC column of a 0/1 concordance; each column must have one 1."""
    sums = values.sum(axis=0)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        raise SupplyError(
            f"HSCPC column does not map to exactly one sector (sum {sums[bad[0]]})",
            file=file,
            column=str(bad[0] + 2),
        )
    return [labels[i] for i in values.argmax(axis=0)]


def build_hs_table(supply_dir: Path) -> pd.DataFrame:
    """One row per HS 6-digit code of the HSCPC root classification, with its sector in each
    classification, from the concordance files in ``supply_dir`` (``shared/data/supply``).

    The HSCPC labels end with the code, whose leading zero was lost (``"... 10111"`` is HS
    010111); the first :data:`HSCPC_GOODS` items are HS goods, the rest CPC services (not HS,
    so left out). Columns: ``hs6``, ``description``, ``gtap57`` (code), ``eora26`` (name),
    ``gloria120`` (sector number 1-120: the file carries no names), ``gems6`` and ``ilo3`` (the
    broad sector as the ``ILO_CLD_XHAZ...`` file assigns it, which departs from ISIC in places;
    see ``docs/supply-method.md``).
    """
    items, gtap_names, gtap = _read_conc_xlsx(supply_dir / "shilling_conc.xlsx")
    gtap_codes = dict(
        zip(sector_table("gtap57")["conc_name"], sector_table("gtap57")["code"], strict=True)
    )
    unknown = [n for n in gtap_names if n not in gtap_codes]
    if unknown:
        raise SupplyError(
            f"GTAP sector names not in gtap57_sectors.csv: {unknown[:5]}",
            file="shilling_conc.xlsx",
            column="A",
        )
    out = pd.DataFrame({"item": items})
    out["gtap57"] = _one_target(gtap, [gtap_codes[n] for n in gtap_names], "shilling_conc.xlsx")
    for key, file in (
        ("gems6", "GEMS_6_conc.xlsx"),
        ("ilo3", "ILO_CLD_XHAZ_SEX_AGE_ECO_NB_A_EN_3_conc.xlsx"),
    ):
        other_items, names, values = _read_conc_xlsx(supply_dir / file)
        if other_items != items:
            raise SupplyError("HSCPC items differ from shilling_conc.xlsx", file=file, row=1)
        out[key] = _one_target(values, names, file)
    eora_names = list(sector_table("eora26")["name"])
    eora = _read_conc_csv(supply_dir / "HSCPC_Eora25_secagg.csv")
    out["eora26"] = _one_target(eora, eora_names[: eora.shape[0]], "HSCPC_Eora25_secagg.csv")
    gloria = _read_conc_csv(supply_dir / "HSCPC_gloria_120_secagg.csv")
    out["gloria120"] = _one_target(
        gloria, [str(i + 1) for i in range(gloria.shape[0])], "HSCPC_gloria_120_secagg.csv"
    )
    for values, file in (
        (eora, "HSCPC_Eora25_secagg.csv"),
        (gloria, "HSCPC_gloria_120_secagg.csv"),
    ):
        if values.shape[1] != len(items):
            raise SupplyError(f"{values.shape[1]} columns, expected {len(items)}", file=file)
    goods = out.iloc[:HSCPC_GOODS].copy()
    split = goods["item"].str.extract(r"^(?P<description>.*) (?P<code>\d{5,6})$")
    if split["code"].isna().any():
        bad = int(np.flatnonzero(split["code"].isna())[0])
        raise SupplyError(
            "HSCPC label does not end with an HS code",
            file="shilling_conc.xlsx",
            row=1,
            column=str(bad + 2),
        )
    goods.insert(0, "hs6", split["code"].str.zfill(6))
    # The source lost its hyphens to zeros ("pure0bred"); a zero between letters was a hyphen.
    goods.insert(
        1,
        "description",
        split["description"].str.replace(r"(?<=[A-Za-z])0(?=[A-Za-z])", "-", regex=True),
    )
    if goods["hs6"].duplicated().any():
        dup = goods.loc[goods["hs6"].duplicated(), "hs6"].iloc[0]
        raise SupplyError(f"HS code {dup} appears twice", file="shilling_conc.xlsx")
    return goods.drop(columns="item").reset_index(drop=True)


@cache
def hs_table() -> pd.DataFrame:
    """The shipped HS table (``data/hs_sectors.csv``, made by :func:`build_hs_table`)."""
    return pd.read_csv(HS_TABLE, dtype=str, keep_default_na=False)


@dataclass(frozen=True)
class SectorMatch:
    """Where an HS code falls in a classification.

    ``sectors`` maps each sector to its share of the HS 6-digit lines matched (1.0 for a single
    HS6 line; for an HS4 or HS2 heading, the share of its lines in each sector). ``matched_on``
    says how the code was matched: ``"HS6"``, ``"HS4"`` or ``"HS2"`` (a code absent at its own
    level, e.g. from a later HS edition, falls back to its heading or chapter).
    """

    code: str
    classification: str
    matched_on: str
    sectors: dict[str, float] = field(default_factory=dict)
    source: str = (
        "HSCPC concordances of the make-labour-satellite project (Univ. Sydney, MPL-2.0), "
        "via target87 supply/data/hs_sectors.csv"
    )


def hs_to_sector(code: str | int, classification: str = "gtap57") -> SectorMatch:
    """The sector(s) of an HS code (2, 4 or 6 digits; dots and spaces ignored) in a
    classification of :data:`CLASSIFICATIONS`.

    A 6-digit code not in the table falls back to its 4-digit heading, then its chapter; the
    shares are those of the table's HS6 lines under the matched prefix. ``icio2023`` composes
    the GTAP 57 match with :func:`gtap57_to_icio2023` (equal split of a GTAP sector spanning
    several ICIO sectors). An unknown code raises :class:`SupplyError` naming it.
    """
    if classification not in CLASSIFICATIONS:
        raise SupplyError(
            f"unknown classification {classification!r}; known: {list(CLASSIFICATIONS)}"
        )
    text = re.sub(r"[.\s]", "", str(code))
    if not re.fullmatch(r"\d{1,6}", text):
        raise SupplyError(f"{code!r} is not an HS code (2, 4 or 6 digits)", column="commodity")
    if len(text) % 2:  # a leading zero lost by a spreadsheet: 10111 is HS 010111
        text = "0" + text
    table = hs_table()
    column = "gtap57" if classification == "icio2023" else classification
    for digits in (6, 4, 2):
        if len(text) < digits:
            continue
        rows = table[table["hs6"].str.startswith(text[:digits])]
        if len(rows):
            shares = rows[column].value_counts(normalize=True, sort=False)
            sectors = {str(k): float(v) for k, v in shares.items()}
            if classification == "icio2023":
                c = gtap57_to_icio2023()
                mixed = pd.Series(sectors) @ c.loc[list(sectors)]
                sectors = {str(k): float(v) for k, v in mixed.items() if v > 0}
            return SectorMatch(str(code), classification, f"HS{digits}", sectors)
    raise SupplyError(f"HS code {code!r} is not in the HS-CPC concordance", column="commodity")
