"""``target87 library practices|services import FILE --as EMAIL`` and ``list``: real CSV and
Excel files in, drafts of the named account, refusals with exit code 2 naming file, row and
column, and nothing saved."""

from __future__ import annotations

import csv
import json
import shutil

import openpyxl
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from target87 import reporting, store
from target87.cli import app
from target87.library import services
from target87.library.models import GoodPractice, ServiceEntry
from tests.library.records_support import PRACTICE, SERVICE

runner = CliRunner()


@pytest.fixture
def url(warehouse_url, tmp_path):
    """The loaded warehouse, migrated, with a focal point for Nepal and a secretariat."""
    path = tmp_path / "copy.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    store.migrate(engine)
    system = reporting.Actor(None, None, system="tests")
    with Session(engine) as s:
        reporting.create_user(s, system, "focal@cli.test", "Focal", "a long password 87",
                              "focal_point", "NPL")  # fmt: skip
        reporting.create_user(s, system, "review@cli.test", "Review", "a long password 87",
                              "secretariat")  # fmt: skip
    engine.dispose()
    return url


def run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, "library", *args])


def stored(url: str, model) -> list:
    engine = create_engine(url)
    with Session(engine) as s:
        rows = s.execute(select(model).order_by(model.id)).scalars().all()
        s.expunge_all()
    engine.dispose()
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_practices_import_as_a_focal_point_then_list(url, tmp_path):
    path = write_csv(tmp_path / "practices.csv", [PRACTICE, {**PRACTICE, "title": "Second"}])
    done = run(url, "practices", "import", str(path), "--as", "focal@cli.test")
    assert done.exit_code == 0, done.output
    assert "2 record(s) imported as draft" in done.output
    rows = stored(url, GoodPractice)
    assert [r.title for r in rows] == [PRACTICE["title"], "Second"]
    assert {r.status for r in rows} == {"draft"}
    listed = run(url, "practices", "list", "--format", "json")
    assert [r["title"] for r in json.loads(listed.stdout)] == [PRACTICE["title"], "Second"]
    as_reviewer = run(url, "practices", "list", "--status", "published", "--as", "review@cli.test")
    assert as_reviewer.exit_code == 0 and "0 good practice(s)" in as_reviewer.output


def test_services_import_from_excel_submitted_and_listed_by_type(url, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(list(services.FIELDS))
    book.active.append([SERVICE[f] for f in services.FIELDS])
    path = tmp_path / "directory.xlsx"
    book.save(path)
    done = run(url, "services", "import", str(path), "--as", "focal@cli.test", "--submit")
    assert done.exit_code == 0, done.output
    assert [e.status for e in stored(url, ServiceEntry)] == ["submitted"]
    table = run(url, "services", "list", "--type", "hotline", "--country", "NPL")
    assert table.exit_code == 0 and "National child helpline" in table.output
    none = run(url, "services", "list", "--type", "shelter", "--format", "json")
    assert json.loads(none.stdout) == []


def test_a_bad_file_exits_2_naming_file_row_and_column_and_saves_nothing(url, tmp_path):
    rows = [SERVICE, {**SERVICE, "checked_on": "2999-01-01", "email": "nobody"}]
    path = write_csv(tmp_path / "bad.csv", rows)
    done = run(url, "services", "import", str(path), "--as", "focal@cli.test")
    assert done.exit_code == 2
    assert f"{path}: row 3, column 'checked_on'" in done.output
    assert f"{path}: row 3, column 'email'" in done.output
    assert stored(url, ServiceEntry) == []


def test_a_wrong_account_a_missing_file_and_a_wrong_role_are_refused(url, tmp_path):
    path = write_csv(tmp_path / "one.csv", [PRACTICE])
    nobody = run(url, "practices", "import", str(path), "--as", "nobody@cli.test")
    assert nobody.exit_code == 2 and "no account 'nobody@cli.test'" in nobody.output
    missing = run(url, "practices", "import", str(tmp_path / "none.csv"), "--as", "focal@cli.test")
    assert missing.exit_code == 2 and "no such file" in missing.output
    reviewer = run(url, "practices", "import", str(path), "--as", "review@cli.test")
    assert reviewer.exit_code == 2 and "may not edit report for NPL" in reviewer.output
    assert stored(url, GoodPractice) == []
    bad_format = run(url, "practices", "list", "--format", "xml")
    assert bad_format.exit_code == 2
