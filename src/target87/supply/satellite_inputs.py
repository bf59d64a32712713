"""The inputs of the satellite accounts: reading, building and shipping them.

The child labour account's inputs ship with the package (``data/child_labour_countries.csv``,
``data/child_labour_sector_shares.csv``); :func:`build_child_labour_tables` makes them from the
downloaded sources (UNICEF's State of the World's Children 2023, the ILO-UNICEF global
estimates) and a test checks the shipped copy equals a fresh build. The forced-labour matrix
(:func:`read_shilling_matrix` in :mod:`target87.supply.satellite`) is given by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SupplyError

DATA = Path(__file__).parent / "data"
CL_COUNTRIES = DATA / "child_labour_countries.csv"
CL_SHARES = DATA / "child_labour_sector_shares.csv"
BROAD = ("Agriculture", "Industry", "Services")

# Inputs of build_child_labour_tables, relative to the shared data folder it is given.
SOWC = "child_labour/SOWC-2023-Statistical-tables-All-EN.xlsx"
SOWC_TIDY = "child_labour/sowc2023_child_labour_5_17_tidy.csv"
SHARES = "global_estimates/ilo_unicef_2020_2024_sector_shares.csv"
SHILLING = "Shilling_Matrix_GTAP-AgUnSk.xlsx"

POPULATION_METHOD = "under 18 minus under 5, SOWC 2023 table 1 (UN WPP 2022), x 1000, rounded"
COUNTRY_DTYPES = {
    "iso3": str,
    "country_sowc": str,
    "child_labour_pct": float,
    "prevalence_note": str,
    "prevalence_period": str,
    "pop_under_18_thousands": float,
    "pop_under_5_thousands": float,
    "population_5_17": "Int64",
    "population_year": "Int64",
    "population_method": str,
}
SHARE_DTYPES = {"year": int, "sector": str, "share_of_child_labour_pct": float, "source": str}


def need_file(path: Path) -> Path:
    if not path.exists():
        raise SupplyError("file not found", file=str(path))
    return path


# --- child labour: inputs --------------------------------------------------------------------


@dataclass(frozen=True)
class ChildLabourInputs:
    """What the child labour account is built from, by ISO3 country code."""

    prevalence_pct: pd.Series
    notes: pd.Series
    population_5_17: pd.Series
    sector_shares: dict[str, float]
    year: int
    sources: list[str] = field(default_factory=list)


def _sowc_population(path: Path, names: Mapping[str, str]) -> pd.DataFrame:
    """Population under 18 and under 5 (thousands, as published) by ISO3 from SOWC 2023
    table 1, for the countries named in ``names`` (SOWC name -> ISO3)."""
    raw = pd.read_excel(path, sheet_name="1. Demographics", header=None)
    header = raw.index[raw.iloc[:, 1].astype(str).str.strip() == "country"]
    if not len(header) or list(raw.iloc[header[0], [2, 4, 6]]) != [
        "pop_total",
        "pop_under_18",
        "pop_under_5",
    ]:
        raise SupplyError(
            "table 1 layout changed: expected pop_total, pop_under_18, pop_under_5 in "
            "columns C, E, G of the 'country' row",
            file=str(path),
            column="1. Demographics",
        )
    out = {}
    for i in range(header[0] + 1, len(raw)):
        name = raw.iloc[i, 1]
        if isinstance(name, str) and name.strip() == "SUMMARY":
            break
        if not isinstance(name, str) or name.strip() not in names:
            continue
        under18, under5 = pd.to_numeric(raw.iloc[i, [4, 6]], errors="coerce")
        if np.isfinite(under18) and np.isfinite(under5):
            out[names[name.strip()]] = (float(under18), float(under5))
    return pd.DataFrame.from_dict(
        out, orient="index", columns=["pop_under_18_thousands", "pop_under_5_thousands"]
    )


def _check_prevalence(values: pd.Series, lines: Sequence[int], file: Path, column: str) -> None:
    bad = np.flatnonzero(~((values >= 0) & (values <= 100)).to_numpy())
    if bad.size:
        raise SupplyError(
            f"prevalence {float(values.iloc[bad[0]])} is not a percentage (0-100)",
            file=str(file),
            row=int(lines[bad[0]]),
            column=column,
        )


def build_child_labour_tables(shared_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables shipped in ``data/``, rebuilt from the downloaded sources in
    ``shared_dir`` (the project's ``shared/data``): ``(countries, shares)``.

    ``countries``: one row per ISO3 country with a SOWC 2023 child labour prevalence (table 12,
    via ``child_labour/sowc2023_child_labour_5_17_tidy.csv``): the prevalence (%), UNICEF's note
    (``x``: survey outside 2013-2021; ``y``: non-standard definition or part of the country) and
    the period it implies (SOWC gives no year per country), population under 18 and under 5 in
    thousands as table 1 of ``SOWC-2023-Statistical-tables-All-EN.xlsx`` gives them (2021), and
    ``population_5_17 = round(1000 (under 18 - under 5))`` persons. ``shares``: the ILO-UNICEF
    share of child labour by broad sector, by year, with its report
    (``global_estimates/ilo_unicef_2020_2024_sector_shares.csv``).
    """
    tidy_file = need_file(shared_dir / SOWC_TIDY)
    tidy = pd.read_csv(tidy_file, dtype={"iso3": str, "total_note": str})
    tidy = tidy[tidy["iso3"].notna() & (tidy["iso3"].str.len() == 3)]
    names = dict(zip(tidy["country_sowc"].str.strip(), tidy["iso3"], strict=True))
    rows = tidy[tidy["child_labour_total_pct"].notna()]
    _check_prevalence(
        rows["child_labour_total_pct"], rows.index + 2, tidy_file, "child_labour_total_pct"
    )
    population = _sowc_population(need_file(shared_dir / SOWC), names).reindex(rows["iso3"])
    notes = rows["total_note"].fillna("").str.strip().to_numpy(str)
    countries = pd.DataFrame(
        {
            "iso3": rows["iso3"].to_numpy(str),
            "country_sowc": rows["country_sowc"].str.strip().to_numpy(str),
            "child_labour_pct": rows["child_labour_total_pct"].to_numpy(float),
            "prevalence_note": notes,
            "prevalence_period": ["outside 2013-2021" if "x" in n else "2013-2021" for n in notes],
            "pop_under_18_thousands": population["pop_under_18_thousands"].to_numpy(float),
            "pop_under_5_thousands": population["pop_under_5_thousands"].to_numpy(float),
        }
    )
    persons = (countries["pop_under_18_thousands"] - countries["pop_under_5_thousands"]) * 1000
    countries["population_5_17"] = persons.round().astype("Int64")
    countries["population_year"] = pd.array([2021] * len(countries), dtype="Int64")
    countries["population_method"] = POPULATION_METHOD
    countries = countries.sort_values("iso3", ignore_index=True).astype(COUNTRY_DTYPES)
    shares_table = pd.read_csv(need_file(shared_dir / SHARES))
    shares = pd.DataFrame(
        {
            "year": shares_table["year"].astype(int),
            "sector": shares_table["sector"].astype(str),
            "share_of_child_labour_pct": shares_table["share_of_child_labour_pct"].astype(float),
            "source": shares_table["source_report"].astype(str),
        }
    )
    order = shares["sector"].map({b: i for i, b in enumerate(BROAD)})
    shares = shares.assign(_o=order).sort_values(["year", "_o"], ignore_index=True)
    return countries, shares.drop(columns="_o").astype(SHARE_DTYPES)


