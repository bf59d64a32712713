"""`target87 supply screen` (issue 20, items 5, 6 and 10) on the bundled store: a real supplier
list as a table, JSON and CSV in three languages, the Excel and PDF files it writes opened
again, and refusals (a 200 MB upload, a bad column, an unknown format) with exit code 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from target87.cli import app
from target87.cli.common import console as cli_console
from target87.supply.accounts import footprints
from target87.supply.demo import with_child_labour
from target87.supply.readers import read_mrio

runner = CliRunner()
SUPPLIERS = Path(__file__).resolve().parents[1] / "data" / "supply" / "screen" / "suppliers.csv"


def _run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, "supply", *args])


def test_screen_as_json_ranks_the_listed_cocoa_first_and_names_the_unknown(warehouse_url):
    done = _run(warehouse_url, "screen", str(SUPPLIERS), "--format", "json")
    assert done.exit_code == 0, done.output
    found = json.loads(done.stdout)
    lines = found["lines"]
    assert [line["rank"] for line in lines] == list(range(1, 11))
    assert lines[0]["supplier"] == "Abidjan Cocoa Traders" and lines[0]["country"] == "CIV"
    assert lines[0]["flags"][0]["source"] == "ilab_tvpra_2022"
    scores = [line["score"] for line in lines]
    assert scores == sorted(scores, reverse=True)
    atlantis = next(line for line in lines if line["supplier"] == "Atlantis Mining")
    assert atlantis["country"] is None
    assert atlantis["notes"][0]["kind"] == "unknown_country" and atlantis["flags"]
    assert found["dol_list_edition"] == 2022 and "ilab_tvpra_2022" in found["sources"]


def test_screen_as_a_french_table_with_the_method_and_sources(warehouse_url, monkeypatch):
    # Rich reads the terminal's width once, when the console is made: set it for this table.
    monkeypatch.setattr(cli_console, "width", 250)
    done = runner.invoke(
        app,
        ["--database-url", warehouse_url, "supply", "screen", str(SUPPLIERS), "--lang", "fr"],
        env={"COLUMNS": "200"},
    )
    assert done.exit_code == 0, done.output
    assert "Priorité" in done.stdout and "Fournisseur" in done.stdout
    assert "Gravité : travail forcé des enfants 4" in done.stdout
    assert "[1] US Department of Labor" in done.stdout


def test_screen_as_spanish_csv(warehouse_url):
    done = _run(warehouse_url, "screen", str(SUPPLIERS), "--format", "csv", "--lang", "es")
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0][:4] == ["Rango", "Prioridad", "Puntuación", "Proveedor"]
    assert len(rows) == 11 and rows[1][3] == "Abidjan Cocoa Traders"


def test_screen_writes_excel_and_pdf_files(warehouse_url, tmp_path):
    xlsx, pdf = tmp_path / "screen.xlsx", tmp_path / "screen.pdf"
    done = _run(warehouse_url, "screen", str(SUPPLIERS), "--format", "json",
                "--excel", str(xlsx), "--pdf", str(pdf))  # fmt: skip
    assert done.exit_code == 0, done.output
    sheet = load_workbook(xlsx)["Screen"]
    assert sheet.max_row == 11 and sheet["D2"].value == "Abidjan Cocoa Traders"
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_a_200_mb_supplier_list_is_refused_with_the_limit_named(warehouse_url, tmp_path):
    big = tmp_path / "suppliers.csv"
    with big.open("wb") as f:
        f.write(b"supplier,country,commodity,spend\n")
        f.truncate(200 * 1024 * 1024)
    done = _run(warehouse_url, "screen", str(big))
    assert done.exit_code == 2
    assert "suppliers.csv" in done.output and "50 MB" in done.output
    assert "over the limit" in done.output


def test_bad_columns_and_formats_are_refused(warehouse_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("supplier,nation,commodity\nA,Ghana,cocoa\n", encoding="utf-8")
    done = _run(warehouse_url, "screen", str(bad))
    assert done.exit_code == 2 and "bad.csv, row 1" in done.output and "country" in done.output
    done = _run(warehouse_url, "screen", str(SUPPLIERS), "--format", "xml")
    assert done.exit_code == 2 and "--format" in done.output
    done = _run(warehouse_url, "screen", str(SUPPLIERS), "--lang", "de")
    assert done.exit_code == 2


# --- supply footprint (issue 20, item 6) --------------------------------------------------------


def _pymrio_folder(tmp_path: Path) -> tuple[Path, object]:
    import pymrio

    system = pymrio.load_test()
    system.save_all(tmp_path / "testmrio")
    system.calc_all()
    return tmp_path / "testmrio", system


def test_footprint_json_of_a_pymrio_folder_equals_pymrio_calc_all(tmp_path):
    folder, system = _pymrio_folder(tmp_path)
    done = runner.invoke(app, ["supply", "footprint", "--mrio", str(folder), "--format", "json"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.stdout)
    assert found["demonstration"] is True and found["accounts"][0] == "D_cba_reg"
    assert "not ISO3" in found["notes"][0]  # reg1...reg6: no child labour account added
    emissions = found["extensions"]["emissions"]
    assert emissions["unit"]["emission_type1 / air"] == "kg" and emissions["sources"]
    for key in ("D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg"):
        expected = getattr(system.emissions, key)
        for region in expected.columns:
            got = emissions["stressors"]["emission_type1 / air"][region][key]
            want = float(expected.loc[("emission_type1", "air"), region])
            assert abs(got - want) <= 1e-10 * max(1.0, abs(want)), (key, region)


def test_footprint_table_names_the_accounts_and_flags_the_demonstration(tmp_path):
    folder, _ = _pymrio_folder(tmp_path)
    done = runner.invoke(
        app, ["supply", "footprint", "--mrio", str(folder), "--extension", "emissions"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "DEMONSTRATION" in done.stdout and "D_imp_reg" in done.stdout
    assert "emission_type2 / water [kg]" in done.stdout and "factor_inputs" not in done.stdout
    assert "source: pymrio folder" in done.stdout


def _plain_folder(tmp_path: Path) -> Path:
    """Two ISO3 countries and the rest of the world, three ICIO 2023 sectors, no extension."""
    import numpy as np
    import pandas as pd

    regions, sectors = ["CIV", "FRA", "ROW"], ["A01_02", "C10T12", "G"]
    index = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    columns = pd.MultiIndex.from_product([regions, ["HFCE"]], names=["region", "category"])
    rng = np.random.default_rng(7)
    folder = tmp_path / "plain"
    folder.mkdir()
    pd.DataFrame(rng.uniform(1, 10, (9, 9)), index, index).to_csv(folder / "Z.csv")
    pd.DataFrame(rng.uniform(20, 60, (9, 3)), index, columns).to_csv(folder / "Y.csv")
    return folder


def test_footprint_of_a_plain_folder_adds_the_child_labour_account(tmp_path):
    done = runner.invoke(
        app, ["supply", "footprint", "--mrio", str(_plain_folder(tmp_path)), "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    found = json.loads(done.stdout)
    assert found["demonstration"] is False and "added" in found["notes"][0]
    child = found["extensions"]["child_labour"]
    assert child["unit"] == {"child labour, 5-17": "persons"}
    assert any("UNICEF" in s for s in child["sources"]) and child["assumptions"]
    regions = child["stressors"]["child labour, 5-17"]
    # France has no SOWC prevalence: nothing is produced there, yet its demand has a footprint.
    assert regions["FRA"]["D_pba_reg"] == 0 and regions["FRA"]["D_cba_reg"] > 0
    assert regions["CIV"]["D_pba_reg"] > 0
    total = {k: sum(r[k] for r in regions.values()) for k in regions["CIV"]}
    balance = total["D_pba_reg"] + total["D_imp_reg"] - total["D_exp_reg"]
    assert abs(total["D_cba_reg"] - balance) < 1e-9 * total["D_cba_reg"]  # pymrio's identity


def test_footprint_refuses_a_missing_folder_an_unknown_extension_and_format(tmp_path):
    done = runner.invoke(app, ["supply", "footprint", "--mrio", str(tmp_path / "none")])
    assert done.exit_code == 2 and "no such file or folder" in done.output
    folder = _plain_folder(tmp_path)
    done = runner.invoke(app, ["supply", "footprint", "--mrio", str(folder), "--extension", "x"])
    assert done.exit_code == 2 and "child_labour" in done.output
    done = runner.invoke(app, ["supply", "footprint", "--mrio", str(folder), "--format", "xml"])
    assert done.exit_code == 2 and "--format" in done.output


def test_screen_with_a_table_flags_lines_by_embodied_intensity(warehouse_url, tmp_path):
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text(
        "supplier,country,commodity,sector\n"
        "Farm Co,CIV,maize,A01_02\n"
        "Shop SA,FRA,retail services,G\n",
        encoding="utf-8",
    )
    folder = _plain_folder(tmp_path)
    done = _run(warehouse_url, "screen", str(suppliers), "--format", "json", "--mrio", str(folder))
    assert done.exit_code == 0, done.output
    lines = {line["supplier"]: line for line in json.loads(done.stdout)["lines"]}
    found = {
        name: next(f for f in line["flags"] + line["context"] if f["kind"] == "intensity")
        for name, line in lines.items()
    }
    farm, shop = found["Farm Co"], found["Shop SA"]
    assert "input-output table" in farm["source"] and farm["values"]["sector"] == "A01_02"
    # The intensity is the table's multiplier M = S L of child labour for that country and sector.
    system, _ = with_child_labour(read_mrio(folder))
    M = footprints(system)["child_labour"].M.iloc[0]
    assert farm["values"]["value"] == pytest.approx(M[("CIV", "A01_02")], rel=1e-12)
    assert shop["values"]["value"] == pytest.approx(M[("FRA", "G")], rel=1e-12)


def test_screen_refuses_a_table_without_a_child_labour_account(warehouse_url, tmp_path):
    folder, _ = _pymrio_folder(tmp_path)  # pymrio's test regions (reg1...) are not countries
    done = _run(warehouse_url, "screen", str(SUPPLIERS), "--mrio", str(folder))
    assert done.exit_code == 2 and "ISO3" in done.stderr
