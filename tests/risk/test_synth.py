"""The synthetic CLRISK generator: labelled, deterministic, calibrated, and true to its model."""

from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import logit

from target87.risk import synth
from target87.risk.synth import (
    COVARIATES,
    SYNTHETIC_LABEL,
    TRUE_COEFFICIENTS,
    SynthError,
    draw_sample,
    load_calibration,
    synthesize,
)
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import risk_calibration  # noqa: E402

BRAZIL = ROOT.parent / "shared" / "data" / "subnational" / "brazil_pnadc_uf_aggregates"


@pytest.fixture(scope="module")
def data():
    return synthesize(120_000, 120, seed=11, sample_size=6_000, psu_size=100)


def test_same_seed_gives_identical_frames_and_another_seed_does_not():
    kwargs = {"sample_size": 3_000, "psu_size": 100}
    first = synthesize(60_000, 60, seed=7, **kwargs)
    again = synthesize(60_000, 60, seed=7, **kwargs)
    other = synthesize(60_000, 60, seed=8, **kwargs)
    assert first.fingerprint() == again.fingerprint()
    pd.testing.assert_frame_equal(first.census, again.census)
    pd.testing.assert_frame_equal(first.sample, again.sample)
    assert other.fingerprint() != first.fingerprint()
    assert not np.array_equal(other.census["y"], first.census["y"])


def test_every_output_is_labelled_synthetic(data):
    assert data.synthetic is True and data.label == SYNTHETIC_LABEL
    assert "SYNTHETIC" in SYNTHETIC_LABEL
    for frame in (data.census, data.sample, data.territories):
        assert frame["synthetic"].all()
        assert frame.attrs == {"synthetic": True, "label": SYNTHETIC_LABEL}
    assert data.summary().startswith(SYNTHETIC_LABEL)
    again = draw_sample(data.census, 3_000, seed=1)
    assert again["synthetic"].all() and again.attrs["synthetic"] is True


def test_national_rate_is_the_brazil_target_or_the_one_asked(data):
    target = load_calibration()["national_rate"]
    assert data.prevalence == target
    assert data.census["p"].to_numpy().mean(dtype=np.float64) == pytest.approx(target, abs=1e-6)
    ten = synthesize(60_000, 60, seed=3, prevalence=0.10, sample_size=3_000, psu_size=100)
    assert ten.census["p"].to_numpy().mean(dtype=np.float64) == pytest.approx(0.10, abs=1e-6)
    # realised outcomes: binomial noise only, sd sqrt(.1 * .9 / 60000) = 0.0012
    assert ten.census["y"].mean() == pytest.approx(0.10, abs=0.005)


def test_spread_of_territory_rates_resembles_the_brazil_states():
    """With sigma_u = 0 the logit P90 - P10 of territory rates is within 25% of the states'."""
    target = load_calibration()
    d = synthesize(300_000, 300, seed=5, sample_size=6_000)
    q10, q90 = d.territories["expected_rate"].quantile([0.1, 0.9])
    assert logit(q90) - logit(q10) == pytest.approx(
        target["state_logit_interdecile_range"], rel=0.25
    )
    states = target["state_rate_quantiles"]
    assert states["p10"] / 2 < q10 < states["p10"] * 2
    assert states["p90"] / 2 < q90 < states["p90"] * 2


def test_area_effects_have_the_asked_spread_and_enter_the_true_probability():
    d = synthesize(150_000, 400, seed=9, sigma_u=0.5, sample_size=6_000, psu_size=100)
    u = d.territories["u"]
    # sd of 400 normal draws: relative standard error 1 / sqrt(800) = 3.5%
    assert u.std() == pytest.approx(0.5, rel=0.12)
    c = d.census
    eta = (
        d.coefficients["const"]
        + sum(d.coefficients[k] * c[k].to_numpy(float) for k in COVARIATES)
        + u.to_numpy()[c["territory"].to_numpy()]
    )
    np.testing.assert_allclose(c["p"], 1 / (1 + np.exp(-eta)), rtol=2e-6)
    assert (
        synthesize(30_000, 30, seed=1, sample_size=1_500, psu_size=100).territories["u"] == 0
    ).all()


