"""``target87 evidence import`` and ``export``: round trips through CSV and Excel, the worked
examples loaded only when asked for, refusals with exit code 2 naming file, row and column."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from target87.cli import app

runner = CliRunner()

CSV = (
    "study_id,citation,year,countries,design,effect_id,intervention,outcome,measure,yi,sei,"
    "mod_grade\n"
    "s1,First study (2010),2010,BRA,rct,1,cct,any_work,RD,-0.05,0.02,primary\n"
    "s1,First study (2010),2010,BRA,rct,2,cct,school_attendance,RD,0.04,0.015,\n"
    "s2,Second study (2015),2015,NPL;IND,quasi_experimental,1,school_feeding,"
    "economic_activity,OR,,,\n"
)


@pytest.fixture
def url(warehouse_url, tmp_path):
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), tmp_path / "copy.sqlite")
    return f"sqlite:///{tmp_path / 'copy.sqlite'}"


def run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, "evidence", *args])


def counts_csv(tmp_path):
    body = CSV.replace(
        "study_id,citation,year,countries,design,effect_id,intervention,outcome,measure,yi,sei,"
        "mod_grade\n",
        "study_id,citation,year,countries,design,effect_id,intervention,outcome,measure,yi,sei,"
        "mod_grade,ai,bi,ci,di\n",
    )
    lines = body.splitlines()
    lines[1] += ",,,,"
    lines[2] += ",,,,"
    lines[3] += ",30,170,45,155"
    path = tmp_path / "evidence.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["back.csv", "back.xlsx"])
def test_import_export_round_trip(url, tmp_path, name):
    path = counts_csv(tmp_path)
    first = run(url, "import", str(path))
    assert first.exit_code == 0, first.output
    assert "studies added 2" in first.output and "effects added 3" in first.output
    out = tmp_path / name
    exported = run(url, "export", str(out))
    assert exported.exit_code == 0, exported.output
    assert "2 studies and 3 effects" in exported.output
    if name.endswith(".xlsx"):
        assert load_workbook(out).sheetnames == ["studies", "effects"]
    again = run(url, "import", str(out))
    assert again.exit_code == 0, again.output
    assert "studies added 0, changed 0, unchanged 2" in again.output
    assert "effects added 0, changed 0, unchanged 3" in again.output


def test_a_refused_file_exits_2_naming_row_and_column(url, tmp_path):
    path = counts_csv(tmp_path)
    path.write_text(path.read_text().replace("-0.05,0.02", "-0.05,-0.02"), encoding="utf-8")
    result = run(url, "import", str(path))
    assert result.exit_code == 2
    assert "line 2, column 'sei'" in result.output and "nothing was loaded" in result.output
    exported = run(url, "export", str(tmp_path / "out.csv"))
    assert "0 studies and 0 effects" in exported.output


def test_an_empty_file_exits_1(url, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(CSV.splitlines()[0] + "\n", encoding="utf-8")
    result = run(url, "import", str(path))
    assert result.exit_code == 1, result.output


def test_replace_is_the_only_way_to_remove(url, tmp_path):
    assert run(url, "import", str(counts_csv(tmp_path))).exit_code == 0
    one = tmp_path / "one.csv"
    one.write_text("\n".join(CSV.splitlines()[:2]) + "\n", encoding="utf-8")
    kept = run(url, "import", str(one))
    assert "removed 0" in kept.output and "nothing removed" in kept.output
    replaced = run(url, "import", str(one), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "studies added 0, changed 0, unchanged 1, removed 1" in replaced.output
    assert "effects added 0, changed 0, unchanged 1, removed 2" in replaced.output


def test_the_worked_examples_load_only_when_asked(url, tmp_path):
    assert run(url, "import", str(counts_csv(tmp_path))).exit_code == 0
    result = run(url, "import", "--examples")
    assert result.exit_code == 0, result.output
    assert "dat.bcg.csv: worked-example studies added 13" in result.output
    assert "not evidence about child labour" in result.output
    real = run(url, "export", str(tmp_path / "real.csv"))
    assert "2 studies and 3 effects" in real.output
    examples = run(url, "export", str(tmp_path / "examples.xlsx"), "--examples")
    assert "48 worked-example studies and 48 effects" in examples.output
    both = run(url, "import", "--examples", str(tmp_path / "real.csv"))
    assert both.exit_code == 2


def test_export_refuses_another_extension(url, tmp_path):
    result = run(url, "export", str(tmp_path / "out.json"))
    assert result.exit_code == 2 and "CSV" in result.output
