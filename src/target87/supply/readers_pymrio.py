"""Read a folder written by pymrio's ``IOSystem.save_all()`` (text or parquet), without pymrio.

The layout (pymrio 0.4 and later): the folder holds ``file_parameters.json`` with
``{"systemtype": "IOSystem", "files": {key: {"name", "nr_index_col", "nr_header"}}}`` and the
tables it names (``Z``, ``Y``, ``x``, ``A``, ``L``, ``unit``, ...), as tab-separated text
(``.txt``: ``nr_header`` header lines, plus one line of index names when ``nr_header`` > 1) or
parquet (``.parquet``, labels kept by pandas); ``metadata.json`` names the system. Each
extension is a sub-folder with its own ``file_parameters.json`` (``"systemtype":
"Extension"``, ``"name"``) and ``F``, ``F_Y``, ``S``, ``unit`` and the accounts pymrio computed.

Only the data are read: ``Z`` and ``Y`` (or, when ``Z`` was not saved, ``Z = A diag(x)``) and
each extension's ``F`` and ``F_Y`` (or ``F = S diag(x)``); the results pymrio computed (``L``,
``M``, ``D_cba``...) are recomputed here, never trusted. Pickle files are refused: loading a
pickle runs code from the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SupplyError
from .readers_plain import Table, check_system, read_csv_table, to_numbers
from .system import MRIO, Extension

PARAMETERS = "file_parameters.json"


def _parameters(folder: Path) -> dict:
    path = folder / PARAMETERS
    if not path.exists():
        raise SupplyError(f"not a pymrio folder: no {PARAMETERS}", file=str(path))
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SupplyError(f"invalid JSON: {exc.msg}", file=str(path), row=exc.lineno) from exc
    if not isinstance(content, dict) or not isinstance(content.get("files"), dict):
        raise SupplyError("no 'files' entry", file=str(path))
    return content


def _read(folder: Path, spec: dict, key: str) -> Table:
    """Read the table ``key`` described by ``spec`` (an entry of ``file_parameters.json``)."""
    try:
        name = spec["name"]
        index_cols = int(spec["nr_index_col"])
        header_rows = int(spec["nr_header"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SupplyError(
            f"entry {key!r} lacks name, nr_index_col or nr_header", file=str(folder / PARAMETERS)
        ) from exc
    path = folder / name
    if not path.exists():
        raise SupplyError(f"file of {key!r} named in {PARAMETERS} not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return read_csv_table(path, index_cols=index_cols, header_rows=header_rows, sep="\t")
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise SupplyError(f"cannot read parquet: {exc}", file=str(path)) from exc
        return Table(frame, str(path), 1, index_cols)
    if suffix in (".pkl", ".pickle"):
        raise SupplyError(
            "pickle files are not read (loading one runs code); save the system "
            "again with table_format='txt' or 'parquet'",
            file=str(path),
        )
    raise SupplyError(f"unknown table format {suffix!r}", file=str(path))


def _x_vector(folder: Path, files: dict) -> pd.Series:
    x = to_numbers(_read(folder, files["x"], "x"))
    return x.iloc[:, 0]


def _scaled(coefficients: Table, x: pd.Series, what: str) -> Table:
    """``coefficients diag(x)``: flows back from coefficients (Z = A diag(x), F = S diag(x))."""
    frame = to_numbers(coefficients)
    if not frame.columns.equals(x.index):
        raise SupplyError(f"{what} columns differ from the labels of x", file=coefficients.file)
    return Table(frame * x.to_numpy()[np.newaxis, :], coefficients.file, coefficients.first_line)


def _core(folder: Path, files: dict) -> tuple[Table, Table]:
    if "Y" not in files:
        raise SupplyError("no Y (final demand) in the saved system", file=str(folder / PARAMETERS))
    y = _read(folder, files["Y"], "Y")
    if "Z" in files:
        return _read(folder, files["Z"], "Z"), y
    if "A" in files and "x" in files:
        return _scaled(_read(folder, files["A"], "A"), _x_vector(folder, files), "A"), y
    raise SupplyError("neither Z nor A with x in the saved system", file=str(folder / PARAMETERS))


def _unit_map(folder: Path, files: dict) -> dict:
    if "unit" not in files:
        return {}
    table = _read(folder, files["unit"], "unit").frame
    column = table.columns[0]
    return {label: str(value) for label, value in table[column].items()}


def read_pymrio_folder(path: str | Path, *, demonstration: bool | None = None) -> MRIO:
    """Read the folder pymrio's ``save_all`` wrote into an :class:`MRIO` (see the module doc).

    ``demonstration`` defaults to true for pymrio's own test system (``metadata.json`` named
    ``"testmrio"``), false otherwise. Errors name the file (and row and column for a cell).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise SupplyError("folder not found", file=str(folder))
    params = _parameters(folder)
    if params.get("systemtype") != "IOSystem":
        raise SupplyError(
            f"systemtype is {params.get('systemtype')!r}, expected 'IOSystem'",
            file=str(folder / PARAMETERS),
        )
    files = params["files"]
    z, y = _core(folder, files)
    x = None
    extensions: dict[str, tuple[Table, Table | None]] = {}
    meta: dict[str, tuple[str, dict]] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and (p / PARAMETERS).exists()):
        ext_params = _parameters(sub)
        if ext_params.get("systemtype") != "Extension":
            continue
        ext_files = ext_params["files"]
        if "F" in ext_files:
            f = _read(sub, ext_files["F"], "F")
        elif "S" in ext_files and "x" in files:
            x = _x_vector(folder, files) if x is None else x
            f = _scaled(_read(sub, ext_files["S"], "S"), x, "S")
        else:
            raise SupplyError(
                "extension has neither F nor S (with the system's x)", file=str(sub / PARAMETERS)
            )
        f_y = _read(sub, ext_files["F_Y"], "F_Y") if "F_Y" in ext_files else None
        extensions[sub.name] = (f, f_y)
        meta[sub.name] = (str(ext_params.get("name", sub.name)), _unit_map(sub, ext_files))
    z_num, y_num, ext_num = check_system(z, y, extensions)
    result = {
        key: Extension(
            name=meta[key][0],
            F=f_num,
            F_Y=f_y_num,
            unit=meta[key][1],
            sources=[f"pymrio folder {folder / key}"],
        )
        for key, (f_num, f_y_num) in ext_num.items()
    }
    units = sorted(set(_unit_map(folder, files).values()))
    name = ""
    if (folder / "metadata.json").exists():
        try:
            name = str(
                json.loads((folder / "metadata.json").read_text(encoding="utf-8")).get("name", "")
            )
        except json.JSONDecodeError:
            name = ""  # the metadata only names the system; the tables are what count
    return MRIO(
        Z=z_num,
        Y=y_num,
        extensions=result,
        unit=", ".join(units),
        origin=f"pymrio folder {folder}" + (f" ({name})" if name else ""),
        demonstration=(name == "testmrio") if demonstration is None else demonstration,
    )
