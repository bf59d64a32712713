"""The checks every reader runs, and the plain layout: ``Z.csv``, ``Y.csv``, ``F.csv``.

Plain layout (one folder), each file a CSV with two label columns and two header rows (the
regions, then the sectors or categories), as pandas writes a frame with two-level labels:

- ``Z.csv``: label columns ``region``, ``sector``; header rows region and sector;
- ``Y.csv``: label columns ``region``, ``sector``; header rows region and category;
- ``F.csv`` (optional): label columns ``stressor`` and ``unit``; header rows as ``Z``;
- ``F_Y.csv`` (optional): label columns ``stressor`` and ``unit``; header rows as ``Y``.

That is what ``DataFrame.to_csv`` writes for pymrio's frames (``Z.to_csv("Z.csv")``), so a
table built in a notebook loads here. Checks (:func:`check_system`), before any computation:
``Z`` square with the same labels on both axes, ``Y`` rows = ``Z`` rows, ``F`` columns = ``Z``
columns, ``F_Y`` columns = ``Y`` columns (the first mismatched label is named with its
position), every cell a finite number (the first bad one named by file, row and column), and
gross output ``x = Z 1 + Y 1`` not negative (the sector named).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SupplyError
from .system import MRIO, Extension


@dataclass(frozen=True)
class Table:
    """A frame read from a file, with what is needed to name a cell the way the user sees it:
    the file and the line of the first data row (1-based, header lines counted)."""

    frame: pd.DataFrame
    file: str
    first_line: int
    first_col: int = 0  # number of index columns before the data columns


def _column_name(label: object) -> str:
    return " / ".join(map(str, label)) if isinstance(label, tuple) else str(label)


def to_numbers(table: Table) -> pd.DataFrame:
    """Every cell of ``table`` as a float; the first cell that is not a finite number (text,
    empty, NaN, inf) raises :class:`SupplyError` with the file, its line and its column."""
    frame = table.frame
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(numeric.to_numpy(dtype=float))
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raw = frame.iloc[i, j]
        what = "is empty or NaN" if pd.isna(raw) else f"is not a finite number: {raw!r}"
        raise SupplyError(
            f"value {what} (row label {_column_name(frame.index[i])})",
            file=table.file,
            row=table.first_line + i,
            column=_column_name(frame.columns[j]),
        )
    return numeric.astype(float)


def _same_labels(
    got: pd.Index, want: pd.Index, *, file: str, what: str, line: int | None = None
) -> None:
    if got.equals(want):
        return
    if len(got) != len(want):
        raise SupplyError(f"{what}: {len(got)} labels, expected {len(want)}", file=file, row=line)
    for pos, (a, b) in enumerate(zip(got, want, strict=True)):
        if a != b:
            raise SupplyError(
                f"{what}: label {_column_name(a)!r} at position {pos + 1} where "
                f"{_column_name(b)!r} is expected",
                file=file,
                row=line,
            )


def check_system(
    z: Table, y: Table, extensions: dict[str, tuple[Table, Table | None]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[pd.DataFrame, pd.DataFrame | None]]]:
    """Check labels, shapes and values of Z, Y and the extensions' F and F_Y; return numbers.

    Label checks come first (no arithmetic on mislabelled tables), then every cell must be a
    finite number, then gross output ``x = Z 1 + Y 1`` must not be negative.
    """
    _same_labels(z.frame.columns, z.frame.index, file=z.file, what="Z columns differ from Z rows")
    _same_labels(y.frame.index, z.frame.index, file=y.file, what="Y rows differ from Z rows")
    for f, f_y in (extensions or {}).values():
        _same_labels(
            f.frame.columns, z.frame.columns, file=f.file, what="F columns differ from Z columns"
        )
        if f_y is not None:
            _same_labels(
                f_y.frame.columns,
                y.frame.columns,
                file=f_y.file,
                what="F_Y columns differ from Y columns",
            )
    z_num, y_num = to_numbers(z), to_numbers(y)
    x = z_num.to_numpy().sum(axis=1) + y_num.to_numpy().sum(axis=1)
    negative = np.flatnonzero(x < 0)
    if negative.size:
        i = int(negative[0])
        raise SupplyError(
            f"gross output x = Z 1 + Y 1 is negative ({x[i]:.6g}) for "
            f"{_column_name(z.frame.index[i])}"
            f"{f' and {negative.size - 1} more' if negative.size > 1 else ''}",
            file=z.file,
            row=z.first_line + i,
        )
    ext_num = {
        key: (to_numbers(f), to_numbers(f_y) if f_y is not None else None)
        for key, (f, f_y) in (extensions or {}).items()
    }
    return z_num, y_num, ext_num


def read_csv_table(path: Path, *, index_cols: int, header_rows: int, sep: str = ",") -> Table:
    """Read one table as pandas writes it (``index_cols`` label columns, ``header_rows``
    header lines, plus the line of index names pandas adds under a multi-line header)."""
    if not path.exists():
        raise SupplyError("file not found", file=str(path))
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            index_col=list(range(index_cols)),
            header=list(range(header_rows)) if header_rows > 1 else 0,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
    except (ValueError, IndexError, pd.errors.ParserError) as exc:
        raise SupplyError(f"cannot read the table: {exc}", file=str(path)) from exc
    # pandas writes one header line per column level, and one more with the index names when
    # the columns have several levels.
    first = header_rows + (1 if header_rows > 1 else 0) + 1
    if header_rows > 1 and index_cols > 1:
        frame.index.names = [str(n) if n else None for n in frame.index.names]
    return Table(frame, str(path), first, index_cols)


def _level_names(frame: pd.DataFrame, names: tuple[str, ...], axis: int) -> pd.DataFrame:
    idx = frame.columns if axis == 1 else frame.index
    if idx.nlevels != len(names):
        raise SupplyError(f"expected {len(names)} label levels {names}, found {idx.nlevels}")
    idx = idx.set_names(list(names))
    return frame.set_axis(idx, axis=axis)


def read_plain_folder(path: str | Path, *, unit: str = "", demonstration: bool = False) -> MRIO:
    """Read the plain layout from the folder ``path`` (see the module docstring).

    ``F.csv`` rows are named by ``stressor`` with a ``unit`` column beside it; one extension
    named after the folder of F (``"satellite"``) is made. Returns an :class:`MRIO`.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise SupplyError("folder not found", file=str(folder))
    z = read_csv_table(folder / "Z.csv", index_cols=2, header_rows=2)
    y = read_csv_table(folder / "Y.csv", index_cols=2, header_rows=2)
    extensions: dict[str, tuple[Table, Table | None]] = {}
    units: dict[str, str] = {}
    if (folder / "F.csv").exists():
        f = read_csv_table(folder / "F.csv", index_cols=2, header_rows=2)
        names = [str(n) for n in f.frame.index.names]
        if names != ["stressor", "unit"]:
            raise SupplyError(
                f"index columns must be 'stressor' and 'unit', found {names}",
                file=f.file,
                row=f.first_line - 1,
            )
        units = {str(s): str(u) for s, u in f.frame.index}
        f = Table(f.frame.droplevel("unit"), f.file, f.first_line, 2)
        f_y = None
        if (folder / "F_Y.csv").exists():
            f_y = read_csv_table(folder / "F_Y.csv", index_cols=2, header_rows=2)
            f_y = Table(f_y.frame.droplevel(1), f_y.file, f_y.first_line, 2)
        extensions["satellite"] = (f, f_y)
    z_num, y_num, ext = check_system(z, y, extensions)
    z_num = _level_names(_level_names(z_num, ("region", "sector"), 0), ("region", "sector"), 1)
    y_num = _level_names(_level_names(y_num, ("region", "sector"), 0), ("region", "category"), 1)
    result = {}
    for key, (f_num, f_y_num) in ext.items():
        f_num = _level_names(f_num, ("region", "sector"), 1)
        f_num.index.name = "stressor"
        if f_y_num is not None:
            f_y_num = _level_names(f_y_num, ("region", "category"), 1)
            f_y_num.index.name = "stressor"
        result[key] = Extension(
            name=key, F=f_num, F_Y=f_y_num, unit=units, sources=[str(folder / "F.csv")]
        )
    return MRIO(
        Z=z_num,
        Y=y_num,
        extensions=result,
        unit=unit,
        origin=str(folder),
        demonstration=demonstration,
    )