def write_child_labour_tables(shared_dir: Path, out_dir: Path = DATA) -> list[Path]:
    """Write :func:`build_child_labour_tables` ``(shared_dir)`` to ``out_dir`` (by default the
    package's ``data/``, to refresh the shipped copies); returns the files written."""
    countries, shares = build_child_labour_tables(shared_dir)
    paths = [out_dir / CL_COUNTRIES.name, out_dir / CL_SHARES.name]
    countries.to_csv(paths[0], index=False, lineterminator="\n")
    shares.to_csv(paths[1], index=False, lineterminator="\n")
    return paths


@cache
def child_labour_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped tables ``(countries, shares)`` (see :func:`build_child_labour_tables`)."""
    countries = pd.read_csv(
        CL_COUNTRIES,
        dtype=COUNTRY_DTYPES,
        keep_default_na=False,
        na_values={c: [""] for c in COUNTRY_DTYPES if COUNTRY_DTYPES[c] is not str},
    )
    shares = pd.read_csv(CL_SHARES, dtype=SHARE_DTYPES, keep_default_na=False)
    return countries, shares


def _shares_of(shares: pd.DataFrame, year: int, file: Path) -> tuple[dict[str, float], str]:
    rows = shares[shares["year"] == year]
    if sorted(rows["sector"]) != sorted(BROAD):
        raise SupplyError(
            f"no agriculture/industry/services shares for {year}", file=str(file), column="year"
        )
    raw = dict(zip(rows["sector"], rows["share_of_child_labour_pct"], strict=True))
    total = sum(raw.values())
    return {b: raw[b] / total for b in BROAD}, str(rows["source"].iloc[0])


def read_child_labour_inputs(
    shared_dir: Path | None = None, *, year: int = 2020
) -> ChildLabourInputs:
    """Prevalence, population 5-17 and the global sector shares of ``year`` (2020 or 2024).

    By default from the tables shipped in the package (no download needed); with
    ``shared_dir``, rebuilt from the downloaded sources there (:func:`build_child_labour_tables`).
    Shares are normalised to sum to 1 (the 2024 published shares, 61 + 13 + 27, add to 101 by
    rounding).
    """
    if shared_dir is None:
        countries, shares = child_labour_tables()
        files = (CL_COUNTRIES, CL_SHARES)
        _check_prevalence(
            countries["child_labour_pct"], countries.index + 2, CL_COUNTRIES, "child_labour_pct"
        )
        where = "shipped in target87 supply/data/child_labour_countries.csv"
    else:
        countries, shares = build_child_labour_tables(shared_dir)
        files = (shared_dir / SOWC_TIDY, shared_dir / SHARES)
        where = f"read from {files[0].name} and {SOWC.split('/')[-1]}"
    sector_shares, report = _shares_of(shares, year, files[1])
    index = pd.Index(countries["iso3"], name="iso3")
    with_population = countries[countries["population_5_17"].notna()]
    return ChildLabourInputs(
        prevalence_pct=pd.Series(countries["child_labour_pct"].to_numpy(float), index=index),
        notes=pd.Series(countries["prevalence_note"].to_numpy(str), index=index),
        population_5_17=pd.Series(
            with_population["population_5_17"].to_numpy(float),
            index=pd.Index(with_population["iso3"], name="iso3"),
            name="population_5_17",
        ),
        sector_shares=sector_shares,
        year=year,
        sources=[
            "UNICEF (2023). The State of the World's Children 2023, statistical table 12 (child "
            "labour 5-17, %, most recent year 2013-2021; DHS, MICS and other national surveys); "
            f"{where}.",
            "UNICEF (2023). The State of the World's Children 2023, statistical table 1 "
            "(population under 18 and under 5, 2021; UN DESA World Population Prospects 2022).",
            f"{report}: share of child labour by sector, {year} (published headline figures, "
            "transcribed by hand).",
        ],
    )


def child_labour_by_country(prevalence_pct: pd.Series, population_5_17: pd.Series) -> pd.Series:
    """Children in child labour by country: ``CL_c = p_c / 100 * P_c``, for the countries with
    both a prevalence and a population."""
    both = prevalence_pct.index.intersection(population_5_17.index)
    return (prevalence_pct[both] / 100.0 * population_5_17[both]).rename("child_labour")
