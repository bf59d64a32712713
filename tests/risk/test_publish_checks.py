"""``risk publish`` trusts nothing in the run.json it is given (issue 15, item 4).

A hand-edited run.json put an unsuppressed small territory on the public web and stored a
per-child list in the database. Publishing now (a) accepts only the fields of the shipped
schema (``risk/data/run.schema.json``), (b) refuses anything child-level, (c) re-applies
disclosure control from the counts in the document, never from its flags, and (d) stores
nothing when it refuses. Each hand edit below is refused with a message naming what and
where, and the ``risk_run`` table is left as it was.
"""

from __future__ import annotations

import os

os.environ.setdefault("COLUMNS", "200")  # Rich wraps at the terminal width: keep lines whole

import copy
import json

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from target87 import store
from target87.risk.catalog import RiskPublishError, publish_run
from target87.risk.config import RiskError
from target87.risk.outputs import write_outputs
from target87.risk.pipeline import run_file
from target87.risk.run_record import RiskRunRecord
from target87.risk.synth_files import write_synthetic_run

pytestmark = pytest.mark.slow  # the module fixtures run the whole pipeline (a few seconds)

SIZE = {"n_children": 20_000, "n_territories": 40, "seed": 5, "sample_size": 2_500}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """(run.json path, its document) of a synthetic run with boundaries and two levels: one
    territory suppressed (fewer than 50 children), a sibling suppressed with it, direct
    estimates suppressed and flagged."""
    base = tmp_path_factory.mktemp("publish-checks")
    made = write_synthetic_run(base / "run", **SIZE)
    written = write_outputs(run_file(made.run_file), base / "out", report=False)
    doc = json.loads(written["run"].read_text(encoding="utf-8"))
    statuses = {r["territory"]: r["disclosure"] for r in doc["territories"]}
    assert statuses["T39"] == statuses["T02"] == "suppressed"  # the fixture's shape
    return written["run"], doc


@pytest.fixture
def url(tmp_path):
    """A migrated, empty warehouse."""
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    engine = store.make_engine(url)
    store.migrate(engine)
    engine.dispose()
    return url


def stored(url: str) -> list[tuple]:
    """Every row of risk_run, whole."""
    engine = store.make_engine(url)
    with Session(engine) as s:
        rows = s.execute(select(RiskRunRecord).order_by(RiskRunRecord.id)).scalars()
        table = [(r.id, r.name, r.country, r.synthetic, r.sha256, r.document) for r in rows]
    engine.dispose()
    return table


def publish(url: str, path) -> int:
    engine = store.make_engine(url)
    try:
        with Session(engine) as s, s.begin():
            return publish_run(s, path).id
    finally:
        engine.dispose()


def row(doc: dict, code: str) -> dict:
    return next(r for r in doc["territories"] if r["territory"] == code)


def feature(doc: dict, code: str) -> dict:
    return next(f for f in doc["geojson"]["features"] if f["properties"]["code"] == code)


# --------------------------------------------------------------------------------------------
# the hand edits: each a change to the honest document and words of the refusal


def small_territory_shown(doc):
    """The issue's case: a territory of 3 children shown with a 100 % direct estimate."""
    values = {"children": 3.0, "risk": 0.9, "se": 0.05, "lo90": 0.8, "hi90": 0.95, "cv": 0.05,
              "class": "high", "p_high": 1.0, "expected": 5.0, "n_sample": 3.0, "direct": 1.0,
              "direct_se": 0.0, "direct_cv": 0.0, "direct_disclosure": "ok",
              "disclosure": "ok"}  # fmt: skip
    row(doc, "T39").update(values)
    feature(doc, "T39")["properties"].update(values)


def small_direct_shown(doc):
    """A territory of 15 surveyed children whose suppressed direct estimate is put back."""
    target = row(doc, "T30")
    assert target["n_sample"] == 15 and target["direct"] is None
    change = {"direct": 0.2, "direct_se": 0.1, "direct_cv": 0.5, "direct_disclosure": "ok"}
    target.update(change)
    feature(doc, "T30")["properties"].update(change)


