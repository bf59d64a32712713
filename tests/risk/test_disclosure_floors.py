"""The published disclosure floors (issue 15, item 3): a run may raise them, never lower them.

Every threshold of the ``disclosure`` section used to accept 0, which switched disclosure
control off (a territory then showed a direct estimate of 100 % from 3 children). A value
below its floor, or ``allow_unit_level: true``, is now refused when the run file is read,
through the Python API and the ``target87 risk fit`` / ``score`` commands, with a message
naming the file, the setting, the value given, the floor and why. Higher values are accepted
and applied.
"""

from __future__ import annotations

import os

os.environ.setdefault("COLUMNS", "200")  # Rich wraps at the terminal width: keep lines whole

import re

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from target87.risk.config import RiskConfigError, load_config
from target87.risk.disclosure import DisclosureError, DisclosureRules
from target87.risk.run_options import load_run
from target87.risk.synth_files import write_synthetic_run

#: The published floors (README, "Child labour risk by territory").
FLOORS = {
    "min_children": 50,
    "count_rounding": 5,
    "direct_suppress_below": 25,
    "direct_flag_below": 50,
    "min_cell": 5,
}
SIZE = {"n_children": 20_000, "n_territories": 40, "seed": 5, "sample_size": 2_500}
ZEROS = {
    "min_children": 0,
    "count_rounding": 0,
    "direct_suppress_below": 0,
    "direct_flag_below": 0,
    "min_cell": 0,
}
WHY = {
    "min_children": "children",
    "count_rounding": "rounded",
    "direct_suppress_below": "unweighted",
    "direct_flag_below": "caution",
    "min_cell": "complement",
}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_synthetic_run(tmp_path_factory.mktemp("floors") / "run", **SIZE)


def run_yaml(folder, tmp_path, disclosure: dict, name: str = "run.yaml"):
    """The synthetic run file with its ``disclosure`` section replaced, data paths absolute."""
    document = yaml.safe_load(folder.run_file.read_text())
    document["disclosure"] = disclosure
    document["survey"]["path"] = str(folder.survey)
    document["census"]["path"] = str(folder.census)
    document["run"]["boundaries"]["path"] = str(folder.boundaries)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_floors_are_the_published_ones():
    from target87.risk import disclosure

    assert disclosure.FLOORS == FLOORS
    assert DisclosureRules() == DisclosureRules(**FLOORS)  # the defaults are the floors


