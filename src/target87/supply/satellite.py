"""Satellite accounts of child labour and forced labour by (region, sector) for a given system.

The method is written out in ``docs/supply-method.md``; in short:

**Child labour** (persons aged 5-17), for each country ``c``:
``CL_c = p_c / 100 * P_c`` with ``p_c`` the child labour prevalence (%) of UNICEF's State of
the World's Children 2023 (table 12) and ``P_c`` the population aged 5-17, ``P_c = (under 18)
- (under 5)`` from the same report's table 1 (UN World Population Prospects 2022, year 2021).
A system's region gets the sum over the countries it covers. The region's child labour is split
among the broad sectors ``b`` (agriculture, industry, services) by the ILO-UNICEF global shares
``g_b`` of the chosen year, then among the system's sectors ``s`` of each broad sector by gross
output: ``F[r, s] = CL_r * g_b(s) * x_rs / sum_{s' in b(s)} x_rs'``. The inputs ship with the
package (``data/child_labour_countries.csv``, ``data/child_labour_sector_shares.csv``), made by
:func:`build_child_labour_tables` from the downloaded sources, so no download is needed.

**Forced labour**: the Shilling, Wiedmann and Malik matrix (cases by GTAP region x 57 GTAP
sectors) moved to the system's sectors by a concordance ``C`` (GTAP 57 x sectors) whose splits
follow each region's output: ``F[r, s] = sum_g FL[r, g] C[g, s] x_rs / sum_s' C[g, s'] x_rs'``.
The matrix does not ship: the caller gives its file. The project's copy is marked SYNTHETIC by
its SOURCE.txt, so the account is flagged ``demonstration`` and says so in its stressor name,
sources and assumptions.

Reading and building the inputs (:func:`read_child_labour_inputs`,
:func:`build_child_labour_tables`, :func:`read_shilling_matrix`) is apart from the arithmetic
(:func:`child_labour_by_country`, :func:`allocate_by_output`, :func:`split_by_output`), which is
pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .concordance import broad_sector_map, gtap57_to_icio2023, sector_table
from .errors import SupplyError
from .satellite_inputs import (
    SHILLING,
    ChildLabourInputs,
    child_labour_by_country,
    need_file,
    read_child_labour_inputs,
)
from .system import MRIO, Extension

CHILD_LABOUR = "child labour, 5-17"
FORCED_LABOUR = "forced labour (Shilling et al. matrix; SYNTHETIC values in this copy)"

DATA = Path(__file__).parent / "data"
CL_COUNTRIES = DATA / "child_labour_countries.csv"
CL_SHARES = DATA / "child_labour_sector_shares.csv"

# --- pure arithmetic --------------------------------------------------------------------------


def output_vector(mrio: MRIO) -> pd.Series:
    """Gross output ``x = Z 1 + Y 1`` by (region, sector)."""
    return pd.Series(
        mrio.Z.to_numpy().sum(axis=1) + mrio.Y.to_numpy().sum(axis=1), index=mrio.Z.index
    )


def allocate_by_output(
    totals: pd.Series, shares: Mapping[str, float], broad_of: Mapping[str, str], x: pd.Series
) -> tuple[pd.Series, list[str]]:
    """Split each region's total among its sectors: ``F[r, s] = T_r g_b(s) x_rs / x_r,b(s)``.

    ``totals`` by region, ``shares`` by broad sector (summing to 1), ``broad_of`` each sector's
    broad sector, ``x`` output by (region, sector). Where a region has no output in a broad
    sector, that sector's share goes to the region's other broad sectors in proportion to their
    shares (so the region's total is kept); each such case is returned as a note.
    """
    sectors = list(dict.fromkeys(x.index.get_level_values(1)))
    unmapped = [s for s in sectors if s not in broad_of]
    if unmapped:
        raise SupplyError(
            f"no broad sector (Agriculture, Industry, Services) for sectors {unmapped[:10]}"
        )
    out = pd.Series(0.0, index=x.index)
    notes = []
    for region, total in totals.items():
        if region not in x.index.get_level_values(0) or total == 0:
            continue
        xr = x.loc[region]
        by_broad = xr.groupby(lambda s: broad_of[s]).sum()
        active = {b: g for b, g in shares.items() if by_broad.get(b, 0.0) > 0}
        if not active:
            notes.append(
                f"{region}: no output in any sector; its {total:,.0f} persons are not allocated."
            )
            continue
        if len(active) < len(shares):
            missing = sorted(set(shares) - set(active))
            notes.append(
                f"{region}: no output in {missing}; their share goes to the other broad sectors."
            )
        norm = sum(active.values())
        for sector, value in xr.items():
            b = broad_of[sector]
            if b in active and value > 0:
                out[(region, sector)] = total * active[b] / norm * value / by_broad[b]
    return out, notes


def split_by_output(values: pd.DataFrame, concordance: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    """Move ``values`` (region x source sector) to the target sectors of ``concordance``
    (source x target, rows summing to 1), splitting a source sector among its targets by the
    region's output: ``F[r, s] = sum_g V[r, g] C[g, s] x_rs / sum_s' C[g, s'] x_rs'`` (the
    concordance's own weights where the region has no output in those targets).

    Returns a frame with the regions of ``values`` as rows and the target sectors as columns.
    """
    c = concordance.loc[list(values.columns)].to_numpy()
    out = np.zeros((len(values), c.shape[1]))
    for i, region in enumerate(values.index):
        xr = (
            x.loc[region].reindex(concordance.columns).fillna(0.0).to_numpy()
            if region in x.index.get_level_values(0)
            else np.zeros(c.shape[1])
        )
        weighted = c * xr[np.newaxis, :]
        denom = weighted.sum(axis=1, keepdims=True)
        w = np.where(denom > 0, weighted / np.where(denom > 0, denom, 1.0), c)
        out[i] = values.iloc[i].to_numpy() @ w
    return pd.DataFrame(out, index=values.index, columns=concordance.columns)


def region_members(
    regions: Sequence[str],
    available: Sequence[str],
    region_map: Mapping[str, str | Sequence[str]] | None,
) -> tuple[dict[str, list[str]], list[str]]:
    """The data codes each system region covers, and notes on how they were chosen.

    With no ``region_map``: a region whose name is a data code covers that code, and a region
    named ``ROW`` (rest of the world, as in OECD ICIO) covers every data code no other region
    covers. A ``region_map`` gives ``{region: code or [codes]}`` explicitly.
    """
    notes = []
    if region_map is not None:
        members = {
            r: [v] if isinstance(v, str) else list(v) for r, v in region_map.items() if r in regions
        }
        unknown = [r for r in region_map if r not in regions]
        if unknown:
            raise SupplyError(f"region map names regions not in the system: {unknown[:10]}")
    else:
        members = {r: [r] for r in regions if r in set(available)}
        if "ROW" in regions and "ROW" not in set(available):
            covered = {c for codes in members.values() for c in codes}
            members["ROW"] = [c for c in available if c not in covered]
            notes.append(
                f"ROW covers the {len(members['ROW'])} data countries not in other regions."
            )
    missing = [r for r in regions if not members.get(r)]
    if missing:
        notes.append(f"No data for regions {missing}: their values are 0 (unknown, not absent).")
    return members, notes


def _broad_of(mrio: MRIO, broad_of: Mapping[str, str] | str | None) -> tuple[dict[str, str], str]:
    if isinstance(broad_of, str):
        return broad_sector_map(
            broad_of
        ), f"broad sectors of the shipped {broad_of} table (ISIC Rev. 4 sections)"
    if broad_of is not None:
        return dict(broad_of), "broad sectors as given by the caller"
    for name in ("icio2023", "gtap57"):
        mapping = broad_sector_map(name)
        if set(mrio.sectors) <= set(mapping):
            return mapping, f"broad sectors of the shipped {name} table (ISIC Rev. 4 sections)"
    raise SupplyError(
        "the system's sectors are not ICIO 2023 or GTAP 57 codes: pass broad_of "
        "{sector: 'Agriculture' | 'Industry' | 'Services'}"
    )


def _to_extension_frame(values: pd.Series, mrio: MRIO, stressor: str) -> pd.DataFrame:
    frame = values.reindex(mrio.Z.columns).fillna(0.0).to_frame(stressor).T
    frame.index.name = "stressor"
    frame.columns.names = ["region", "sector"]
    return frame


# --- the accounts -----------------------------------------------------------------------------


def child_labour_account(
    mrio: MRIO,
    *,
    broad_of: Mapping[str, str] | str | None = None,
    region_map: Mapping[str, str | Sequence[str]] | None = None,
    inputs: ChildLabourInputs | None = None,
) -> Extension:
    """The child labour satellite account (persons 5-17) on ``mrio``'s regions and sectors.

    ``broad_of`` maps each sector to Agriculture, Industry or Services (or names a shipped
    classification: ``"icio2023"``, ``"gtap57"``, ``"eora26"``; detected for ICIO and GTAP
    codes). ``region_map`` maps each region to the ISO3 countries it covers (default: regions
    named by ISO3 code, ``ROW`` the rest). ``inputs`` default to :func:`read_child_labour_inputs`
    ``()``, the tables shipped in the package: no shared folder or download is needed.
    """
    data = inputs or read_child_labour_inputs()
    mapping, broad_note = _broad_of(mrio, broad_of)
    by_country = child_labour_by_country(data.prevalence_pct, data.population_5_17)
    members, region_notes = region_members(mrio.regions, list(by_country.index), region_map)
    totals = pd.Series(
        {r: float(by_country.reindex(codes).fillna(0.0).sum()) for r, codes in members.items()}
    )
    values, alloc_notes = allocate_by_output(
        totals, data.sector_shares, mapping, output_vector(mrio)
    )
    flagged = sorted(
        set(data.notes.index[data.notes.str.contains("x|y", regex=True)])
        & {c for v in members.values() for c in v}
    )
    shares = ", ".join(f"{k} {v:.0%}" for k, v in data.sector_shares.items())
    assumptions = [
        "Child labour of a country = SOWC 2023 prevalence (%, children 5-17, latest survey year "
        "2013-2021, year not given per country) x population 5-17 in 2021; survey and population "
        "years differ, and prevalence is assumed unchanged since the survey.",
        "Population 5-17 = population under 18 minus population under 5 (SOWC 2023 table 1).",
        "Countries without a SOWC prevalence (most high-income countries and others) count 0: "
        "child labour there is unknown, not absent, so footprints are lower bounds.",
        f"Every country's child labour is split among broad sectors by the ILO-UNICEF global "
        f"shares of {data.year} ({shares}); country differences in the sector mix are not "
        "known here.",
        f"Within a broad sector, child labour is split among the system's sectors by gross output "
        f"x = Z1 + Y1 (equal child labour per unit of output inside a broad sector); {broad_note}.",
        *region_notes,
        *alloc_notes,
    ]
    if flagged:
        assumptions.append(
            f"Prevalence marked x (outside 2013-2021) or y (non-standard definition or part of the "
            f"country) by UNICEF for {flagged}; used as published."
        )
    return Extension(
        name="child_labour",
        F=_to_extension_frame(values, mrio, CHILD_LABOUR),
        unit={CHILD_LABOUR: "persons"},
        sources=list(data.sources),
        assumptions=assumptions,
    )


def read_shilling_matrix(path: Path | str) -> pd.DataFrame:
    """The forced-labour matrix from ``path`` (a ``Shilling_Matrix_GTAP-AgUnSk.xlsx``): GTAP
    region codes (rows) x GTAP 57 sector codes (columns), cases (persons). Header labels
    ``CODE-Name-Group`` must match ``gtap57_sectors.csv``. Nothing ships with the package: the
    project's copy (``shared/data/supply``) holds synthetic values, for tests and demonstrations.
    """
    file = need_file(Path(path))
    raw = pd.read_excel(file, header=None)
    codes = [str(v).split("-", 1)[0] for v in raw.iloc[0, 4:]]
    expected = list(sector_table("gtap57")["code"])
    if codes != expected:
        pos = next(
            i for i, (a, b) in enumerate(zip(codes + [""] * 57, expected, strict=False)) if a != b
        )
        raise SupplyError(
            f"sector {codes[pos] if pos < len(codes) else None!r} where {expected[pos]!r} "
            "is expected",
            file=str(file),
            row=1,
            column=str(pos + 5),
        )
    body = raw.iloc[1:]
    values = body.iloc[:, 4:].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(values.to_numpy(float)) | (values.to_numpy(float) < 0)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise SupplyError(
            f"not a number >= 0: {body.iloc[i, 4 + j]!r}",
            file=str(file),
            row=i + 2,
            column=expected[j],
        )
    return pd.DataFrame(
        values.to_numpy(float),
        index=pd.Index(body.iloc[:, 1].astype(str), name="gtap_region"),
        columns=pd.Index(expected, name="gtap57"),
    )


def forced_labour_account(
    mrio: MRIO,
    *,
    concordance: pd.DataFrame | None = None,
    region_map: Mapping[str, str | Sequence[str]] | None = None,
    matrix: pd.DataFrame | Path | str | None = None,
) -> Extension:
    """The forced-labour satellite account on ``mrio``'s regions and sectors (see module doc).

    ``matrix`` is the Shilling et al. matrix (as :func:`read_shilling_matrix` returns it) or the
    path of its ``Shilling_Matrix_GTAP-AgUnSk.xlsx``; it is required, since none ships.
    ``concordance`` is GTAP 57 x the system's sectors (rows summing to 1; default: the shipped
    GTAP 57 -> ICIO 2023 one when the sectors are ICIO codes, identity for GTAP codes).
    ``region_map`` maps each region to GTAP region codes (default: same code; ``ROW`` the rest).
    The account is flagged ``demonstration``: the shared copy of the matrix is synthetic.
    """
    if matrix is None:
        raise SupplyError(
            f"the forced labour account needs matrix=: the file {SHILLING} (GTAP regions x 57 "
            "GTAP sectors, forced-labour cases; Shilling, Wiedmann and Malik 2021, from the "
            "make-labour-satellite project, MPL-2.0), given as its path or read with "
            "read_shilling_matrix(path). None ships with target87: the project's copy holds "
            "SYNTHETIC values, for tests and demonstrations only.",
            file=SHILLING,
        )
    data = matrix if isinstance(matrix, pd.DataFrame) else read_shilling_matrix(matrix)
    if concordance is None:
        if set(mrio.sectors) <= set(sector_table("icio2023")["code"]):
            concordance = gtap57_to_icio2023()[mrio.sectors]
            conc_note = (
                "GTAP 57 -> ICIO 2023 concordance shipped in supply/data (gtap57_to_icio2023.csv)"
            )
        elif set(mrio.sectors) == set(data.columns):
            concordance = pd.DataFrame(
                np.eye(len(data.columns)), index=data.columns, columns=data.columns
            )[mrio.sectors]
            conc_note = "identity (the system uses GTAP 57 sectors)"
        else:
            raise SupplyError(
                "pass a concordance GTAP 57 -> the system's sectors (concordance_matrix)"
            )
    else:
        conc_note = "concordance given by the caller"
    sums = concordance.sum(axis=1).reindex(data.columns).fillna(0.0)
    conc_notes = []
    if not np.allclose(sums, 1.0):
        # A system with only part of the target classification: GTAP sectors with no target
        # left are dropped, the others re-spread over the targets present; both are reported.
        lost = list(sums.index[sums <= 0])
        if conc_note == "concordance given by the caller" or (sums > 1 + 1e-9).any():
            raise SupplyError("concordance rows must sum to 1 for every GTAP 57 sector")
        concordance = concordance.reindex(data.columns).fillna(0.0)
        concordance = concordance.div(sums.where(sums > 0, 1.0), axis=0)
        conc_notes.append(
            f"The system has only some of the target sectors: GTAP sectors {lost} have no target "
            "and their cases are left out; the others are spread over the targets present."
        )
    members, region_notes = region_members(mrio.regions, list(data.index), region_map)
    by_region = pd.DataFrame(
        {r: data.reindex(codes).fillna(0.0).sum() for r, codes in members.items()}
    ).T
    if by_region.empty:
        by_region = pd.DataFrame(columns=data.columns, dtype=float)
    moved = split_by_output(by_region, concordance, output_vector(mrio))
    values = moved.stack()
    used = {c for codes in members.values() for c in codes}
    dropped = data.loc[[c for c in data.index if c not in used]].to_numpy().sum()
    return Extension(
        name="forced_labour",
        F=_to_extension_frame(values, mrio, FORCED_LABOUR),
        unit={FORCED_LABOUR: "persons (cases)"},
        sources=[
            "Shilling, Wiedmann and Malik (2021), Journal of Industrial Ecology: forced-labour "
            "satellite by country x 57 GTAP sectors (Shilling_Matrix_GTAP-AgUnSk.xlsx), as copied "
            "from modern-slavery-open-lib/make-labour-satellite (MPL-2.0), commit 0523fb5.",
            "The project's copy (shared/data/supply, SOURCE.txt) is marked SYNTHETIC/fictional, "
            "for unit tests only, not real economics; target87 treats every matrix given to it "
            "as that copy until a verified one is checked in.",
        ],
        assumptions=[
            "DEMONSTRATION ONLY: the matrix values in this copy are synthetic (SOURCE.txt); no "
            "figure from this account describes real forced labour.",
            f"Sectors moved with the {conc_note}; a GTAP sector spanning several target sectors "
            "is split by the region's gross output among them.",
            f"{dropped:,.0f} cases in GTAP regions not covered by the system's regions are "
            "left out.",
            *conc_notes,
            *region_notes,
        ],
        demonstration=True,
    )
