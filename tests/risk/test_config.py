"""The YAML run configuration: a full file read into frozen dataclasses, and every mistake
reported with the file and the YAML key."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
import yaml

from target87.risk import RiskConfigError, load_config

FULL = """\
name: Synthetic country, 2024 survey x 2020 census
outcome:
  column: trabajo_infantil
  definition: "Child labour, national definition: economic work below the minimum age,
    hazardous work or excessive hours"
  positive: [1, 3]
age: {survey_column: edad, census_column: p_edad, min: 5, max: 17}
covariates:
  - {name: age, survey_column: edad, census_column: p_edad}
  - name: male
    survey_column: sexo
    kind: binary
    survey_map: {1: 1, 2: 0}
    census_map: {1: 1, 2: 0}
  - name: area
    survey_column: area
    census_column: urbrur
    kind: categorical
    reference: urban
    survey_map: {1: urban, 2: rural}
    census_map: {U: urban, R: rural}
territory:
  - department
  - {name: municipality, survey_column: mun, census_column: cod_mun}
survey: {path: data/survey.dta, weight: factor, stratum: estrato, psu: upm}
census: {path: /abs/census.parquet, weight: perwt}
model: {link: probit, singleton: center}
disclosure: {min_children: 80, count_rounding: 10, direct_suppress_below: 30}
"""


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def test_full_configuration_is_read_into_frozen_dataclasses(tmp_path):
    config = load_config(write(tmp_path, FULL))
    assert config.name == "Synthetic country, 2024 survey x 2020 census"
    assert config.outcome.column == "trabajo_infantil"
    assert config.outcome.definition.startswith("Child labour, national definition")
    assert config.outcome.positive == (1, 3)
    assert (config.age.survey_column, config.age.census_column) == ("edad", "p_edad")
    assert (config.age.min, config.age.max) == (5.0, 17.0)
    age, male, area = config.covariates
    assert (age.kind, age.survey_column, age.census_column) == ("numeric", "edad", "p_edad")
    assert (male.kind, male.census_column) == ("binary", "sexo")  # defaults to survey column
    assert dict(male.survey_map) == {1: 1, 2: 0}
    assert (area.reference, dict(area.census_map)) == ("urban", {"U": "urban", "R": "rural"})
    assert [(t.name, t.survey_column, t.census_column) for t in config.territory] == [
        ("department", "department", "department"),
        ("municipality", "mun", "cod_mun"),
    ]
    assert config.survey.path == tmp_path / "data" / "survey.dta"  # relative to the YAML
    assert (config.survey.weight, config.survey.stratum, config.survey.psu) == (
        "factor",
        "estrato",
        "upm",
    )
    assert config.census.path == Path("/abs/census.parquet")
    assert config.census.weight == "perwt"
    assert (config.model.link, config.model.singleton) == ("probit", "center")
    assert dict(config.disclosure) == {
        "min_children": 80,
        "count_rounding": 10,
        "direct_suppress_below": 30,
    }
    assert config.covariate("area") is area
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.name = "changed"
    with pytest.raises(TypeError):
        config.disclosure["min_children"] = 1


def test_defaults_of_a_minimal_configuration(tmp_path):
    minimal = {
        "outcome": {"column": "tl", "definition": "d"},
        "covariates": [{"name": "x"}],
        "territory": ["mun"],
        "survey": {"path": "s.csv", "weight": "w"},
        "census": {"path": "c.csv"},
    }
    config = load_config(write(tmp_path, minimal))
    assert config.outcome.positive == (1,)
    assert config.covariates[0].kind == "numeric"
    assert (config.model.link, config.model.singleton) == ("logit", "fail")
    assert config.age is None and config.census.weight is None
    assert config.survey.stratum is None and dict(config.disclosure) == {}


def mutate(path: str, value):
    """A change to the FULL document: set (or, with value ..., delete) the key at ``path``."""

    def apply(doc):
        keys = path.split(".")
        node = doc
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = int(keys[-1]) if isinstance(node, list) else keys[-1]
        if value is ...:
            del node[last]
        else:
            node[last] = value
        return doc

    return apply


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            mutate("covariates.2.kind", "cat"),
            "covariates[2].kind: must be one of numeric, binary, categorical, got 'cat'",
        ),
        (mutate("covariates.2.reference", ...), "covariates[2].reference: is required"),
        (mutate("covariates.0.reference", "x"), "covariates[0].reference: only applies"),
        (mutate("covariates.1.referense", 1), "covariates[1]: unknown key(s) referense"),
        (
            mutate("covariates.1.survey_map", [1, 2]),
            "covariates[1].survey_map: must be a non-empty",
        ),
        (mutate("model.link", "cloglog"), "model.link: must be one of logit, probit"),
        (mutate("model.singleton", "drop"), "model.singleton: must be one of fail, center"),
        (mutate("outcome", ...), "outcome: is required"),
        (mutate("outcome.column", ""), "outcome.column: must be a non-empty name"),
        (mutate("survey.weight", ...), "survey.weight: is required"),
        (mutate("census", "c.csv"), "census: must be a mapping"),
        (mutate("age.min", "five"), "age.min: must be a number"),
        (mutate("age.min", 18), "age: min 18 is above max 17"),
        (mutate("covariates", []), "covariates: must be a non-empty list"),
        (mutate("territory.0", "male"), "territory[0]: the name 'male' is used twice"),
        (
            mutate("covariates.0.name", "weight"),
            "covariates[0].name: the name 'weight' is reserved",
        ),
        (mutate("extra", 1), "<top level>: unknown key(s) extra"),
    ],
)
def test_each_mistake_names_the_yaml_key(tmp_path, change, message):
    doc = change(copy.deepcopy(yaml.safe_load(FULL)))
    path = write(tmp_path, doc)
    with pytest.raises(RiskConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_unreadable_and_invalid_yaml_files(tmp_path):
    with pytest.raises(RiskConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(RiskConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "outcome: [unclosed"))
    with pytest.raises(RiskConfigError, match="<top level>: must be a mapping"):
        load_config(write(tmp_path, "- just a list"))


def test_a_run_section_is_left_to_the_pipeline_options(tmp_path):
    """`run:` holds the pipeline's options (risk.run_options checks them): the model's
    configuration reads the same file without refusing it."""
    config = load_config(write(tmp_path, FULL + "run: {seed: 3, draws: 250}\n"))
    assert config.model.link == "probit"
