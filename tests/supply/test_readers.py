"""Readers: pymrio's saved folders (written by pymrio itself), the OECD ICIO 2023 CSV layout,
the plain Z/Y/F layout, and the errors each gives on bad input."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pymrio
import pytest

from target87.supply import SupplyError
from target87.supply.readers import (
    ImbalanceWarning,
    read_icio_csv,
    read_mrio,
    read_plain_folder,
    read_pymrio_folder,
)

ICIO = Path(__file__).parents[1] / "data" / "supply" / "icio2023_small.csv"


@pytest.fixture(scope="module")
def reference():
    return pymrio.load_test().calc_all()


@pytest.fixture(scope="module")
def saved(tmp_path_factory, reference):
    """pymrio's test system as pymrio's save_all writes it, in both table formats."""
    root = tmp_path_factory.mktemp("pymrio")
    reference.save_all(root / "txt", table_format="txt")
    reference.save_all(root / "parquet", table_format="parquet")
    return root


@pytest.mark.parametrize("fmt", ["txt", "parquet"])
def test_pymrio_folder_equals_pymrio(saved, reference, fmt):
    mrio = read_pymrio_folder(saved / fmt)
    pd.testing.assert_frame_equal(
        mrio.Z, reference.Z, check_exact=False, rtol=1e-12, check_dtype=False
    )
    pd.testing.assert_frame_equal(
        mrio.Y, reference.Y, check_exact=False, rtol=1e-12, check_dtype=False
    )
    assert set(mrio.extensions) == {"emissions", "factor_inputs"}
    for key in mrio.extensions:
        ours, theirs = mrio.extensions[key], getattr(reference, key)
        pd.testing.assert_frame_equal(
            ours.F, theirs.F, check_exact=False, rtol=1e-12, check_dtype=False
        )
        if theirs.F_Y is not None:
            pd.testing.assert_frame_equal(
                ours.F_Y, theirs.F_Y, check_exact=False, rtol=1e-12, check_dtype=False
            )
    assert mrio.extensions["emissions"].name == "Emissions"
    assert mrio.extensions["emissions"].unit[("emission_type1", "air")] == "kg"
    assert mrio.unit == "Mill USD"
    assert mrio.demonstration  # pymrio's test system is labelled as such


def _edit(folder: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = folder / name
    path.write_text(path.read_text().replace(old, new, count))


def test_pymrio_folder_rebuilds_z_from_a_and_x(saved, reference, tmp_path):
    folder = shutil.copytree(saved / "txt", tmp_path / "sys")
    params = json.loads((folder / "file_parameters.json").read_text())
    del params["files"]["Z"]
    (folder / "Z.txt").unlink()
    (folder / "file_parameters.json").write_text(json.dumps(params))
    mrio = read_pymrio_folder(folder)
    np.testing.assert_allclose(mrio.Z.to_numpy(), reference.Z.to_numpy(), rtol=1e-6, atol=1e-6)


def test_pymrio_missing_file_is_named(saved, tmp_path):
    folder = shutil.copytree(saved / "txt", tmp_path / "sys")
    (folder / "Y.txt").unlink()
    with pytest.raises(SupplyError, match="Y.txt") as err:
        read_pymrio_folder(folder)
    assert err.value.file.endswith("Y.txt")


def test_pymrio_nan_cell_named_by_row_and_column(saved, tmp_path):
    folder = shutil.copytree(saved / "txt", tmp_path / "sys")
    lines = (folder / "Z.txt").read_text().splitlines()
    cells = lines[4].split("\t")  # line 5: the second data row (reg1, mining)
    cells[4] = "nan"  # after the two label cells, the third data column: (reg1, manufactoring)
    lines[4] = "\t".join(cells)
    (folder / "Z.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(SupplyError) as err:
        read_pymrio_folder(folder)
    assert err.value.row == 5
    assert err.value.column == "reg1 / manufactoring"
    assert "reg1 / mining" in str(err.value)


def test_pymrio_mismatched_labels_named(saved, tmp_path):
    folder = shutil.copytree(saved / "txt", tmp_path / "sys")
    _edit(folder, "Y.txt", "reg2\tmining", "reg2\tMINING")
    with pytest.raises(SupplyError, match="Y rows differ from Z rows.*MINING.*position 10"):
        read_pymrio_folder(folder)


def test_pymrio_extension_labels_checked(saved, tmp_path):
    folder = shutil.copytree(saved / "txt", tmp_path / "sys")
    _edit(folder / "emissions", "F.txt", "\tfood", "\tFOOD")
    with pytest.raises(SupplyError, match="F columns differ from Z columns"):
        read_pymrio_folder(folder)


def test_pymrio_pickle_refused(tmp_path):
    pymrio.load_test().save_all(tmp_path / "pkl", table_format="pkl")
    with pytest.raises(SupplyError, match="pickle"):
        read_pymrio_folder(tmp_path / "pkl")


# --- OECD ICIO ----------------------------------------------------------------------------


def test_icio_fixture_reads_and_matches_pymrio_parser(tmp_path):
    mrio = read_icio_csv(ICIO)
    assert mrio.regions == ["AUS", "BRA", "ROW"]
    assert mrio.sectors == ["A01_02", "C10T12", "G"]
    assert list(dict.fromkeys(mrio.Y.columns.get_level_values(1))) == [
        "HFCE",
        "NPISH",
        "GGFC",
        "GFCF",
        "INVNT",
        "DPABR",
    ]
    assert mrio.unit == "million USD"
    fi = mrio.extensions["factor_inputs"]
    assert list(fi.F.index) == ["TLS", "VA"]
    # pymrio parses the same file (named as the OECD names its files): same numbers.
    shutil.copy(ICIO, tmp_path / "ICIO2023_2020.csv")
    theirs = pymrio.parse_oecd(tmp_path / "ICIO2023_2020.csv")
    z = theirs.Z.loc[mrio.Z.index, mrio.Z.columns]
    np.testing.assert_array_equal(mrio.Z.to_numpy(), z.to_numpy())
    y = theirs.Y.loc[mrio.Z.index, mrio.Y.columns]
    np.testing.assert_array_equal(mrio.Y.to_numpy(), y.to_numpy())
    f = theirs.factor_inputs.F.loc[["TLS", "VA"], mrio.Z.columns]
    np.testing.assert_array_equal(fi.F.to_numpy(), f.to_numpy())


def test_icio_out_equals_row_sums():
    mrio = read_icio_csv(ICIO)
    raw = pd.read_csv(ICIO, index_col=0)
    x = mrio.Z.sum(axis=1).to_numpy() + mrio.Y.sum(axis=1).to_numpy()
    np.testing.assert_allclose(x, raw["OUT"].iloc[:9].to_numpy(), atol=0.002)


def _icio_copy(tmp_path: Path, row: str, column: str, value: str) -> Path:
    raw = pd.read_csv(ICIO, index_col=0, dtype=str)
    raw.loc[row, column] = value
    path = tmp_path / "icio.csv"
    raw.to_csv(path)
    return path


def test_icio_imbalance_reported_with_row_and_column(tmp_path):
    path = _icio_copy(tmp_path, "BRA_C10T12", "AUS_G", "100")
    with pytest.raises(SupplyError, match="OUT \\(column\\) differs.*BRA_C10T12") as err:
        read_icio_csv(path)
    assert (err.value.row, err.value.column) == (6, "OUT")
    with pytest.warns(ImbalanceWarning) as record:
        read_icio_csv(path, on_imbalance="warn")
    # Both identities break (the row of BRA_C10T12 and the column of AUS_G): two warnings.
    assert [str(w.message).count("BRA_C10T12") + str(w.message).count("AUS_G") for w in record] == [
        1,
        2,
    ]


def test_icio_va_imbalance_names_the_column(tmp_path):
    path = _icio_copy(tmp_path, "VA", "ROW_G", "1")
    with pytest.raises(SupplyError, match="OUT \\(row\\) differs") as err:
        read_icio_csv(path)
    assert err.value.column == "ROW_G"
    assert err.value.row == 13


def test_icio_text_cell_named(tmp_path):
    path = _icio_copy(tmp_path, "AUS_G", "BRA_HFCE", "n/a")
    with pytest.raises(SupplyError, match="not a finite number: 'n/a'") as err:
        read_icio_csv(path)
    assert (err.value.row, err.value.column) == (4, "BRA / HFCE")


def test_icio_unknown_row_label(tmp_path):
    raw = pd.read_csv(ICIO, index_col=0, dtype=str).rename(index={"TLS": "TAXES"})
    raw.to_csv(tmp_path / "icio.csv")
    with pytest.raises(SupplyError, match="no TLS row"):
        read_icio_csv(tmp_path / "icio.csv")
    raw = pd.read_csv(ICIO, index_col=0, dtype=str).rename(index={"AUS_G": "AUS G"})
    raw.to_csv(tmp_path / "icio.csv")
    with pytest.raises(SupplyError, match="'AUS G' is not COUNTRY_SECTOR") as err:
        read_icio_csv(tmp_path / "icio.csv")
    assert err.value.row == 4


def test_icio_column_labels_must_equal_row_labels(tmp_path):
    raw = pd.read_csv(ICIO, index_col=0, dtype=str).rename(columns={"BRA_G": "BRA_H49"})
    raw.to_csv(tmp_path / "icio.csv")
    with pytest.raises(SupplyError, match="Z columns differ from Z rows.*'BRA / H49'.*position 6"):
        read_icio_csv(tmp_path / "icio.csv")


def test_icio_china_mexico_splits_are_summed(tmp_path):
    raw = pd.read_csv(ICIO, index_col=0, dtype=str)
    renamed = {f"BRA_{s}": f"CN1_{s}" for s in ("A01_02", "C10T12", "G")}
    raw = raw.rename(index=renamed, columns=renamed)
    # Split ROW into two halves named ROW and CN2 would change the balance; instead add CN2
    # rows/columns of zeros, which must merge into CHN with CN1.
    for s in ("A01_02", "C10T12", "G"):
        raw[f"CN2_{s}"] = "0"
    zeros = pd.DataFrame(
        "0", index=[f"CN2_{s}" for s in ("A01_02", "C10T12", "G")], columns=raw.columns
    )
    raw = pd.concat([raw.iloc[:9], zeros, raw.iloc[9:]])
    raw.to_csv(tmp_path / "icio.csv")
    mrio = read_icio_csv(tmp_path / "icio.csv")
    original = read_icio_csv(ICIO)
    assert mrio.regions == ["AUS", "CHN", "ROW"]
    np.testing.assert_allclose(mrio.Z.to_numpy(), original.Z.to_numpy())


def test_icio_missing_file_named(tmp_path):
    with pytest.raises(SupplyError, match="file not found") as err:
        read_icio_csv(tmp_path / "2020_SML.csv")
    assert err.value.file.endswith("2020_SML.csv")


# --- plain layout -------------------------------------------------------------------------


def _write_plain(folder: Path, reference) -> None:
    folder.mkdir()
    reference.Z.to_csv(folder / "Z.csv")
    reference.Y.to_csv(folder / "Y.csv")
    f = reference.emissions.F.copy()
    f.index = pd.MultiIndex.from_tuples(
        [(f"{s} ({c})", "kg") for s, c in f.index], names=["stressor", "unit"]
    )
    f.to_csv(folder / "F.csv")


def test_plain_folder_reads(tmp_path, reference):
    _write_plain(tmp_path / "plain", reference)
    mrio = read_plain_folder(tmp_path / "plain")
    pd.testing.assert_frame_equal(
        mrio.Z, reference.Z, check_exact=False, rtol=1e-12, check_dtype=False
    )
    pd.testing.assert_frame_equal(
        mrio.Y, reference.Y, check_exact=False, rtol=1e-12, check_dtype=False
    )
    ext = mrio.extensions["satellite"]
    np.testing.assert_allclose(ext.F.to_numpy(), reference.emissions.F.to_numpy(), rtol=1e-12)
    assert ext.unit == {"emission_type1 (air)": "kg", "emission_type2 (water)": "kg"}
    assert read_mrio(tmp_path / "plain").Z.shape == (48, 48)


def test_plain_missing_y_named(tmp_path, reference):
    _write_plain(tmp_path / "plain", reference)
    (tmp_path / "plain" / "Y.csv").unlink()
    with pytest.raises(SupplyError, match="file not found") as err:
        read_plain_folder(tmp_path / "plain")
    assert err.value.file.endswith("Y.csv")


def test_plain_negative_output_reported(tmp_path, reference):
    _write_plain(tmp_path / "plain", reference)
    y = reference.Y.copy()
    y.loc[("reg3", "trade")] = -1e9
    y.to_csv(tmp_path / "plain" / "Y.csv")
    with pytest.raises(SupplyError, match="negative.*reg3 / trade") as err:
        read_plain_folder(tmp_path / "plain")
    assert err.value.row == 3 + 2 * 8 + 6  # 3 header lines, reg1 and reg2, then the 6th sector


def test_plain_f_columns_checked(tmp_path, reference):
    _write_plain(tmp_path / "plain", reference)
    f = pd.read_csv(tmp_path / "plain" / "F.csv", index_col=[0, 1], header=[0, 1])
    f = f.iloc[:, :-1]
    f.to_csv(tmp_path / "plain" / "F.csv")
    with pytest.raises(
        SupplyError, match="F columns differ from Z columns: 47 labels, expected 48"
    ):
        read_plain_folder(tmp_path / "plain")


def test_read_mrio_dispatches(saved):
    assert read_mrio(saved / "txt").origin.startswith("pymrio folder")
    assert read_mrio(ICIO).origin.startswith("OECD ICIO")
    with pytest.raises(SupplyError, match="neither"):
        read_mrio(ICIO.parent.parent)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_icio_csv(ICIO)  # a balanced table warns of nothing