def test_a_logit_on_the_census_recovers_the_true_coefficients(data):
    """The outcome follows the stated model: the maximum-likelihood fit lands within 4 SE."""
    c = data.census
    fit = sm.GLM(
        c["y"].astype(float),
        sm.add_constant(c[list(COVARIATES)].astype(float)),
        family=sm.families.Binomial(),
    ).fit()
    z = (fit.params - data.coefficients) / fit.bse
    assert (z.abs() < 4).all(), z
    assert list(data.coefficients.index) == ["const", *TRUE_COEFFICIENTS]


def test_covariates_have_the_published_directions_and_plausible_levels(data):
    c = data.census
    assert c["age"].between(5, 17).all() and set(c["male"].unique()) == {0, 1}
    assert 0.8 < c["attends_school"].mean() < 0.95
    assert 4 < c["head_educ_years"].mean() < 10
    # school attendance falls with age and poverty; rural heads work more in agriculture
    assert c.groupby(c["age"] >= 15)["attends_school"].mean().is_monotonic_decreasing
    assert c.groupby("poverty")["attends_school"].mean().is_monotonic_decreasing
    assert c.groupby("rural")["head_agriculture"].mean().is_monotonic_increasing
    rural_dominant = (data.territories["rural_share"] > 0.5).mean()
    assert 0.15 < rural_dominant < 0.5  # CLRISK.md 6.3: about 30% of areas


def test_census_is_memory_lean(data):
    c = data.census
    assert c.memory_usage(index=False).sum() / len(c) <= 30
    assert {str(t) for t in c.dtypes} <= {"int8", "int16", "int32", "float32", "bool"}


def test_sample_design_weights_add_up_to_each_stratum_and_psus_nest_in_strata(data):
    s, c = data.sample, data.census
    assert s["psu"].groupby(s["psu"]).size().max() <= 15
    assert (s.groupby("psu")["stratum"].nunique() == 1).all()
    assert s["stratum"].groupby(s["stratum"]).size().min() > 0
    assert (s.groupby("stratum")["psu"].nunique() >= 2).all()
    # PPS then SRS within PSUs: the weights of a stratum add up to its children, exactly
    census_stratum = (c["region"].astype(int) * 2 + c["rural"]).value_counts()
    weights = s.groupby("stratum")["weight"].sum()
    np.testing.assert_allclose(weights, census_stratum[weights.index], rtol=1e-9)
    assert s["weight"].sum() == pytest.approx(len(c), rel=1e-9)
    # sampled rows are census rows, unchanged
    merged = s.merge(c, on="child_id", suffixes=("", "_census"))
    for k in (*COVARIATES, "y", "territory", "psu"):
        assert (merged[k] == merged[f"{k}_census"]).all()


def test_design_weights_are_unbiased_over_repeated_samples(data):
    """Horvitz-Thompson totals of y over 40 samples average to the census total."""
    totals = [
        (lambda s: (s["weight"] * s["y"]).sum())(draw_sample(data.census, 6_000, seed=r))
        for r in range(40)
    ]
    # sd of one total is about 8% here; of the mean of 40 about 1.3%
    assert np.mean(totals) == pytest.approx(data.census["y"].sum(), rel=0.05)


def test_blocks_of_the_census_join_seamlessly(monkeypatch):
    monkeypatch.setattr(synth, "BLOCK", 7_000)
    d = synthesize(30_000, 30, seed=2, sample_size=1_500, psu_size=100)
    assert len(d.census) == 30_000 and d.census["child_id"].is_monotonic_increasing
    by_block = d.census.groupby(d.census["child_id"] // 7_000)[["male", "age"]].mean()
    assert by_block["male"].between(0.47, 0.55).all() and by_block["age"].between(10, 12).all()
    assert d.census["p"].to_numpy().mean(dtype=np.float64) == pytest.approx(d.prevalence, abs=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_children": 100, "n_territories": 10}, "20 children per territory"),
        ({"prevalence": 1.5}, "strictly between 0 and 1"),
        ({"sigma_u": -1.0}, "sigma_u must be >= 0"),
        ({"sample_size": 20_000}, "at most half"),
    ],
)
def test_impossible_requests_say_what_to_change(kwargs, message):
    args = {"n_children": 20_000, "n_territories": 20, "seed": 1, "psu_size": 100} | kwargs
    with pytest.raises(SynthError, match=message):
        synthesize(**args)


