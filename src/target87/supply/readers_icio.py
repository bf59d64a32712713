"""Read the OECD Inter-Country Input-Output (ICIO) CSV layout of the 2023 edition.

One CSV per year (``2020_SML.csv`` in the 2023 release; ``ICIO2023_2020.csv`` as some
mirrors name it), in million USD. The first column holds the row labels (its header cell is
``V1``, or empty); then:

- rows and columns ``CTY_SECTOR`` (``AUS_A01_02``, ``AUS_C10T12``, ``ROW_T``...): the
  inter-industry flows ``Z``, 45 ISIC Rev. 4 sectors per country;
- columns ``CTY_HFCE``, ``CTY_NPISH``, ``CTY_GGFC``, ``CTY_GFCF``, ``CTY_INVNT``,
  ``CTY_DPABR``: final demand ``Y`` (households, non-profit institutions, government, gross fixed
  capital formation, changes in inventories, direct purchases abroad by residents);
- rows ``TLS`` (taxes less subsidies on intermediate and final products) and ``VA`` (value
  added): the factor inputs, kept as the extension ``factor_inputs`` (pymrio's name);
- row and column ``OUT``: gross output.

Checks: every label is one of these (an unknown row or column is named, never dropped); the
row labels of ``Z`` equal its column labels; every cell is a number; and the accounts balance:
``OUT`` (column) = ``Z 1 + Y 1`` for each row, and ``OUT`` (row) = ``1' Z + TLS + VA`` for each
column, within ``atol + rtol |OUT|``. The first disagreement is reported (row and column
named), not hidden. Older editions' China and Mexico splits (``CN1``, ``CN2``, ``MX1``, ``MX2``)
are summed into ``CHN`` and ``MEX``, as the OECD documents them.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .errors import SupplyError
from .readers_plain import Table, check_system, to_numbers
from .system import MRIO, Extension

#: Final demand categories of the 2023 edition, in the order of the file.
FINAL_DEMAND = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")
FACTOR_ROWS = ("TLS", "VA")
TOTAL = "OUT"
SPLITS = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
_LABEL = re.compile(r"^(?P<region>[A-Z0-9]{3})_(?P<rest>[A-Za-z0-9_]+)$")


class ImbalanceWarning(UserWarning):
    """The ICIO accounts do not balance (reported when ``on_imbalance="warn"``)."""


def _split(label: str, *, file: str, row: int | None, column: str | None) -> tuple[str, str]:
    match = _LABEL.match(label)
    if not match:
        raise SupplyError(
            f"label {label!r} is not COUNTRY_SECTOR, TLS, VA or OUT",
            file=file,
            row=row,
            column=column,
        )
    return SPLITS.get(match["region"], match["region"]), match["rest"]


def _merge_splits(frame: pd.DataFrame, axis: int) -> pd.DataFrame:
    """Sum the rows (axis 0) or columns (axis 1) that share a (region, sector) label, which
    only happens after CN1/CN2 and MX1/MX2 were renamed to CHN and MEX."""
    labels = frame.index if axis == 0 else frame.columns
    if not labels.has_duplicates:
        return frame
    if axis == 1:
        return frame.T.groupby(level=[0, 1], sort=False).sum().T
    return frame.groupby(level=[0, 1], sort=False).sum()


def read_icio_csv(
    path: str | Path,
    *,
    rtol: float = 1e-6,
    atol: float = 0.01,
    on_imbalance: Literal["raise", "warn"] = "raise",
    demonstration: bool = False,
) -> MRIO:
    """Read an OECD ICIO 2023-edition CSV into an :class:`MRIO` (see the module doc).

    ``Z`` and ``Y`` are in million USD; ``factor_inputs`` holds ``TLS`` and ``VA`` over Z's
    columns (``F``) and ``TLS`` over Y's columns (``F_Y``). An imbalance beyond
    ``atol + rtol |OUT|`` raises :class:`SupplyError` (or warns with
    :class:`ImbalanceWarning` when ``on_imbalance="warn"``).
    """
    file = Path(path)
    if not file.exists():
        raise SupplyError("file not found", file=str(file))
    name = str(file)
    try:
        raw = pd.read_csv(file, index_col=0, dtype=str, keep_default_na=False, na_values=[""])
    except (ValueError, pd.errors.ParserError) as exc:
        raise SupplyError(f"cannot read the CSV: {exc}", file=name) from exc
    raw.index = raw.index.map(str)
    line = {label: i + 2 for i, label in enumerate(raw.index)}  # header is line 1
    rows = [r for r in raw.index if r not in (*FACTOR_ROWS, TOTAL)]
    fd_cols = [c for c in raw.columns if c.rsplit("_", 1)[-1] in FINAL_DEMAND and "_" in c]
    z_cols = [c for c in raw.columns if c not in fd_cols and c != TOTAL]
    for needed in (*FACTOR_ROWS, TOTAL):
        if needed not in raw.index:
            raise SupplyError(f"no {needed} row", file=name)
    if TOTAL not in raw.columns:
        raise SupplyError("no OUT column", file=name, row=1)
    z_index = pd.MultiIndex.from_tuples(
        [_split(r, file=name, row=line[r], column=raw.index.name or "V1") for r in rows],
        names=["region", "sector"],
    )
    z_columns = pd.MultiIndex.from_tuples(
        [_split(c, file=name, row=1, column=c) for c in z_cols], names=["region", "sector"]
    )
    y_columns = pd.MultiIndex.from_tuples(
        [_split(c, file=name, row=1, column=c) for c in fd_cols], names=["region", "category"]
    )
    first = line[rows[0]] if rows else 2
    z = Table(
        raw.loc[rows, z_cols].set_axis(z_index, axis=0).set_axis(z_columns, axis=1), name, first
    )
    y = Table(
        raw.loc[rows, fd_cols].set_axis(z_index, axis=0).set_axis(y_columns, axis=1), name, first
    )
    factors = raw.loc[list(FACTOR_ROWS)]
    f = Table(factors[z_cols].set_axis(z_columns, axis=1), name, line[FACTOR_ROWS[0]])
    f_y = Table(factors[fd_cols].set_axis(y_columns, axis=1), name, line[FACTOR_ROWS[0]])
    out_col = Table(raw.loc[rows, [TOTAL]].set_axis(z_index, axis=0), name, first)
    out_row = Table(raw.loc[[TOTAL], z_cols].set_axis(z_columns, axis=1), name, line[TOTAL])
    # Labels first: the column labels of Z must be its row labels, in the same order.
    z_num, y_num, ext = check_system(z, y, {"factor_inputs": (f, f_y)})
    f_num, f_y_num = ext["factor_inputs"]
    x_out = to_numbers(out_col).iloc[:, 0].to_numpy()
    x_in = to_numbers(out_row).iloc[0].to_numpy()
    _balance(
        z_num.to_numpy().sum(axis=1) + y_num.to_numpy().sum(axis=1),
        x_out,
        rows,
        "row",
        TOTAL,
        name,
        first,
        rtol,
        atol,
        on_imbalance,
        "OUT (column) differs from Z 1 + Y 1",
    )
    _balance(
        z_num.to_numpy().sum(axis=0) + f_num.to_numpy().sum(axis=0),
        x_in,
        z_cols,
        "column",
        TOTAL,
        name,
        line[TOTAL],
        rtol,
        atol,
        on_imbalance,
        "OUT (row) differs from 1'Z + TLS + VA",
    )
    z_num = _merge_splits(_merge_splits(z_num, 0), 1)
    y_num = _merge_splits(y_num, 0)
    f_num = _merge_splits(f_num, 1)
    f_num.index.name = "stressor"
    f_y_num.index.name = "stressor"
    factor_inputs = Extension(
        name="factor_inputs",
        F=f_num,
        F_Y=f_y_num,
        unit={"TLS": "million USD", "VA": "million USD"},
        sources=[f"OECD Inter-Country Input-Output tables, 2023 edition: {file.name}"],
    )
    return MRIO(
        Z=z_num,
        Y=y_num,
        extensions={"factor_inputs": factor_inputs},
        unit="million USD",
        origin=f"OECD ICIO {file.name}",
        demonstration=demonstration,
    )


def _balance(
    computed: np.ndarray,
    reported: np.ndarray,
    labels: list[str],
    axis: str,
    total: str,
    file: str,
    line: int,
    rtol: float,
    atol: float,
    on_imbalance: str,
    what: str,
) -> None:
    gap = np.abs(computed - reported)
    bad = np.flatnonzero(gap > atol + rtol * np.abs(reported))
    if not bad.size:
        return
    i = int(bad[0])
    more = f"; {bad.size - 1} more" if bad.size > 1 else ""
    message = (
        f"{what}: {reported[i]:.6g} reported, {computed[i]:.6g} computed for {labels[i]}{more}"
    )
    if axis == "row":
        row, column = line + i, total
    else:
        row, column = line, labels[i]
    if on_imbalance == "warn":
        warnings.warn(
            str(SupplyError(message, file=file, row=row, column=column)),
            ImbalanceWarning,
            stacklevel=3,
        )
        return
    raise SupplyError(message, file=file, row=row, column=column)