def suppressed_row_with_values(doc):
    """The flag still says suppressed, the values are back."""
    row(doc, "T39").update({"risk": 0.2, "children": 40.0})


def secondary_undone(doc):
    """T02 was suppressed only to protect T39 through the region's total: shown again."""
    values = {"children": 120.0, "risk": 0.05, "se": 0.01, "lo90": 0.04, "hi90": 0.06,
              "cv": 0.2, "class": "low", "p_high": 0.0, "expected": 5.0, "n_sample": 30.0,
              "direct": 0.05, "direct_se": 0.02, "direct_cv": 0.4,
              "direct_disclosure": "flagged", "disclosure": "ok"}  # fmt: skip
    row(doc, "T02").update(values)
    feature(doc, "T02")["properties"].update(values)


def per_child_list(doc):
    doc["children_scores"] = [
        {"child_id": i, "territory": "T01", "p": 0.01 * (i % 50)} for i in range(500)
    ]


def per_child_list_in_a_row(doc):
    doc["territories"][0]["scores"] = [0.1, 0.2, 0.3]


def per_child_property_on_the_map(doc):
    doc["geojson"]["features"][0]["properties"]["person_ids"] = "1;2;3"


def unknown_field(doc):
    doc["comment"] = "reviewed"


def unknown_nested_field(doc):
    doc["model"]["residuals"] = [0.1, -0.2]


def changed_floor(doc):
    doc["disclosure_rules"]["min_children"] = 3


def zero_cell_floor(doc):
    doc["disclosure_rules"]["min_cell"] = 0


def small_cell_shown(doc):
    first = doc["sample_table"][1]  # R02: R01's counts are suppressed (it has hidden directs)
    assert first["region"] == "R02" and first["not in child labour"] is not None
    first["in child labour"] = 3.0
    first["Total"] = first["not in child labour"] + 3.0


def lone_suppressed_cell(doc):
    doc["sample_table"][1]["in child labour"] = None


def unrounded_count(doc):
    target = next(r for r in doc["territories"] if r["expected"] is not None)
    target["expected"] += 1.0


def wrong_type(doc):
    doc["territories"][0]["risk"] = "high"


def out_of_range(doc):
    doc["territories"][0]["p_high"] = 1.5


def map_shows_a_suppressed_territory(doc):
    feature(doc, "T39")["properties"].update({"risk": 0.3, "class": "high"})


def wrong_status_flag(doc):
    target = row(doc, "T30")
    target["direct_disclosure"] = "ok"  # 15 surveyed children: it is "suppressed"
    feature(doc, "T30")["properties"]["direct_disclosure"] = "ok"


def forbidden_unit_scores(doc):
    doc["unit_scores"] = [{"census_row": 1, "p": 0.2}]


def records_outside_the_tables(doc):
    doc["provenance"]["appendix"] = [{"territory": "T01", "age": 12, "working": 1}] * 40


def children_inflated(doc):
    """T07's 495 children made 4950: its region's total no longer adds up."""
    target = row(doc, "T07")
    target["children"] *= 10
    feature(doc, "T07")["properties"]["children"] = target["children"]


def log_reason_changed(doc):
    entry = next(e for e in doc["suppression_log"] if e["rule"] == "direct_suppress")
    entry["reason"] = "fewer than 10 unweighted children"


def synthetic_label_dropped(doc):
    doc["synthetic"], doc["label"] = False, None


def not_a_number(doc):
    doc["territories"][0]["risk"] = float("nan")  # json.dumps writes NaN, json.loads reads it


def pooled_row_without_merge(doc):
    target = row(doc, "T07")
    target.update({"territory": "merged small territories of R01", "disclosure": "merged"})


