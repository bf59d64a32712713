"""Microdata in: real CSV, Parquet, Stata and SPSS files written here and read back; survey
and census harmonisation with errors naming file, column and row; the design matrix; the
survey-vs-census harmonisation check against hand-computed means."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from target87.risk import (
    RiskDataError,
    harmonisation_check,
    model_matrix,
    parse_config,
    prepare_census,
    prepare_survey,
    read_census,
    read_microdata,
    read_survey,
)

SURVEY = pd.DataFrame(
    {
        "tl": [1, 2, 3, 2, 1, 2, 2, 1, 2],
        "edad": [4, 10, 12, 7, 15, 16, 9, 17, 18],
        "sexo": [1, 1, 2, 2, 1, 2, 1, 2, 1],
        "area": [1, 1, 2, 1, 2, 2, 1, 2, 1],
        "department": ["05", "05", "05", "05", "08", "08", "08", "08", "08"],
        "mun": ["05001", "05001", "05002", "05002", "08001", "08001", "08010", "08010", "08010"],
        "factor": [10.0, 10.0, 20.0, 20.0, 30.0, 30.0, 40.0, 40.0, 50.0],
        "estrato": [1, 1, 1, 1, 2, 2, 2, 2, 2],
        "upm": [1, 1, 2, 2, 3, 3, 4, 4, 4],
    }
)
CENSUS = pd.DataFrame(
    {
        "p_edad": [3, 6, 11, 14, 17, 9],
        "sexo": [1, 2, 1, 2, 1, 2],
        "urbrur": ["U", "R", "U", "R", "R", "U"],
        "department": ["05", "05", "05", "08", "08", "08"],
        "cod_mun": ["05001", "05002", "05002", "08001", "08010", "08010"],
        "perwt": [10.0, 10.0, 12.0, 8.0, 9.0, 11.0],
    }
)
CONFIG = {
    "outcome": {"column": "tl", "definition": "test definition", "positive": [1, 3]},
    "age": {"survey_column": "edad", "census_column": "p_edad", "min": 5, "max": 17},
    "covariates": [
        {"name": "age", "survey_column": "edad", "census_column": "p_edad"},
        {
            "name": "male",
            "survey_column": "sexo",
            "kind": "binary",
            "survey_map": {1: 1, 2: 0},
            "census_map": {1: 1, 2: 0},
        },
        {
            "name": "zone",
            "survey_column": "area",
            "census_column": "urbrur",
            "kind": "categorical",
            "reference": "urban",
            "survey_map": {1: "urban", 2: "rural"},
            "census_map": {"U": "urban", "R": "rural"},
        },
    ],
    "territory": [
        "department",
        {"name": "municipality", "survey_column": "mun", "census_column": "cod_mun"},
    ],
    "survey": {"path": "survey.csv", "weight": "factor", "stratum": "estrato", "psu": "upm"},
    "census": {"path": "census.parquet", "weight": "perwt"},
}


def config(tmp_path: Path | None = None, **changes):
    doc = {**CONFIG, **changes}
    return parse_config(doc, source="run.yaml", base=tmp_path or Path("."))


def write(frame: pd.DataFrame, path: Path) -> Path:
    labels = {"sexo": {1: "Hombre", 2: "Mujer"}}
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".dta":
        pyreadstat.write_dta(frame, str(path), variable_value_labels=labels)
    else:
        pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".dta", ".sav"])
def test_each_format_reads_back_the_codes(tmp_path, suffix):
    path = write(SURVEY, tmp_path / f"survey{suffix}")
    frame = read_microdata(path, columns=["mun", "sexo", "factor", "edad"], text_columns=["mun"])
    assert list(frame.columns) == ["mun", "sexo", "factor", "edad"]
    assert frame.attrs["source"] == str(path)
    assert frame["mun"].tolist() == SURVEY["mun"].tolist()  # leading zeros kept
    assert frame["sexo"].astype(float).tolist() == [1, 1, 2, 2, 1, 2, 1, 2, 1]  # codes, no labels
    np.testing.assert_array_equal(frame["factor"].to_numpy(float), SURVEY["factor"].to_numpy())
    whole = read_microdata(path)
    assert set(whole.columns) == set(SURVEY.columns) and len(whole) == 9


def test_reader_errors_name_the_file_and_the_columns(tmp_path):
    path = write(SURVEY, tmp_path / "survey.dta")
    with pytest.raises(RiskDataError, match=r"survey\.dta: missing column\(s\) 'peso', 'upm2'"):
        read_microdata(path, columns=["edad", "peso", "upm2"])
    with pytest.raises(RiskDataError, match="unsupported file type '.xlsx'"):
        read_microdata(tmp_path / "survey.xlsx")
    with pytest.raises(RiskDataError, match="file not found"):
        read_microdata(tmp_path / "absent.csv")
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet")
    with pytest.raises(RiskDataError, match="cannot read as parquet"):
        read_microdata(broken)


def test_survey_and_census_files_are_harmonised_into_canonical_columns(tmp_path):
    write(SURVEY, tmp_path / "survey.csv")
    write(CENSUS, tmp_path / "census.parquet")
    run = config(tmp_path)
    survey = read_survey(run)
    assert list(survey.columns) == [
        "y",
        "weight",
        "stratum",
        "psu",
        "department",
        "municipality",
        "age",
        "male",
        "zone",
    ]
    assert survey.attrs["rows"].tolist() == [2, 3, 4, 5, 6, 7, 8]  # ages 4 and 18 left out
    assert survey["y"].tolist() == [0, 1, 0, 1, 0, 0, 1]  # outcome codes 1 and 3 are positive
    assert survey["male"].tolist() == [1, 0, 0, 1, 0, 1, 0]
    assert survey["zone"].tolist() == [
        "urban",
        "rural",
        "urban",
        "rural",
        "rural",
        "urban",
        "rural",
    ]
    assert survey["municipality"].tolist()[0] == "05001"
    assert survey["weight"].tolist() == [10, 20, 20, 30, 30, 40, 40]
    census = read_census(run)
    assert list(census.columns) == ["weight", "department", "municipality", "age", "male", "zone"]
    assert census["weight"].tolist() == [10, 12, 8, 9, 11]  # age 3 left out
    assert census["zone"].tolist() == ["rural", "urban", "rural", "rural", "urban"]
    unweighted = prepare_census(CENSUS, config(census={"path": "c.csv"}))
    assert unweighted["weight"].tolist() == [1.0] * 5


def with_value(column: str, row: int, value, frame: pd.DataFrame = SURVEY) -> pd.DataFrame:
    changed = frame.astype({column: object}).copy()
    changed.loc[row - 1, column] = value
    return changed


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (with_value("edad", 3, "doce"), "column 'edad' (age): row 3: 'doce' is not a number"),
        (
            with_value("factor", 5, None),
            "column 'factor' (weight): row 5: missing value (1 in all)",
        ),
        (with_value("factor", 4, 0.0), "column 'factor' (weight): row 4: weight 0 is not positive"),
        (
            with_value("sexo", 6, 9),
            "column 'sexo' (covariate male): row 6: code 9 is not in the "
            "recoding map (codes mapped: 1, 2)",
        ),
        (
            with_value("area", 2, None),
            "column 'area' (covariate zone): row 2: missing value (1 in all)",
        ),
        (with_value("tl", 8, None), "column 'tl' (outcome): row 8: missing value"),
        (with_value("upm", 3, None), "column 'upm' (psu): row 3: missing value"),
        (with_value("factor", 1, None), None),  # row 1 is out of the age range: not an error
        (SURVEY.drop(columns=["upm", "mun"]), "missing column(s) 'upm' (psu)"),
        (SURVEY.drop(columns=["mun"]), "missing column(s) 'mun' (territory municipality)"),
    ],
)
def test_survey_problems_name_file_column_and_row(frame, message):
    frame = frame.copy()
    frame.attrs["source"] = "survey.csv"
    if message is None:
        assert len(prepare_survey(frame, config())) == 7
        return
    with pytest.raises(RiskDataError) as err:
        prepare_survey(frame, config())
    assert str(err.value).startswith("survey file survey.csv: ")
    assert message in str(err.value)


def test_a_binary_covariate_must_be_zero_or_one_after_recoding():
    run = config(covariates=[{"name": "male", "survey_column": "sexo", "kind": "binary"}])
    with pytest.raises(
        RiskDataError,
        match=r"column 'sexo' .* row 3: a binary covariate must "
        r"be 0 or 1 after recoding, got 2",
    ):
        prepare_survey(SURVEY, run, source="s.csv")


def test_stata_float_codes_and_text_codes_are_one_level(tmp_path):
    # Stata stores the code 1 as 1.0; a YAML map or reference written as 1 must still match
    run = config(
        covariates=[
            {"name": "zone", "survey_column": "area", "kind": "categorical", "reference": 1}
        ]
    )
    raw = read_microdata(write(SURVEY.astype({"area": float}), tmp_path / "s.dta"))
    survey = prepare_survey(raw, run)
    assert sorted(set(survey["zone"])) == ["1", "2"]
    X = model_matrix(survey, run)
    assert list(X.columns) == ["const", "zone[2]"]
    assert X["zone[2]"].tolist() == [0, 1, 0, 1, 1, 0, 1]


def test_model_matrix_keeps_survey_levels_and_refuses_unknown_census_levels():
    run = config()
    survey = prepare_survey(SURVEY, run, source="s.csv")
    X = model_matrix(survey, run)
    assert list(X.columns) == ["const", "age", "male", "zone[rural]"]
    census = prepare_census(CENSUS, run, source="c.csv")
    Xc = model_matrix(census, run, levels={"zone": ("rural",)})
    assert Xc["zone[rural]"].tolist() == [1, 0, 1, 1, 0]
    census.loc[0, "zone"] = "periurban"
    with pytest.raises(
        RiskDataError,
        match=r"c\.csv: covariate 'zone': level\(s\) periurban "
        r"are not in the model",
    ):
        model_matrix(census, run, levels={"zone": ("rural",)})
    no_reference = survey.assign(zone="rural")
    with pytest.raises(RiskDataError, match="reference level 'urban' does not occur"):
        model_matrix(no_reference, run)


def test_harmonisation_check_against_hand_computed_means():
    run = config(
        census={"path": "c.csv"},
        covariates=[
            {"name": "age"},
            {"name": "male", "kind": "binary"},
            {"name": "zone", "kind": "categorical", "reference": "urban"},
        ],
    )
    survey = pd.DataFrame(
        {
            "weight": [1.0, 1.0, 2.0],
            "age": [10.0, 12.0, 14.0],
            "male": [1.0, 0.0, 1.0],
            "zone": ["urban", "rural", "urban"],
        }
    )
    census = pd.DataFrame(
        {
            "weight": [1.0] * 4,
            "age": [10.0, 10.0, 14.0, 14.0],
            "male": [1.0, 1.0, 0.0, 0.0],
            "zone": ["urban", "rural", "rural", "periurban"],
        }
    )
    report = harmonisation_check(survey, census, run)
    table = report.to_frame().set_index(["covariate", "level"], drop=False)
    age = table.loc[("age", None)]
    # survey: mean (10 + 12 + 2 * 14) / 4 = 12.5, variance (6.25 + 0.25 + 2 * 2.25) / 4 = 2.75
    # census: mean 12, variance 4; pooled sd sqrt(3.375)
    assert (age.survey, age.census, age.statistic) == (12.5, 12.0, "mean")
    assert age.std_difference == pytest.approx(-0.5 / math.sqrt(3.375))
    assert age.flagged and age.reason == "|std diff| > 0.1"
    male = table.loc[("male", None)]
    assert (male.survey, male.census, male.difference) == (0.75, 0.5, -0.25)
    assert male.std_difference == pytest.approx(-0.25 / math.sqrt((0.1875 + 0.25) / 2))
    assert male.flagged and male.reason == "|diff| > 0.05"
    zone = table.loc["zone"]
    assert zone.index.tolist() == ["periurban", "rural", "urban"]
    assert zone["survey"].tolist() == [0.0, 0.25, 0.75]
    assert zone["census"].tolist() == [0.25, 0.5, 0.25]
    assert zone.loc["periurban", "reason"] == "level only in the census"
    assert not report.ok and len(report.flagged) == 5
    text = report.summary()
    assert "5 of 5 flagged" in text and "census (unweighted)" in text
    assert "level only in the census" in text and "-0.2500" in text
    lenient = harmonisation_check(survey, census, run, share_threshold=0.6, std_threshold=0.6)
    assert lenient.flagged[["covariate", "level"]].values.tolist() == [["zone", "periurban"]]
    same = harmonisation_check(survey, survey, run)
    assert same.ok and (same.table["difference"] == 0).all()
