"""Files of a run: territory CSV, GeoJSON join, run JSON, the self-contained HTML report."""

from __future__ import annotations

import copy
import json
import re
import shutil

import pandas as pd
import pytest
import yaml

from target87.risk.outputs import (
    RiskOutputError,
    atomic_write,
    check_boundaries,
    load_boundaries,
    write_outputs,
)
from target87.risk.pipeline import run_file
from target87.risk.report_html import RiskReportError, read_run_json, render_report
from target87.risk.synth import SYNTHETIC_LABEL
from target87.risk.synth_files import write_synthetic_run

TEXT = {"territory": str, "region": str}
pytestmark = pytest.mark.slow  # module fixtures run the whole pipeline (about 3 s each)
ESTIMATE_COLUMNS = ["risk", "lo90", "hi90", "se", "cv", "class", "p_high", "expected",
                    "children", "top_factors", "direct", "small_area", "benchmarked"]  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_synthetic_run(
        tmp_path_factory.mktemp("run"), n_children=30_000, n_territories=60, seed=8,
        sample_size=3_000,
    )  # fmt: skip


@pytest.fixture(scope="module")
def run(folder):
    return run_file(folder.run_file)


@pytest.fixture(scope="module")
def written(run, tmp_path_factory):
    return write_outputs(run, tmp_path_factory.mktemp("out"))


def test_territory_csv_has_every_column_and_says_synthetic(run, written):
    table = pd.read_csv(written["territories"], dtype=TEXT)
    for column in ESTIMATE_COLUMNS:
        assert column in table.columns, column
    assert (table["synthetic"] == "SYNTHETIC").all() and len(table) == 60
    pd.testing.assert_series_equal(table["risk"], run.territories["risk"], rtol=1e-14)
    assert set(written) == {"territories", "territories_region", "suppression_log", "run",
                            "geojson", "report"}  # fmt: skip
    assert pd.read_csv(written["territories_region"])["synthetic"].eq("SYNTHETIC").all()
    log = pd.read_csv(written["suppression_log"])
    assert list(log.columns) == ["territory", "column", "rule", "reason"] and len(log)


def test_geojson_joins_on_the_territory_code(folder, written):
    table = pd.read_csv(written["territories"], dtype=TEXT).set_index("territory")
    layer = json.loads(written["geojson"].read_text())
    shapes = {f["properties"]["code"]: f["geometry"]
              for f in json.loads(folder.boundaries.read_text())["features"]}  # fmt: skip
    assert layer["label"] == SYNTHETIC_LABEL and len(layer["features"]) == 60
    for feature in layer["features"]:
        p = feature["properties"]
        row = table.loc[p["code"]]
        assert p["risk"] == pytest.approx(row["risk"], rel=1e-14)
        assert (p["class"], p["expected"]) == (row["class"], row["expected"])
        assert p["synthetic"] == "SYNTHETIC"
        assert feature["geometry"] == shapes[p["code"]]


def test_join_lists_territories_without_a_shape_and_shapes_without_data(folder):
    boundaries = json.loads(folder.boundaries.read_text())
    features = [f for f in boundaries["features"] if f["properties"]["code"] != "T07"]
    extra = copy.deepcopy(features[0])
    extra["properties"]["code"] = "X99"
    with pytest.raises(RiskOutputError) as caught:
        run_file(folder.run_file, boundaries={**boundaries, "features": [*features, extra]})
    message = str(caught.value)
    assert "1 territory(ies) without a shape: T07" in message
    assert "1 shape(s) without data: X99" in message and "'code'" in message


def test_boundaries_without_codes_or_with_repeats_are_refused(folder):
    boundaries = load_boundaries(folder.boundaries)
    twice = {**boundaries, "features": boundaries["features"] * 2}
    with pytest.raises(RiskOutputError, match="repeats for T01"):
        check_boundaries(["T01"], twice, "code", "territory")
    with pytest.raises(RiskOutputError, match="feature 0 has no property 'id'"):
        check_boundaries(["T01"], boundaries, "id", "territory")
    with pytest.raises(RiskOutputError, match="not a GeoJSON FeatureCollection"):
        load_boundaries({"type": "Feature"})


