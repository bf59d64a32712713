"""The CLRISK run end to end on real files (a SYNTHETIC folder written by synth_files).

References are computed here from the raw files with pandas and scipy, never by the pipeline's
own code: predicted probabilities by hand from the fitted coefficients, the direct national
estimate as sum(w y) / sum(w), classes from the stored cut-points.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.special import expit, ndtr

from target87.risk.config import RiskConfigError
from target87.risk.disclosure import DisclosureError
from target87.risk.microdata import RiskDataError
from target87.risk.outputs import unit_level_csv
from target87.risk.pipeline import run_file, run_pipeline
from target87.risk.provenance import is_synthetic
from target87.risk.report_html import render_report
from target87.risk.run_options import ClassificationOptions, RunOptions, load_run
from target87.risk.synth import SYNTHETIC_LABEL
from target87.risk.synth_files import write_synthetic_run

SIZE = {"n_children": 30_000, "n_territories": 60, "sample_size": 3_000, "seed": 8}
TEXT = {"territory": str, "region": str}
pytestmark = pytest.mark.slow  # module fixtures run the whole pipeline (about 3 s each)
FACTORS = ["age", "male", "attends_school", "head_agriculture", "social_security", "poverty",
           "head_educ_years", "household_size"]  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_synthetic_run(tmp_path_factory.mktemp("csv"), **SIZE)


@pytest.fixture(scope="module")
def run(folder):
    return run_file(folder.run_file)


def predict(census: pd.DataFrame, params: pd.Series) -> np.ndarray:
    """Predicted probabilities by hand: the raw census columns times the coefficients."""
    X = census[FACTORS].astype(float).assign(const=1.0, **{"area[rural]": census["area"] == "R"})
    return expit(X[list(params.index)].astype(float).to_numpy() @ params.to_numpy())


def census_predictions(folder, params: pd.Series) -> pd.DataFrame:
    census = pd.read_csv(folder.census, dtype=TEXT)
    return census.assign(p=predict(census, params))


def test_end_to_end_from_csv(run, folder):
    t = run.territories
    assert len(t) == 60 and (t["disclosure"] == "ok").all()  # every territory has >= 50
    for column in ("synthetic", "region", "territory", "children", "risk", "se", "lo90", "hi90",
                   "cv", "class", "p_high", "expected", "top_factors", "top_factors_ame",
                   "n_sample", "direct", "direct_disclosure", "small_area", "small_area_se",
                   "benchmarked"):  # fmt: skip
        assert column in t.columns, column
    assert (t["lo90"] <= t["risk"]).all() and (t["risk"] <= t["hi90"]).all()
    assert t["p_high"].between(0, 1).all() and (t["synthetic"] == "SYNTHETIC").all()
    assert set(run.parents) == {"region"} and len(run.parents["region"]) == 10
    assert run.estimates.n_draws >= 200
    assert list(run.model.params.index)[:2] == ["const", "age"]
    assert "area[rural]" in run.model.params.index  # the categorical covariate's dummy
    assert run.harmonisation.table["covariate"].nunique() == 9
    text = run.summary()
    assert SYNTHETIC_LABEL in text and "national risk" in text


def test_territory_risks_are_the_census_means_of_predicted_probabilities(run, folder):
    census = census_predictions(folder, run.model.params)
    by_hand = census.groupby(["region", "territory"])["p"].agg(["mean", "size"]).reset_index()
    estimates = run.estimates.frame
    merged = estimates.merge(by_hand, on=["region", "territory"], validate="one_to_one")
    assert len(merged) == 60
    np.testing.assert_allclose(merged["risk"], merged["mean"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(merged["children"], merged["size"])
    # the invariant: child-weighted mean of territory risks = census mean of p
    weighted = (estimates["risk"] * estimates["children"]).sum() / estimates["children"].sum()
    assert weighted == pytest.approx(census["p"].mean(), abs=1e-13)
    assert run.national["risk"] == pytest.approx(census["p"].mean(), abs=1e-13)
    published = run.territories.merge(by_hand, on=["region", "territory"])
    np.testing.assert_allclose(published["risk"], published["mean"], atol=1e-12)


def test_benchmarked_mean_equals_the_direct_national_estimate(run, folder):
    survey = pd.read_csv(folder.survey, dtype=TEXT)
    direct = (survey["weight"] * survey["child_labour"]).sum() / survey["weight"].sum()
    assert run.national["direct"] == pytest.approx(direct, rel=1e-12)
    t = run.territories
    benchmarked_mean = (t["benchmarked"] * t["children"]).sum() / t["children"].sum()
    assert benchmarked_mean == pytest.approx(direct, rel=1e-10)
    assert benchmarked_mean != pytest.approx(run.national["risk"], rel=1e-6)  # it did move
    # a direct estimate published unflagged is the territory's weighted mean of y
    row = t[t["direct_disclosure"] == "ok"].iloc[0]
    own = survey[survey["territory"] == row["territory"]]
    assert row["direct"] == pytest.approx(
        (own["weight"] * own["child_labour"]).sum() / own["weight"].sum(), rel=1e-12
    )
    assert row["n_sample"] == len(own)


def test_classes_follow_the_stored_cut_points(run):
    cuts = run.classification.cutpoints[None]
    assert len(cuts) == 2 and run.classification.method == "jenks"
    t = run.territories
    expected = np.array(["low", "medium", "high"])[np.searchsorted(cuts, t["risk"], "left")]
    assert (t["class"].to_numpy() == expected).all()
    assert set(run.to_dict()["classification"]["cutpoints"]) == {"national"}


def test_factor_contributions_match_a_counterfactual_by_hand(run, folder):
    params = run.model.params
    census = census_predictions(folder, params)
    p_without = predict(census.assign(head_agriculture=0), params)
    row = run.factor_table.set_index("factor").loc["head_agriculture"]
    assert row["contribution"] == pytest.approx(census["p"].mean() - p_without.mean(), abs=1e-12)
    assert row["direction"] == "risk"
    educ = run.factor_table.set_index("factor").loc["head_educ_years"]
    assert educ["reference"] == 12  # run.factor_reference from the synthetic run.yaml
    assert run.territories["top_factors"].str.contains("attends_school").all()


def test_provenance_and_json(run, folder):
    prov = run.provenance
    assert prov.synthetic and prov.seed == 8 and prov.draws == 200
    assert prov.data_files["census"]["sha256"] == hashlib.sha256(
        folder.census.read_bytes()).hexdigest()  # fmt: skip
    assert prov.config_sha256 == hashlib.sha256(folder.run_file.read_bytes()).hexdigest()
    assert prov.boundaries["name"] == "boundaries.geojson"
    assert set(prov.software) >= {"python", "target87", "duckdb", "ibis-framework"}
    saved = json.loads(run.to_json())
    assert saved["synthetic"] and saved["label"] == SYNTHETIC_LABEL
    assert len(saved["territories"]) == 60 and saved["provenance"]["seed"] == 8
    assert "unit_scores" not in saved


def test_probit_classes_within_regions_without_small_area(folder):
    spec = load_run(folder.run_file)
    config = replace(spec.config, model=replace(spec.config.model, link="probit"))
    by_region = ClassificationOptions(method="quantile", k=3, scope="region")
    options = replace(spec.options, classification=by_region, small_area=False, boundaries=None)
    run = run_pipeline(config, options=options)
    assert run.model.link == "probit" and run.small_area is None and run.geojson is None
    census = pd.read_csv(folder.census, dtype=TEXT)
    X = census[FACTORS].astype(float).assign(const=1.0, **{"area[rural]": census["area"] == "R"})
    census["p"] = ndtr(X[list(run.model.params.index)].to_numpy(float) @ run.model.params)
    by_hand = census.groupby("territory")["p"].mean()
    t = run.territories.set_index("territory")
    np.testing.assert_allclose(t["risk"], by_hand.reindex(t.index), atol=1e-12)
    cuts = run.classification.cutpoints
    assert set(cuts) == set(t["region"])
    for region, rows in t.groupby("region"):
        labels = np.array(["low", "medium", "high"])[np.searchsorted(cuts[region], rows["risk"])]
        assert (rows["class"].to_numpy() == labels).all(), region
    assert "small_area" not in t.columns and t["benchmarked"].notna().all()
    html = render_report(run.to_dict())
    assert "small-area (se)" not in html and "Map of risk classes" not in html


def test_parquet_files_give_the_same_run(run, tmp_path):
    made = write_synthetic_run(tmp_path, file_format="parquet", **SIZE)
    again = run_file(made.run_file)
    pd.testing.assert_frame_equal(again.territories, run.territories, check_exact=False,
                                  rtol=1e-12)  # fmt: skip
    assert again.provenance.data_files["survey"]["name"] == "survey.parquet"


@pytest.fixture(scope="module")
def protected_run(folder, tmp_path_factory):
    """The same run with one territory cut to 30 children and no disclosure section at all."""
    copy = tmp_path_factory.mktemp("small")
    for path in folder.folder.iterdir():
        shutil.copy(path, copy / path.name)
    census = pd.read_csv(copy / "census.csv", dtype=TEXT)
    keep = (census["territory"] != "T05") | (census.groupby("territory").cumcount() < 30)
    census[keep].to_csv(copy / "census.csv", index=False)
    document = yaml.safe_load((copy / "run.yaml").read_text())
    del document["disclosure"]
    (copy / "run.yaml").write_text(yaml.safe_dump(document))
    return run_file(copy / "run.yaml", unit_level=True), copy


def test_disclosure_is_on_by_default(protected_run):
    run, _ = protected_run
    assert run.rules.min_children == 50 and run.rules.count_rounding == 5
    t = run.territories.set_index("territory")
    assert t.loc["T05", "disclosure"] == "suppressed" and np.isnan(t.loc["T05", "risk"])
    log = run.suppression_log.to_frame()
    region = t.loc["T05", "region"]
    entry = log[log["territory"] == f"{region} / T05"]
    assert "min_children" in set(entry["rule"])
    # a sibling is suppressed too, so the region total minus the others does not give T05
    secondary = log[log["rule"] == "secondary"]
    assert len(secondary) >= 1 and secondary["territory"].str.startswith(f"{region} /").any()
    expected = t["expected"].dropna()
    assert len(expected) >= 50 and (expected % 5 == 0).all()
    assert (log["rule"] == "count_rounding").any()
    # direct estimates: under 25 surveyed children suppressed, 25-49 flagged
    shown = t[t["disclosure"] == "ok"]
    small = shown[(shown["n_sample"] > 0) & (shown["n_sample"] < 25)]
    middle = shown[(shown["n_sample"] >= 25) & (shown["n_sample"] < 50)]
    assert len(small) and small["direct"].isna().all()
    assert (small["direct_disclosure"] == "suppressed").all()
    assert len(middle) and middle["direct"].notna().all()
    assert (middle["direct_disclosure"] == "flagged").all()
    assert set(log["rule"]) >= {"direct_suppress", "direct_flag"}
    assert not (log["reason"].str.contains(r"\d\.\d")).any()  # no suppressed value in the log


def test_unit_level_scores_only_on_request(run, protected_run, folder):
    with pytest.raises(DisclosureError, match="not exported"):
        unit_level_csv(run)
    assert run.unit_scores is None and run.warnings == ()
    unit, copy = protected_run
    assert "sensitive personal data" in unit.warnings[0]
    text, warning = unit_level_csv(unit)
    scores = pd.read_csv(pd.io.common.StringIO(text))
    census = pd.read_csv(copy / "census.csv")
    assert len(scores) == len(census) and (scores["synthetic"] == "SYNTHETIC").all()
    assert scores["census_row"].tolist() == list(range(1, len(census) + 1))
    assert "WARNING" in warning


def test_a_hand_written_run_of_synthetic_files_is_still_labelled(folder):
    spec = load_run(folder.run_file)
    assert is_synthetic(spec.config, RunOptions())  # no run.synthetic: the files say it


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["run"]["classification"].update(methd="x"),
         r"run\.classification: unknown key\(s\) methd"),
        (lambda d: d["run"].update(draws=50),
         r"run\.draws: must be a whole number of at least 200"),
        (lambda d: d["run"]["classification"].update(scope="province"),
         r"run\.classification\.scope: must be national, region"),
        (lambda d: d["disclosure"].update(min_childs=3), r"run\.yaml: disclosure: unknown key"),
        (lambda d: d["run"]["classification"].update(labels=["low", "high"]),
         r"run\.classification\.labels: must be a list of 3 class names"),
        (lambda d: d["run"]["classification"].update(method="fixed"),
         r"run\.classification\.cutpoints: is given with method 'fixed' and only with it"),
        (lambda d: d["run"].update(colour="red"), r"run: unknown key\(s\) colour"),
    ],
)  # fmt: skip
def test_bad_run_files_name_the_file_and_key(folder, tmp_path, change, message):
    document = yaml.safe_load(folder.run_file.read_text())
    change(document)
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(RiskConfigError, match=message):
        load_run(path)


def test_a_bad_value_in_the_survey_is_named_by_file_column_and_row(folder, tmp_path):
    for path in folder.folder.iterdir():
        shutil.copy(path, tmp_path / path.name)
    survey = pd.read_csv(tmp_path / "survey.csv", dtype=TEXT)
    survey["weight"] = survey["weight"].astype(object)
    survey.loc[6, "weight"] = "n/a"
    survey.to_csv(tmp_path / "survey.csv", index=False)
    with pytest.raises(RiskDataError, match=r"survey\.csv: column 'weight' \(weight\): row 7"):
        run_file(tmp_path / "run.yaml")