EDITS = [
    (small_territory_shown, ["territories", "R04 / T39", "3 children", "min_children 50"]),
    (small_direct_shown, ["R01 / T30", "15 unweighted children", "direct_suppress_below 25"]),
    (suppressed_row_with_values, ["R04 / T39", "suppressed", "risk"]),
    (secondary_undone, ["R04 / T39", "secondary", "R04"]),
    (per_child_list, ["child-level", "children_scores"]),
    (per_child_list_in_a_row, ["territories[0]", "scores"]),
    (per_child_property_on_the_map, ["child-level", "person_ids"]),
    (unknown_field, ["unknown field", "comment"]),
    (unknown_nested_field, ["unknown field", "model", "residuals"]),
    (changed_floor, ["disclosure_rules.min_children: 3 is below its floor of 50"]),
    (zero_cell_floor, ["disclosure_rules.min_cell: 0 is below its floor of 5"]),
    (small_cell_shown, ["sample_table", "R02", "in child labour", "min_cell 5"]),
    (lone_suppressed_cell, ["sample_table", "R02", "complement"]),
    (unrounded_count, ["expected", "count_rounding 5"]),
    (wrong_type, ["territories[0].risk", "'high'"]),
    (out_of_range, ["territories[0].p_high", "1.5"]),
    (map_shows_a_suppressed_territory, ["geojson", "T39", "risk"]),
    (wrong_status_flag, ["R01 / T30", "direct_disclosure", "'ok'", "'suppressed'"]),
    (forbidden_unit_scores, ["unit-level"]),
    (records_outside_the_tables, ["provenance.appendix", "40 records", "child-level"]),
    (children_inflated, ["territories", "R01", "add up to", "parents.region"]),
    (log_reason_changed, ["suppression_log", "fewer than 10", "direct_suppress"]),
    (synthetic_label_dropped, ["synthetic: false, but provenance.synthetic: true"]),
    (not_a_number, ["territories[0].risk", "NaN"]),
    (pooled_row_without_merge, ["R01 / merged small territories of R01", "pools nothing"]),
]


def edited(honest, tmp_path, edit) -> tuple:
    _, doc = honest
    doc = copy.deepcopy(doc)
    edit(doc)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path, doc


def test_an_honest_run_publishes(honest, url):
    path, doc = honest
    run_id = publish(url, path)
    [(number, name, _, synthetic, _, text)] = stored(url)
    assert (number, name, synthetic) == (run_id, doc["name"], True)
    assert json.loads(text) == doc


@pytest.mark.parametrize(("edit", "words"), EDITS, ids=[e.__name__ for e, _ in EDITS])
def test_a_hand_edited_run_is_refused_and_nothing_is_stored(honest, url, tmp_path, edit, words):
    publish(url, honest[0])  # one run already there: it must stay exactly as it is
    before = stored(url)
    path, _ = edited(honest, tmp_path, edit)
    with pytest.raises(RiskPublishError) as caught:
        publish(url, path)
    message = flat(str(caught.value))
    assert message.startswith(f"{path}: not published: ")
    for word in words:
        assert word in message, message
    assert stored(url) == before


def test_the_refusal_is_a_risk_error_so_the_cli_prints_it(honest, tmp_path):
    path, _ = edited(honest, tmp_path, small_territory_shown)
    assert issubclass(RiskPublishError, RiskError)
    with pytest.raises(RiskError), Session(store.make_engine("sqlite://")) as s:
        publish_run(s, path)  # refused before the database is touched