def test_html_report_is_self_contained_and_has_the_numbers(run, written):
    html = written["report"].read_text(encoding="utf-8")
    assert not re.search(r"https?://", html)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|\ssrc=", html, re.I)
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert SYNTHETIC_LABEL in html and 'class="banner"' in html
    assert html.count("<svg") == 4  # map, ranking, factors, estimators
    for row in run.territories.itertuples():
        assert f'<td class="n">{row.risk:.2%}</td>' in html, row.territory
        assert f'<td class="n">{row.expected:,.0f}</td>' in html
    assert run.model.summary().splitlines()[2] in html  # the model summary
    assert "Harmonisation check" in html and "Fay–Herriot" in html
    for entry in run.suppression_log:
        assert entry.territory in html
    assert run.provenance.data_files["census"]["sha256"] in html


def test_report_from_the_saved_json_is_the_same_report(written):
    again = render_report(read_run_json(written["run"]))
    assert again == written["report"].read_text(encoding="utf-8")


def test_report_without_boundaries_has_no_map_and_refuses_other_json(run, tmp_path):
    data = run.to_dict() | {"geojson": None}
    html = render_report(data)
    assert html.count("<svg") == 3 and "Map of risk classes" not in html
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(RiskReportError, match="not a saved risk run"):
        read_run_json(path)


@pytest.fixture(scope="module")
def merged_run(folder, tmp_path_factory):
    """Merge rule with a threshold of 110 children, and unit-level scores asked for."""
    here = tmp_path_factory.mktemp("merge")
    for path in folder.folder.iterdir():
        shutil.copy(path, here / path.name)
    document = yaml.safe_load((here / "run.yaml").read_text())
    document["disclosure"] |= {"min_children": 110, "small_territories": "merge"}
    (here / "run.yaml").write_text(yaml.safe_dump(document))
    run = run_file(here / "run.yaml", unit_level=True)
    return run, write_outputs(run, here / "out")


def test_merged_territories_show_their_pool_on_the_map(merged_run):
    run, written = merged_run
    table = pd.read_csv(written["territories"], dtype=TEXT)
    pools = table[table["disclosure"] == "merged"].set_index("territory")
    assert len(pools) >= 1 and (pools["children"] >= 110).all()
    layer = json.loads(written["geojson"].read_text())
    members = [f["properties"] for f in layer["features"] if "merged_into" in f["properties"]]
    assert members
    small = run.estimates.frame.set_index("territory")["children"]
    assert {p["code"] for p in members} == set(small[small < 110].index)
    shown = [p for p in members if p["merged_into"] in pools.index]
    assert shown  # at least one pool is large enough to be published
    for p in shown:
        pool = pools.loc[p["merged_into"]]
        assert p["territory"] == p["code"] and p["disclosure"] == "merged"
        assert p["risk"] == pytest.approx(pool["risk"]) and p["class"] == pool["class"]
        assert pool["class"] in ("low", "medium", "high")


def test_unit_level_scores_are_written_only_when_asked_for(written, merged_run):
    assert "unit_scores" not in written
    run, files = merged_run
    scores = pd.read_csv(files["unit_scores"])
    assert list(scores.columns) == ["synthetic", "census_row", "region", "territory", "p"]
    assert len(scores) == 30_000 and scores["p"].between(0, 1).all()
    html = files["report"].read_text(encoding="utf-8")
    assert "predicted child labour probability for every child" in html


def test_files_are_written_whole_or_not_at_all(tmp_path, run):
    target = tmp_path / "table.csv"

    def broken(path):
        path.write_text("half of it")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, broken)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(RiskOutputError, match="exists and is not a folder"):
        write_outputs(run, tmp_path / "a_file")
