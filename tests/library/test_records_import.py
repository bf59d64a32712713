"""Imports of good practices and directory entries from real CSV and Excel files written here:
all rows or none, every problem naming the file, the row and the column."""

from __future__ import annotations

import csv
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from target87 import reporting
from target87.library import practices, services
from target87.library.models import GoodPractice, GoodPracticeAction, ServiceEntry
from target87.library.records_import import ImportRefused, import_records
from tests.library import records_support as support
from tests.library.records_support import PRACTICE, SERVICE

rec_db, rec_db_both = support.rec_db, support.rec_db_both  # fixtures

KNOWN = ("cct", "school_feeding")


def write_csv(path, rows: list[dict], delimiter: str = ",", columns=None):
    columns = columns or list(rows[0])
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, columns, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path, header: list[str], rows: list[list]):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def count(db, model) -> int:
    with db.session() as s:
        return len(s.execute(select(model.id)).all())


def test_a_csv_of_practices_enters_as_drafts_of_the_importer(rec_db_both, tmp_path):
    db = rec_db_both
    second = {**PRACTICE, "title": "Pratique: cantines scolaires", "language": "fr"}
    path = write_csv(tmp_path / "practices.csv", [PRACTICE, second])
    with db.session() as s:
        done = import_records(
            s, db.actor(s, "focal.npl"), practices, path, known_interventions=KNOWN
        )
        assert len(done.ids) == 2 and done.status == "draft"
        rows = s.execute(select(GoodPractice).order_by(GoodPractice.id)).scalars().all()
        assert [r.status for r in rows] == ["draft", "draft"]
        assert {r.created_by for r in rows} == {db.users["focal.npl"]}
        assert rows[1].language == "fr" and "cantin" in rows[1].index_title


def test_an_excel_file_with_dates_numbers_and_action_links_is_read(rec_db, tmp_path):
    header = ["Name", "Country", "Language", "Service type", "Phone", "Languages", "Source",
              "Checked on", "Website"]  # fmt: skip
    path = write_xlsx(
        tmp_path / "directory.xlsx",
        header,
        [
            ["Child helpline", "npl", "en", "hotline", 1098, "ne;en", "Ministry site",
             datetime(2026, 2, 1), "https://helpline.example.org"],
            ["Shelter", "NPL", "es", "shelter", "+977 1 4000000", "", "Visit",
             date(2025, 12, 31), None],
        ],
    )  # fmt: skip
    with rec_db.session() as s:
        admin = rec_db.actor(s, "admin")
        done = import_records(s, admin, services, path, status="submitted")
        entries = [s.get(ServiceEntry, i) for i in done.ids]
        assert [e.status for e in entries] == ["submitted", "submitted"]
        assert entries[0].phone == "1098" and entries[0].checked_on == date(2026, 2, 1)
        assert entries[0].country == "NPL" and entries[1].website is None
    practice_row = [PRACTICE[c] for c in practices.FIELDS[:-1]] + [str(rec_db.actions["NPL"])]
    workbook = write_xlsx(tmp_path / "practices.xlsx", list(practices.FIELDS), [practice_row])
    with rec_db.session() as s:
        done = import_records(s, rec_db.actor(s, "focal.npl"), practices, workbook)
        links = s.execute(select(GoodPracticeAction.action_id)).scalars().all()
        assert links == [rec_db.actions["NPL"]]


def test_one_bad_row_refuses_the_file_and_names_file_row_and_column(rec_db, tmp_path):
    rows = [
        PRACTICE,
        {**PRACTICE, "country": "XYZ", "language": "de"},
        PRACTICE,
        {**PRACTICE, "intervention_type": "magic", "title": ""},
    ]
    path = write_csv(tmp_path / "bad.csv", rows, delimiter=";")
    before = rec_db.audit_count()
    with rec_db.session() as s, pytest.raises(ImportRefused) as caught:
        import_records(s, rec_db.actor(s, "focal.npl"), practices, path, known_interventions=KNOWN)
    message = str(caught.value)
    assert message.startswith(f"{path}: 4 problem(s); nothing was saved")
    assert f"{path}: row 3, column 'country': 'XYZ' is not a country code" in message
    assert f"{path}: row 3, column 'language'" in message
    assert f"{path}: row 5, column 'intervention_type'" in message
    assert f"{path}: row 5, column 'title': title is required" in message
    assert count(rec_db, GoodPractice) == 0 and rec_db.audit_count() == before


def test_a_wrong_column_and_a_missing_one_are_named(rec_db, tmp_path):
    row = {k: v for k, v in SERVICE.items() if k != "source"}
    row["victim_name"] = "refused: the directory holds no data about victims"
    path = write_csv(tmp_path / "columns.csv", [row])
    with rec_db.session() as s, pytest.raises(ImportRefused) as caught:
        import_records(s, rec_db.actor(s, "focal.npl"), services, path)
    message = str(caught.value)
    assert "row 1, column 'victim_name': unknown column 'victim_name'" in message
    assert "row 1, column 'source': required column missing" in message
    assert count(rec_db, ServiceEntry) == 0


def test_rows_of_a_country_the_importer_may_not_write_are_refused(rec_db, tmp_path):
    path = write_csv(tmp_path / "uga.csv", [SERVICE, {**SERVICE, "country": "UGA"}])
    with rec_db.session() as s, pytest.raises(ImportRefused) as caught:
        import_records(s, rec_db.actor(s, "focal.npl"), services, path)
    assert "row 3, column 'country':" in str(caught.value) and "UGA" in str(caught.value)
    assert count(rec_db, ServiceEntry) == 0
    with rec_db.session() as s, pytest.raises(ImportRefused, match="may not edit report"):
        import_records(s, rec_db.actor(s, "secretariat"), services, path, status="submitted")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"\n\n , ,\n", "the file is empty"),
        (",".join(services.FIELDS).encode(), "holds no records under its header"),
        (b"PK\x03\x04 not really a workbook", "the workbook cannot be read"),
        (b"\xff\xfe\x00n\x00a\x00m\x00e", "neither an Excel workbook"),
    ],
)
def test_empty_and_unreadable_files_are_refused(rec_db, tmp_path, content, expected):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with rec_db.session() as s, pytest.raises(ImportRefused, match=expected):
        import_records(s, rec_db.actor(s, "admin"), services, path)


def test_an_empty_excel_sheet_is_refused(rec_db, tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with rec_db.session() as s, pytest.raises(ImportRefused, match="the file is empty"):
        import_records(s, rec_db.actor(s, "admin"), practices, path)


def test_a_file_pandas_wrote_is_read_too(rec_db, tmp_path):
    path = tmp_path / "pandas.xlsx"
    frame = pd.DataFrame([{**SERVICE, "checked_on": pd.Timestamp("2026-03-02")}])
    frame.to_excel(path, index=False)
    with rec_db.session() as s:
        done = import_records(s, rec_db.actor(s, "admin"), services, path)
        assert s.get(ServiceEntry, done.ids[0]).checked_on == date(2026, 3, 2)


def test_import_is_refused_to_the_public_and_never_publishes(rec_db, tmp_path):
    path = write_csv(tmp_path / "one.csv", [SERVICE])
    with rec_db.session() as s, pytest.raises(ImportRefused, match="may not edit report"):
        import_records(s, reporting.Actor(None), services, path)
    with rec_db.session() as s, pytest.raises(ImportRefused, match="draft or submitted"):
        import_records(s, rec_db.actor(s, "admin"), services, path, status="published")