def test_a_run_file_of_zeros_is_refused(folder, tmp_path):
    path = run_yaml(folder, tmp_path, dict(ZEROS))
    for read in (load_run, load_config):
        with pytest.raises(RiskConfigError) as caught:
            read(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: disclosure.")
        assert "is below its floor" in message and "never lower it" in message


@pytest.mark.parametrize("setting", sorted(ZEROS))
@pytest.mark.parametrize("below", [0, 1])  # 0, and one under the floor
def test_each_setting_below_its_floor_names_file_setting_value_floor_and_why(
    folder, tmp_path, setting, below
):
    floor = FLOORS[setting]
    value = 0 if below == 0 else floor - 1
    section = {setting: value}
    if setting == "direct_suppress_below":
        section["direct_flag_below"] = 50
    path = run_yaml(folder, tmp_path, section)
    for read in (load_run, load_config):
        with pytest.raises(RiskConfigError) as caught:
            read(path)
        message = flat(str(caught.value))
        assert message.startswith(f"{path}: disclosure.{setting}: {value} is below its floor")
        assert f"floor of {floor}" in message
        assert WHY[setting] in message  # says why the floor is there
        assert "may raise" in message and "never lower it" in message


def test_the_unit_level_switch_is_refused(folder, tmp_path):
    path = run_yaml(folder, tmp_path, {"allow_unit_level": True})
    with pytest.raises(RiskConfigError) as caught:
        load_run(path)
    message = flat(str(caught.value))
    assert message.startswith(f"{path}: disclosure.allow_unit_level: true")
    assert "--unit-level" in message
    assert load_run(run_yaml(folder, tmp_path, {"allow_unit_level": False}))  # the default


def test_rules_cannot_be_made_below_the_floors_in_code():
    for setting, floor in FLOORS.items():
        values = {setting: floor - 1}
        if setting == "direct_suppress_below":
            values["direct_flag_below"] = 50
        with pytest.raises(DisclosureError, match=rf"disclosure\.{setting}: {floor - 1} is below"):
            DisclosureRules(**values)
    with pytest.raises(DisclosureError, match="allow_unit_level"):
        DisclosureRules(allow_unit_level=True)
    with pytest.raises(DisclosureError, match=r"direct_flag_below \(50\) must not be below"):
        DisclosureRules.from_dict({"direct_suppress_below": 60})


def test_cli_fit_and_score_refuse_a_run_file_of_zeros(folder, tmp_path):
    from target87.cli import app

    path = run_yaml(folder, tmp_path, dict(ZEROS))
    runner = CliRunner()
    out = tmp_path / "results"
    for args in (["risk", "fit", str(path)], ["risk", "score", str(path), "--out", str(out)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        text = flat(result.output)
        assert re.search(r"Error: .*run\.yaml: disclosure\.\w+: 0 is below its floor of \d+", text)
        assert "never lower it" in text and "Traceback" not in text
    assert not out.exists()  # nothing written


@pytest.fixture(scope="module")
def raised(folder, tmp_path_factory):
    """A run whose file raises every floor."""
    from target87.risk.outputs import write_outputs
    from target87.risk.pipeline import run_file

    base = tmp_path_factory.mktemp("raised")
    section = {
        "min_children": 200,
        "count_rounding": 10,
        "direct_suppress_below": 40,
        "direct_flag_below": 80,
        "min_cell": 20,
    }
    run = run_file(run_yaml(folder, base, section))
    return run, write_outputs(run, base / "out", report=False)


@pytest.mark.slow
def test_raised_floors_are_accepted_and_applied(raised):
    run, _ = raised
    assert (run.rules.min_children, run.rules.count_rounding) == (200, 10)
    assert (run.rules.direct_suppress_below, run.rules.direct_flag_below) == (40, 80)
    assert run.rules.min_cell == 20
    t = run.territories
    shown = t[t["disclosure"] != "suppressed"]
    assert len(shown) and (shown["children"] >= 200).all()
    assert (t["disclosure"] == "suppressed").sum() > 0  # 200 children suppresses some
    assert ((shown["expected"] % 10) == 0).all()
    for table in run.parents.values():
        expected = table["expected"].dropna()
        assert len(expected) and ((expected % 10) == 0).all()
    few = shown[shown["n_sample"] < 40]
    assert len(few) and few["direct"].isna().all() and few["direct_se"].isna().all()
    middle = shown[(shown["n_sample"] >= 40) & (shown["n_sample"] < 80)]
    assert len(middle) and (middle["direct_disclosure"] == "flagged").all()
    cells = run.sample_table[["not in child labour", "in child labour"]].drop(index="Total")
    published = cells.stack().dropna()
    assert ((published == 0) | (published >= 20)).all()
    assert cells.isna().to_numpy().sum() >= 2  # small cells went, with a complement
    log = run.suppression_log.to_frame()
    assert "fewer than 200 children" in set(log["reason"])
    assert "fewer than 40 unweighted children" in set(log["reason"])


@pytest.mark.slow
def test_a_raised_run_publishes_under_its_own_higher_floors(raised, tmp_path):
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.risk.catalog import publish_run, run_document

    _, written = raised
    engine = store.make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    store.migrate(engine)
    with Session(engine) as s, s.begin():
        record = publish_run(s, written["run"])
        doc = run_document(record)
    engine.dispose()
    assert doc["disclosure_rules"]["min_children"] == 200
    shown = pd.DataFrame(doc["territories"]).query("disclosure != 'suppressed'")
    assert (shown["children"] >= 200).all()
