"""``target87 risk``: synth, fit, score, report and ivti through Typer's runner, on real files."""

from __future__ import annotations

import os

os.environ["COLUMNS"] = "200"  # Rich reads the width once; wide enough that messages do not wrap

import json

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from target87.cli import app
from target87.risk.synth import SYNTHETIC_LABEL

runner = CliRunner()
pytestmark = pytest.mark.slow  # module fixtures run the whole pipeline (about 3 s each)


def risk(*args: str):
    return runner.invoke(app, ["risk", *map(str, args)])


def flat(text: str) -> str:
    return " ".join(text.split())


def refused(result) -> bool:
    """Exit 1 through our handler: an unhandled exception also gives 1 in the runner."""
    return result.exit_code == 1 and isinstance(result.exception, SystemExit)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "demo"
    result = risk("synth", "--out", out, "--children", 20_000, "--territories", 40, "--seed", 8)
    assert result.exit_code == 0, result.output
    assert SYNTHETIC_LABEL in result.output and "risk score" in result.output
    return out


@pytest.fixture(scope="module")
def scored(folder):
    result = risk("score", folder / "run.yaml", "--out", folder / "results")
    return result, folder / "results"


def test_synth_writes_a_labelled_run_folder(folder):
    names = {p.name for p in folder.iterdir()}
    assert names >= {"run.yaml", "survey.csv", "census.csv", "boundaries.geojson", "truth.csv"}
    assert yaml.safe_load((folder / "run.yaml").read_text())["run"]["synthetic"] is True
    census = pd.read_csv(folder / "census.csv")
    assert len(census) == 20_000 and (census["synthetic"] == "SYNTHETIC").all()


def test_fit_prints_the_harmonisation_check_and_the_model(folder):
    result = risk("fit", folder / "run.yaml")
    assert result.exit_code == 0, result.output
    assert "Harmonisation check" in result.output
    assert "Survey-weighted binary model" in result.output
    assert "area[rural]" in result.output and "odds ratio" in result.output


def test_score_writes_tables_map_json_and_report(scored):
    result, out = scored
    assert result.exit_code == 0, result.output
    assert SYNTHETIC_LABEL in result.output and "national risk" in result.output
    assert {p.name for p in out.iterdir()} == {
        "territories.csv", "territories_region.csv", "territories.geojson", "run.json",
        "suppression_log.csv", "report.html",
    }  # fmt: skip
    assert len(pd.read_csv(out / "territories.csv")) == 40
    assert json.loads((out / "run.json").read_text())["synthetic"] is True


def test_score_unit_level_warns_and_writes_the_scores(folder, tmp_path):
    result = risk("score", folder / "run.yaml", "--out", tmp_path, "--unit-level")
    assert result.exit_code == 0, result.output
    assert "sensitive personal data" in flat(result.output)
    assert len(pd.read_csv(tmp_path / "unit_scores.csv")) == 20_000
    assert "predicted child labour probability" in (tmp_path / "report.html").read_text()


def test_report_from_a_saved_run_and_from_the_run_file(scored, folder, tmp_path):
    _, out = scored
    result = risk("report", out / "run.json", "--out", tmp_path / "again.html")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again.html").read_text() == (out / "report.html").read_text()
    result = risk("report", folder / "run.yaml", "--out", tmp_path / "fresh.html")
    assert result.exit_code == 0, result.output
    assert SYNTHETIC_LABEL in (tmp_path / "fresh.html").read_text()


def test_ivti_equal_weights_is_the_mean_of_min_max_scores(folder, tmp_path):
    indicators = ["poverty_share", "agri_share", "low_schooling", "rural_share"]
    result = risk(
        "ivti", folder / "truth.csv", "--territory", "territory",
        *[arg for name in indicators for arg in ("--indicator", f"{name}:+1")],
        "--weights", "equal", "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Cronbach" in result.output
    table = pd.read_csv(folder / "truth.csv", dtype={"territory": str})
    scaled = table[indicators].apply(lambda x: (x - x.min()) / (x.max() - x.min()))
    by_hand = scaled.mean(axis=1).set_axis(table["territory"])
    index = pd.read_csv(tmp_path / "ivti.csv", dtype={"territory": str}).set_index("territory")
    pd.testing.assert_series_equal(
        index["ivti"], by_hand.rename("ivti"), check_index=False, rtol=1e-12
    )
    assert index["class"].isin(["low", "medium", "high"]).all()
    assert (tmp_path / "ivti_sensitivity.csv").exists()
    pca = risk("ivti", folder / "truth.csv", "--territory", "territory", "-i", "poverty_share",
               "-i", "agri_share:+1", "-i", "low_schooling", "--weights", "pca",
               "--out", tmp_path / "pca")  # fmt: skip
    assert pca.exit_code == 0, pca.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fit", "{folder}/missing.yaml"), "missing.yaml: cannot read the run file"),
        (("report", "{folder}/truth.csv", "--out", "{folder}/r.html"),
         "give a run file (.yaml, .yml) or a saved run (.json)"),
        (("ivti", "{folder}/truth.csv", "-i", "poverty_share:up", "--out", "{folder}/x"),
         "--indicator 'poverty_share:up': write name:+1"),
        (("ivti", "{folder}/truth.csv", "-i", "nothing:+1", "-i", "agri_share", "--out",
          "{folder}/x"), "missing column(s) 'nothing'"),
    ],
)  # fmt: skip
def test_errors_print_our_message_and_exit_1(folder, args, message):
    result = risk(*(a.format(folder=folder) for a in args))
    assert refused(result), result.exception
    assert message in flat(result.output)


def test_data_and_configuration_errors_name_file_key_and_row(folder, tmp_path):
    document = yaml.safe_load((folder / "run.yaml").read_text())
    document["covariates"][1]["kind"] = "binaryy"
    bad_key = tmp_path / "bad_key.yaml"
    bad_key.write_text(yaml.safe_dump(document | {"survey": {**document["survey"],
                       "path": str(folder / "survey.csv")}}))  # fmt: skip
    result = risk("fit", bad_key)
    assert refused(result), result.exception
    assert "bad_key.yaml: covariates[1].kind: must be one of numeric, binary, categorical" in flat(
        result.output
    )
    survey = pd.read_csv(folder / "survey.csv", dtype=str)
    survey.loc[3, "age"] = "twelve"
    survey.to_csv(tmp_path / "survey.csv", index=False)
    document = yaml.safe_load((folder / "run.yaml").read_text())
    document["census"]["path"] = str(folder / "census.csv")
    document["run"]["boundaries"]["path"] = str(folder / "boundaries.geojson")
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(document))
    result = risk("score", tmp_path / "run.yaml", "--out", tmp_path / "out")
    assert refused(result), result.exception
    assert "survey.csv: column 'age' (age): row 4: 'twelve' is not a number" in flat(result.output)
    assert not (tmp_path / "out").exists()  # nothing written


def test_publish_stores_the_run_once_and_refuses_unit_level_documents(scored, tmp_path):
    _result, out = scored
    first = risk("publish", out / "run.json", "--country", "BRA")
    assert first.exit_code == 0, first.output
    assert "Published as run" in first.output and "SYNTHETIC" in first.output
    again = risk("publish", out / "run.json")
    assert refused(again) and "already published" in flat(again.output)
    doc = json.loads((out / "run.json").read_text())
    doc["unit_scores"] = [{"child": 1, "risk": 0.2}]
    leaky = tmp_path / "run.json"
    leaky.write_text(json.dumps(doc))
    refusal = risk("publish", leaky)
    assert refused(refusal) and "unit-level" in flat(refusal.output)