def test_cli_publish_exits_1_with_the_message_and_stores_nothing(honest, url, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    from target87.cli import app

    monkeypatch.setenv(store.ENV_DATABASE_URL, url)
    runner = CliRunner()
    first = runner.invoke(app, ["risk", "publish", str(honest[0])])
    assert first.exit_code == 0, first.output
    before = stored(url)
    for edit, words in [EDITS[0], EDITS[4], EDITS[7], EDITS[9]]:
        path, _ = edited(honest, tmp_path, edit)
        result = runner.invoke(app, ["risk", "publish", str(path)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        text = flat(result.output)
        assert text.startswith("Error: ") and "not published" in text and "Traceback" not in text
        assert all(word in text for word in words), text
        assert stored(url) == before


# --------------------------------------------------------------------------------------------
# honest runs of every shape publish


def _variant(base, change) -> dict:
    made = write_synthetic_run(base / "run", **SIZE)
    document = yaml.safe_load(made.run_file.read_text())
    change(document, made)
    made.run_file.write_text(yaml.safe_dump(document))
    return made


def merged(document, made):
    document["disclosure"] |= {"min_children": 150, "small_territories": "merge"}


def plain(document, made):
    """Probit, no small area, no boundaries, classes within regions."""
    document["model"] = {"link": "probit"}
    document["run"]["small_area"] = False
    del document["run"]["boundaries"]
    document["run"]["classification"] = {"method": "quantile", "k": 4, "scope": "region"}


def one_level(document, made):
    document["territory"] = ["territory"]
    del document["run"]["boundaries"]


def real(document, made):
    """Not synthetic: the files lose their marker column and the run its flag."""
    import pandas as pd

    for path in (made.survey, made.census):
        pd.read_csv(path).drop(columns="synthetic").to_csv(path, index=False)
    document["run"]["synthetic"] = False


def three_levels(document, made):
    """Zones above the regions, small territories merged within their region (pools, some
    suppressed)."""
    import pandas as pd

    for path in (made.survey, made.census):
        frame = pd.read_csv(path, dtype={"region": str, "territory": str})
        frame.insert(0, "zone", frame["region"].map(lambda r: "Z1" if r < "R04" else "Z2"))
        frame.to_csv(path, index=False)
    document["territory"] = ["zone", "region", "territory"]
    document["disclosure"] |= {"min_children": 400, "small_territories": "merge"}


@pytest.mark.parametrize("change", [merged, plain, one_level, real, three_levels])
def test_honest_runs_of_every_shape_publish(change, tmp_path, url):
    made = _variant(tmp_path, change)
    run = run_file(made.run_file, unit_level=change is real)
    written = write_outputs(run, tmp_path / "out", report=False)
    run_id = publish(url, written["run"])
    [(number, *_, text)] = stored(url)
    assert number == run_id and json.loads(text) == run.to_dict()
    if change is merged:
        assert any(r["disclosure"] == "merged" for r in run.to_dict()["territories"])
    if change is real:
        assert run.to_dict()["synthetic"] is False and run.warnings  # unit-level warning kept
    if change is three_levels:  # every row, a suppressed pool's too, sits under its zone
        rows = run.to_dict()["territories"]
        assert {r["zone"] for r in rows} == {"Z1", "Z2"}
        assert {r["disclosure"] for r in rows} == {"ok", "merged", "suppressed"}


def test_runs_stored_before_the_checks_are_found_and_withdrawn(honest, url, monkeypatch):
    """A hand-edited run that went in before publishing checked anything (written straight
    into the table here) is named by `risk check-published`, and `risk withdraw` takes it
    off the web pages."""
    from datetime import datetime

    from target87.cli import app

    _, doc = honest
    leaky = copy.deepcopy(doc)
    small_territory_shown(leaky)
    per_child_list(leaky)
    monkeypatch.setenv(store.ENV_DATABASE_URL, url)
    runner = CliRunner()
    assert runner.invoke(app, ["risk", "publish", str(honest[0])]).exit_code == 0
    engine = store.make_engine(url)
    with Session(engine) as s, s.begin():
        edited_run = {"name": "edited", "sha256": "0" * 64, "document": json.dumps(leaky)}
        s.add(RiskRunRecord(**edited_run, synthetic=True, published_at=datetime(2026, 1, 1)))
    engine.dispose()
    result = runner.invoke(app, ["risk", "check-published"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    text = flat(result.output)
    assert "run 1 (" in text and "): ok" in text
    assert "run 2 (edited): REFUSED: children_scores" in text and "child-level" in text
    assert "target87 risk withdraw ID (2)" in text
    withdrawn = runner.invoke(app, ["risk", "withdraw", "2"])
    assert withdrawn.exit_code == 0 and "Run 2 (edited) withdrawn" in flat(withdrawn.output)
    assert [row[0] for row in stored(url)] == [1]
    again = runner.invoke(app, ["risk", "check-published"])
    assert again.exit_code == 0 and "1 published run(s), all pass the checks" in again.output
    missing = runner.invoke(app, ["risk", "withdraw", "7"])
    assert missing.exit_code == 1 and "no published run 7" in flat(missing.output)
