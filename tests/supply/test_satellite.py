"""Satellite accounts of child labour and forced labour: the child labour inputs shipped in the
package (checked against a rebuild from the real shared files), and the forced-labour matrix
read from the path a test gives (the project's copy is synthetic)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from target87.supply import MRIO, SupplyError
from target87.supply.concordance import sector_table
from target87.supply.readers import read_icio_csv
from target87.supply.satellite import (
    CHILD_LABOUR,
    FORCED_LABOUR,
    allocate_by_output,
    child_labour_account,
    forced_labour_account,
    output_vector,
    read_shilling_matrix,
    region_members,
    split_by_output,
)
from target87.supply.satellite_inputs import (
    CL_COUNTRIES,
    CL_SHARES,
    SHARES,
    SOWC,
    SOWC_TIDY,
    build_child_labour_tables,
    child_labour_by_country,
    child_labour_tables,
    read_child_labour_inputs,
    write_child_labour_tables,
)

# The downloaded sources sit in shared/ beside the repository (CI copies them there); only the
# rebuild check and the forced-labour matrix (synthetic, never shipped) need them.
SHARED = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[3] / "shared" / "data",
            Path("/work/shared/data"),
        )
        if p.exists()
    ),
    Path("/work/shared/data"),
)
SHILLING = SHARED / "supply" / "Shilling_Matrix_GTAP-AgUnSk.xlsx"
ICIO = Path(__file__).parents[1] / "data" / "supply" / "icio2023_small.csv"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared/data is not on this machine")


@pytest.fixture(scope="module")
def inputs():
    return read_child_labour_inputs()  # the tables shipped in the package


def test_inputs_shipped_in_the_package(inputs):
    assert len(inputs.prevalence_pct) == 96  # SOURCE.txt: 96 countries with a value
    assert inputs.prevalence_pct["AFG"] == 13.0
    # SOWC 2023 table 1, Afghanistan: under 18 = 20,297.886 thousand, under 5 = 6,490.554.
    assert inputs.population_5_17["AFG"] == pytest.approx((20297.886 - 6490.554) * 1000)
    assert inputs.sector_shares == pytest.approx(
        {"Agriculture": 0.7, "Industry": 0.1, "Services": 0.2}
    )
    assert inputs.notes["ALB"] == "x,y"
    assert any("shipped in target87" in s for s in inputs.sources)
    countries, shares = child_labour_tables()
    albania = countries.set_index("iso3").loc["ALB"]
    assert albania["prevalence_period"] == "outside 2013-2021"  # UNICEF note x
    assert albania["population_5_17"] == round((574.3875 - 141.393) * 1000)
    assert set(shares["source"]) >= {
        "ILO & UNICEF (2021) Child Labour: Global estimates 2020 (CC BY 4.0)"
    }
    shares_2024 = read_child_labour_inputs(year=2024).sector_shares
    assert shares_2024["Agriculture"] == pytest.approx(61 / 101)  # 61 + 13 + 27 = 101, normalised
    with pytest.raises(SupplyError, match="no agriculture/industry/services shares for 2016") as e:
        read_child_labour_inputs(year=2016)
    assert e.value.file == str(CL_SHARES)


@needs_shared
def test_shipped_tables_are_built_from_the_shared_files(tmp_path):
    countries, shares = build_child_labour_tables(SHARED)
    shipped_countries, shipped_shares = child_labour_tables()
    pd.testing.assert_frame_equal(countries, shipped_countries)
    pd.testing.assert_frame_equal(shares, shipped_shares)
    # Written again, the files are byte for byte the shipped ones.
    written = write_child_labour_tables(SHARED, tmp_path)
    assert [p.read_bytes() for p in written] == [CL_COUNTRIES.read_bytes(), CL_SHARES.read_bytes()]
    rebuilt = read_child_labour_inputs(SHARED)
    shipped = read_child_labour_inputs()
    pd.testing.assert_series_equal(rebuilt.prevalence_pct, shipped.prevalence_pct)
    pd.testing.assert_series_equal(rebuilt.population_5_17, shipped.population_5_17)
    assert rebuilt.sector_shares == shipped.sector_shares


@needs_shared
def test_build_refuses_a_prevalence_that_is_not_a_percentage(tmp_path):
    for name in (SOWC, SOWC_TIDY, SHARES):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / name, tmp_path / name)
    tidy = tmp_path / SOWC_TIDY
    lines = tidy.read_text().splitlines()
    assert lines[1].startswith("Afghanistan,13.0,")
    lines[1] = lines[1].replace("Afghanistan,13.0,", "Afghanistan,130.0,", 1)
    tidy.write_text("\n".join(lines) + "\n")
    with pytest.raises(SupplyError, match="130.0 is not a percentage") as err:
        build_child_labour_tables(tmp_path)
    assert (err.value.file, err.value.row, err.value.column) == (
        str(tidy),
        2,
        "child_labour_total_pct",
    )
    (tmp_path / SOWC).unlink()
    tidy.write_text("\n".join([lines[0], lines[2]]) + "\n")
    with pytest.raises(SupplyError, match="file not found") as err:
        build_child_labour_tables(tmp_path)
    assert err.value.file == str(tmp_path / SOWC)


def test_child_labour_account_needs_no_shared_folder(tmp_path, monkeypatch):
    """As on an installed platform: the shared folder is empty, and the account still builds
    from the tables shipped in the package."""
    monkeypatch.setenv("TARGET87_SHARED_DATA", str(tmp_path))
    child_labour_tables.cache_clear()
    mrio = read_icio_csv(ICIO)
    ext = child_labour_account(mrio)
    countries = child_labour_tables()[0].set_index("iso3")
    brazil = (
        countries.loc["BRA", "child_labour_pct"] / 100 * countries.loc["BRA", "population_5_17"]
    )
    assert ext.F.iloc[0]["BRA"].sum() == pytest.approx(brazil)
    assert any("shipped in target87" in s for s in ext.sources)
    assert not any(tmp_path.iterdir())


def test_child_labour_by_country(inputs):
    cl = child_labour_by_country(inputs.prevalence_pct, inputs.population_5_17)
    assert cl["AFG"] == pytest.approx(0.13 * (20297.886 - 6490.554) * 1000)
    # The 96 countries hold most of the world's 160 million (2020): the rest have no survey here.
    assert 100e6 < cl.sum() < 160e6


def test_child_labour_account_on_icio_layout(inputs):
    mrio = read_icio_csv(ICIO)
    ext = child_labour_account(mrio, inputs=inputs)
    assert list(ext.F.index) == [CHILD_LABOUR]
    assert ext.F.columns.equals(mrio.Z.columns)
    assert ext.unit == {CHILD_LABOUR: "persons"}
    cl = child_labour_by_country(inputs.prevalence_pct, inputs.population_5_17)
    f = ext.F.iloc[0]
    assert f["AUS"].sum() == 0  # no SOWC value: zero, and said so
    assert f["BRA"].sum() == pytest.approx(cl["BRA"])
    assert f["ROW"].sum() == pytest.approx(cl.drop("BRA").sum())  # ROW takes the rest
    assert f["BRA"]["A01_02"] / f["BRA"].sum() == pytest.approx(0.7)
    text = " ".join(ext.assumptions)
    assert "No data for regions ['AUS']" in text and "lower bounds" in text and "ROW covers" in text
    assert any("State of the World's Children 2023" in s for s in ext.sources)
    assert not ext.demonstration


def test_within_broad_sector_split_follows_output(inputs):
    """Two industry sectors in one region: child labour in proportion to their output."""
    idx = pd.MultiIndex.from_product(
        [["NGA"], ["A01_02", "C10T12", "C13T15", "G"]], names=["region", "sector"]
    )
    z = pd.DataFrame(np.diag([10.0, 20.0, 60.0, 5.0]), index=idx, columns=idx)
    y = pd.DataFrame({("NGA", "HFCE"): [90.0, 80.0, 40.0, 95.0]}, index=idx)
    y.columns.names = ["region", "category"]
    mrio = MRIO(Z=z, Y=y)
    f = child_labour_account(mrio, inputs=inputs).F.iloc[0]["NGA"]
    total = child_labour_by_country(inputs.prevalence_pct, inputs.population_5_17)["NGA"]
    assert f.sum() == pytest.approx(total)
    assert f["C10T12"] == pytest.approx(total * 0.1 * 100 / 200)  # x = 100 and 100 of 200
    assert f["C13T15"] == pytest.approx(total * 0.1 * 100 / 200)
    assert f["G"] == pytest.approx(total * 0.2)


def test_allocate_by_output_moves_share_of_an_absent_broad_sector():
    x = pd.Series(
        [50.0, 0.0, 30.0], index=pd.MultiIndex.from_product([["r"], ["farm", "mill", "shop"]])
    )
    shares = {"Agriculture": 0.7, "Industry": 0.1, "Services": 0.2}
    out, notes = allocate_by_output(
        pd.Series({"r": 900.0}),
        shares,
        {"farm": "Agriculture", "mill": "Industry", "shop": "Services"},
        x,
    )
    assert out.sum() == pytest.approx(900.0)
    assert out[("r", "farm")] == pytest.approx(900 * 0.7 / 0.9)
    assert "no output in ['Industry']" in notes[0]
    with pytest.raises(SupplyError, match="no broad sector.*'shop'"):
        allocate_by_output(
            pd.Series({"r": 1.0}), shares, {"farm": "Agriculture", "mill": "Industry"}, x
        )


def test_split_by_output_by_hand():
    values = pd.DataFrame({"CRP": [90.0], "PDR": [10.0]}, index=["r"])
    conc = pd.DataFrame(
        {"A01_02": [0.0, 1.0], "C20": [0.5, 0.0], "C22": [0.5, 0.0]}, index=["CRP", "PDR"]
    )
    x = pd.Series(
        [5.0, 20.0, 10.0], index=pd.MultiIndex.from_product([["r"], ["A01_02", "C20", "C22"]])
    )
    out = split_by_output(values, conc, x)
    assert out.loc["r"].tolist() == pytest.approx([10.0, 60.0, 30.0])  # CRP split 2:1 by output


def test_region_members_explicit_map():
    members, notes = region_members(
        ["EU", "CHN"], ["DEU", "FRA", "CHN"], {"EU": ["DEU", "FRA"], "CHN": "CHN"}
    )
    assert members == {"EU": ["DEU", "FRA"], "CHN": ["CHN"]}
    with pytest.raises(SupplyError, match="not in the system"):
        region_members(["EU"], ["DEU"], {"XX": "DEU"})


def _icio_45(regions: list[str]) -> MRIO:
    rng = np.random.default_rng(8)
    sectors = list(sector_table("icio2023")["code"])
    idx = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    z = pd.DataFrame(rng.uniform(0, 1, (len(idx), len(idx))), index=idx, columns=idx)
    cols = pd.MultiIndex.from_product([regions, ["HFCE"]], names=["region", "category"])
    y = pd.DataFrame(rng.uniform(10, 20, (len(idx), len(cols))), index=idx, columns=cols)
    return MRIO(Z=z, Y=y, demonstration=True)


@needs_shared
def test_forced_labour_account_keeps_every_case_and_says_synthetic():
    matrix = read_shilling_matrix(SHILLING)
    assert matrix.shape == (140, 57)
    mrio = _icio_45(["CHN", "IND", "ROW"])
    ext = forced_labour_account(mrio, matrix=matrix)
    assert ext.demonstration
    assert "SYNTHETIC" in FORCED_LABOUR and list(ext.F.index) == [FORCED_LABOUR]
    assert any("SYNTHETIC" in s for s in ext.sources)
    assert ext.assumptions[0].startswith("DEMONSTRATION ONLY")
    f = ext.F.iloc[0]
    assert f.sum() == pytest.approx(matrix.to_numpy().sum())  # every region and sector covered
    assert f["CHN"].sum() == pytest.approx(matrix.loc["CHN"].sum())
    # Agriculture of China: the 13 GTAP crop, livestock and forestry sectors all go to A01_02.
    crops = ["PDR", "WHT", "GRO", "V_F", "OSD", "C_B", "PFB", "OCR", "CTL", "OAP", "RMK", "WOL"]
    crops.append("FRS")
    assert f[("CHN", "A01_02")] == pytest.approx(matrix.loc["CHN", crops].sum())
    # A GTAP sector spanning sectors follows output: CRP -> C20, C21, C22.
    x = output_vector(mrio)
    chem = f[("CHN", "C21")] / (f[("CHN", "C20")] + f[("CHN", "C21")] + f[("CHN", "C22")])
    assert chem == pytest.approx(x[("CHN", "C21")] / x["CHN"][["C20", "C21", "C22"]].sum())
    # The matrix's path does as well as the matrix read beforehand.
    by_path = forced_labour_account(mrio, matrix=str(SHILLING))
    pd.testing.assert_frame_equal(by_path.F, ext.F)


def test_forced_labour_needs_a_concordance_for_other_sectors(tmp_path):
    idx = pd.MultiIndex.from_product([["CHN"], ["food", "other"]], names=["region", "sector"])
    mrio = MRIO(
        Z=pd.DataFrame(np.eye(2), index=idx, columns=idx),
        Y=pd.DataFrame({("CHN", "HFCE"): [1.0, 1.0]}, index=idx),
    )
    with pytest.raises(SupplyError, match="pass a concordance"):
        forced_labour_account(
            mrio,
            matrix=pd.DataFrame(
                np.ones((1, 57)), index=["CHN"], columns=list(sector_table("gtap57")["code"])
            ),
        )
    with pytest.raises(SupplyError, match="file not found") as err:
        read_shilling_matrix(tmp_path / "missing.xlsx")
    assert err.value.file.endswith("missing.xlsx")


def test_forced_labour_without_a_matrix_says_which_file_it_needs():
    mrio = _icio_45(["CHN", "ROW"])
    with pytest.raises(SupplyError, match="needs matrix=.*Shilling_Matrix_GTAP-AgUnSk.xlsx") as e:
        forced_labour_account(mrio)
    assert e.value.file == "Shilling_Matrix_GTAP-AgUnSk.xlsx"
    assert "SYNTHETIC" in str(e.value)