def test_calibration_json_is_consistent_with_its_states():
    cal = load_calibration()
    states = pd.DataFrame(cal["states"])
    assert len(states) == cal["n_states"] == 27
    assert cal["national_rate"] == pytest.approx(
        states["workers_14_17"].sum() / states["population_14_17"].sum(), abs=1e-6
    )
    assert cal["state_rate_quantiles"]["p50"] == pytest.approx(states["rate"].median(), abs=1e-6)
    assert cal["state_rate_quantiles"]["max"] == pytest.approx(states["rate"].max(), abs=1e-6)
    provenance = cal["provenance"]
    assert set(provenance["inputs"]) == {"populacao_uf_idade.csv", "database.csv"}
    assert "14-17" in provenance["method"] and "SYNTHETIC" in cal["label"]


@pytest.mark.skipif(not BRAZIL.is_dir(), reason="shared Brazil aggregates not on this machine")
def test_calibration_json_is_what_the_script_makes_from_the_brazil_aggregates(tmp_path):
    out = tmp_path / "cal.json"
    assert risk_calibration.main([str(BRAZIL), "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == load_calibration()


def _mini_source(tmp_path):
    """Two states in the real file layout; RR has no 14-year-old worker row."""
    people = pd.DataFrame(
        {
            "UF": ["SP", "SP", "SP", "SP", "SP", "RR", "RR", "RR"],
            "Estado": ["São Paulo"] * 5 + ["Roraima"] * 3,
            "AtividadeEconomica": ["A", "B", "A", "A", "A", "A", "A", "A"],
            "Idade": [14, 14, 15, 16, 17, 15, 16, 17],
            "Trabalhadores": [10.0, 5.0, 20.0, 30.0, 35.0, 1.0, 2.0, 3.0],
            "Populacao": [500.0, 500.0, 500.0, 500.0, 500.0, 30.0, 40.0, 50.0],
        }
    )
    people.to_csv(tmp_path / "populacao_uf_idade.csv", index=False)
    pd.DataFrame(
        {"UF": ["SP", "RR"], "Estado": ["São Paulo", "Roraima"], "Regiao": ["Sudeste", "Norte"]}
    ).to_csv(tmp_path / "database.csv")
    return tmp_path


def test_calibration_script_sums_workers_once_per_activity_and_imputes_missing_ages(tmp_path):
    table = risk_calibration.state_rates(_mini_source(tmp_path))
    # SP: workers 10+5+20+30+35 = 100 over 4 x 500 (population counted once per age)
    assert table.loc["SP", "rate"] == pytest.approx(100 / 2000)
    # RR: age 14 has no row: zero workers, population = mean(30, 40, 50) = 40
    assert table.loc["RR", "population_14_17"] == pytest.approx(160)
    assert table.loc["RR", "rate"] == pytest.approx(6 / 160)
    assert table.loc["RR", "ages_imputed"] == [14]
    doc = risk_calibration.calibration(tmp_path)
    assert doc["national_rate"] == pytest.approx(106 / 2160, abs=1e-6)


def test_calibration_script_names_the_file_and_missing_column(tmp_path):
    source = _mini_source(tmp_path)
    shutil.copy(source / "database.csv", source / "keep.csv")
    pd.read_csv(source / "database.csv").drop(columns=["Regiao"]).to_csv(
        source / "database.csv", index=False
    )
    with pytest.raises(risk_calibration.CalibrationError, match=r"database\.csv.*Regiao"):
        risk_calibration.calibration(source)
    assert (
        risk_calibration.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.json")]) == 1
    )
    assert not (tmp_path / "x.json").exists()
