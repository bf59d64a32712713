"""Issue 19 item 9: `target87 evidence meta` and `bias` on real files (metafor's BCG trials as
CSV and as an Excel workbook written by openpyxl), checked against metafor's published numbers
(the issue's item 10 list; metafor's docs/reference/ranktest.html and trimfill.html), and bad
input refused with the file, line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from target87.cli import app

runner = CliRunner()
BCG = Path(__file__).resolve().parents[1] / "evidence" / "data" / "dat_bcg.csv"
COUNTS = ["--measure", "RR", "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg"]


def run(*args: str):
    return runner.invoke(app, ["evidence", *args])


def test_meta_regression_on_latitude_matches_metafor_as_a_table(tmp_path):
    done = run("meta", str(BCG), *COUNTS, "--test", "knha", "--mods", "ablat")
    assert done.exit_code == 0, done.output
    assert "F(df1 = 1, df2 = 11) = 12.5905" in done.output
    assert "QE(df = 11) = 30.7331" in done.output and "75.62%" in done.output
    assert "0.2515" in done.output and "-0.0291" in done.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_reml_as_json_with_metafors_names(tmp_path, suffix):
    path = BCG
    if suffix == ".xlsx":
        path = tmp_path / "bcg.xlsx"
        pd.read_csv(BCG).to_excel(path, index=False, engine="openpyxl")
    done = run("meta", str(path), *COUNTS, "--format", "json")
    assert done.exit_code == 0, done.output
    model = json.loads(done.output)["model"]
    assert model["beta"][0] == pytest.approx(-0.7145, abs=1e-4)
    assert model["se"][0] == pytest.approx(0.1798, abs=1e-4)
    assert model["tau2"] == pytest.approx(0.3132, abs=1e-4)
    assert model["I2"] == pytest.approx(92.22, abs=1e-2) and model["QE_df"] == 12
    for name in ("k", "zval", "pval", "ci_lb", "ci_ub", "se_tau2", "H2", "QEp", "pi_lb"):
        assert name in model


def test_subgroups_and_cluster_robust_errors_are_reported(tmp_path):
    done = run("meta", str(BCG), *COUNTS, "--subgroup", "alloc", "--cluster", "author",
               "--format", "json")  # fmt: skip
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    assert set(found["subgroups"]["groups"]) == {"random", "alternate", "systematic"}
    assert "robust" in found


def test_bias_tests_match_metafors_help_pages():
    done = run("bias", str(BCG), *COUNTS, "--format", "json")
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    assert found["rank"]["tau"] == pytest.approx(0.0256, abs=1e-4)  # ranktest.html
    assert found["rank"]["pval"] == pytest.approx(0.9524, abs=1e-4)
    assert found["trimfill"]["k0"] == 1  # trimfill on the REML fit (test_bias.py)
    assert "egger" in found
    only = run("bias", str(BCG), *COUNTS, "--rank")
    assert only.exit_code == 0 and "Rank Correlation" in only.output
    assert "Egger" not in only.output and "Estimated number of missing" not in only.output


def test_a_missing_column_or_a_bad_number_is_refused_with_its_place(tmp_path):
    done = run("meta", str(BCG), "--measure", "RR", "--ai", "tpos", "--bi", "tneg", "--ci",
               "cpos", "--di", "nope")  # fmt: skip
    assert done.exit_code == 2 and "no column 'nope'" in done.output
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(BCG).astype({"tpos": object})
    frame.loc[3, "tpos"] = "many"
    frame.to_csv(bad, index=False)
    done = run("meta", str(bad), *COUNTS)
    assert done.exit_code == 2
    assert "bad.csv, line 5, column 'tpos': 'many' is not a number" in done.output
    one = tmp_path / "one.csv"
    pd.read_csv(BCG).head(1).to_csv(one, index=False)
    done = run("meta", str(one), *COUNTS)
    assert done.exit_code == 2 and "k = 1" in done.output.replace("k=1", "k = 1")
