"""Import and export of the evidence base: real CSV and Excel files (written with the csv
module, openpyxl and pandas), every error naming file, row and column, all or nothing,
re-import updating and never duplicating, ``replace`` the only way to remove; on SQLite
and, where a server is given, PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
import shutil
import uuid

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from target87 import store
from target87.evidence import datasets
from target87.evidence.io import (
    FLAT_COLUMNS,
    export_evidence,
    import_evidence,
    read_evidence,
)
from target87.evidence.models import Effect, InterventionType, Study, StudyCountry
from target87.ingest import LoadError, init_database

PG_URL = os.environ.get("TARGET87_TEST_POSTGRES_URL")
EVIDENCE_TABLES = ("evidence_effect", "evidence_study_country", "evidence_study")

STUDY = {
    "study_id": "edmonds-2005",
    "citation": "Edmonds, E. V. (2005). Does child labor decline with improving economic "
    "status? Journal of Human Resources 40(1), 77-99.",
    "doi": "https://doi.org/10.3368/jhr.XL.1.77",
    "year": "2005",
    "countries": "VNM",
    "design": "quasi_experimental",
    "quality": "moderate",
    "programme": "",
}
EFFECTS = [
    {
        "effect_id": "1",
        "intervention": "uct",
        "outcome": "any_work",
        "measure": "RD",
        "yi": "-0.08",
        "sei": "0.02",
        "age_band": "6-15",
        "sex": "_T",
    },
    {
        "effect_id": "girls",
        "intervention": "uct",
        "outcome": "school_attendance",
        "measure": "RD",
        "yi": "0.05",
        "vi": "0.0004",
        "sex": "F",
        "mod_region": "north",
    },
]
SECOND = {
    "study_id": "pe-2013",
    "citation": "A conditional cash transfer evaluation (2013).",
    "year": "2013",
    "countries": "MEX;BRA",
    "design": "rct",
}
SECOND_EFFECT = {
    "effect_id": "1",
    "intervention": "cct",
    "outcome": "economic_activity",
    "measure": "OR",
    "ai": "30",
    "bi": "170",
    "ci": "45",
    "di": "155",
}


def flat_rows(*pairs):
    return [{**study, **effect} for study, effect in pairs]


def write_csv(path, rows):
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_two_sheets(path, studies, effects):
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("studies", studies), ("effects", effects)):
        sheet = book.create_sheet(title)
        columns = list(dict.fromkeys(k for r in rows for k in r))
        sheet.append(columns)
        for row in rows:
            cells = []
            for c in columns:
                value = row.get(c)
                try:  # numbers as Excel numbers, as people type them
                    cells.append(float(value) if c not in ("effect_id", "study_id") else value)
                except (TypeError, ValueError):
                    cells.append(value)
            sheet.append(cells)
    book.save(path)
    return path


def base_rows():
    return flat_rows((STUDY, EFFECTS[0]), (STUDY, EFFECTS[1]), (SECOND, SECOND_EFFECT))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def backend(request, tmp_path_factory, warehouse_url):
    """A loaded warehouse per backend for this module: SQLite copied from the shared one,
    PostgreSQL made once (the evidence tables are emptied before each test)."""
    if request.param == "sqlite":
        yield ("sqlite", warehouse_url.removeprefix("sqlite:///"))
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL server (run through `python3 dev.py test`)")
    name = f"t87_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    eng = store.make_engine(url)
    init_database(eng)
    eng.dispose()
    yield ("postgresql", url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(backend, tmp_path):
    kind, where = backend
    if kind == "sqlite":
        shutil.copy(where, tmp_path / "w.sqlite")
        eng = store.make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    else:
        eng = store.make_engine(where)
        with eng.begin() as conn:
            for table in EVIDENCE_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
    yield eng
    eng.dispose()


def counts(engine):
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Study)),
            s.scalar(select(func.count()).select_from(Effect)),
        )


def refused(engine, path) -> list:
    with pytest.raises(LoadError) as caught:
        import_evidence(engine, path)
    return caught.value.problems


# --- import ----------------------------------------------------------------------------


def test_a_csv_file_is_imported_with_every_column(engine, tmp_path):
    path = write_csv(tmp_path / "evidence.csv", base_rows())
    summary = import_evidence(engine, path)
    assert (summary.studies.added, summary.effects.added) == (2, 3)
    with Session(engine) as s:
        study = s.get(Study, "edmonds-2005")
        assert study.doi == "10.3368/jhr.XL.1.77"  # the resolver prefix dropped
        assert (study.year, study.design, study.quality) == (2005, "quasi_experimental", "moderate")
        assert study.country_codes == ["VNM"] and study.worked_example is False
        assert s.get(Study, "pe-2013").country_codes == ["MEX", "BRA"]
        effects = {e.effect_id: e for e in study.effects}
        assert effects["1"].sei == 0.02 and effects["1"].vi is None
        assert effects["1"].variance == pytest.approx(0.0004)
        assert effects["1"].age_band == "6-15"
        assert effects["girls"].sex == "F" and effects["girls"].moderator_values == {
            "region": "north"
        }
        counts_effect = s.get(Study, "pe-2013").effects[0]
        assert (counts_effect.ai, counts_effect.di, counts_effect.yi) == (30, 155, None)
        # the taxonomy is in its table, in three languages
        cct = s.get(InterventionType, "cct")
        assert cct.name_fr and cct.name_es and cct.definition


def test_an_excel_workbook_in_two_sheets_is_imported(engine, tmp_path):
    studies = [STUDY, SECOND]
    effects = [
        {"study_id": "edmonds-2005", **EFFECTS[0]},
        {"study_id": "edmonds-2005", **EFFECTS[1]},
        {"study_id": "pe-2013", **SECOND_EFFECT},
    ]
    path = write_two_sheets(tmp_path / "evidence.xlsx", studies, effects)
    assert read_evidence(path).layout == "sheets"
    summary = import_evidence(engine, path)
    assert (summary.studies.added, summary.effects.added) == (2, 3)
    with Session(engine) as s:
        study = s.get(Study, "edmonds-2005")
        assert study.year == 2005  # an Excel number
        assert {e.effect_id for e in study.effects} == {"1", "girls"}


def test_an_excel_workbook_with_one_flat_sheet_written_by_pandas(engine, tmp_path):
    path = tmp_path / "flat.xlsx"
    frame = pd.DataFrame(base_rows())
    for column in ("yi", "sei", "vi", "ai", "bi", "ci", "di", "year"):
        frame[column] = pd.to_numeric(frame[column])
    frame.to_excel(path, index=False, sheet_name="my evidence")
    assert read_evidence(path).layout == "flat"
    summary = import_evidence(engine, path)
    assert (summary.studies.added, summary.effects.added) == (2, 3)


def test_importing_again_updates_and_never_duplicates(engine, tmp_path):
    path = write_csv(tmp_path / "evidence.csv", base_rows())
    import_evidence(engine, path)
    again = import_evidence(engine, path)
    assert (again.studies.added, again.studies.changed, again.studies.unchanged) == (0, 0, 2)
    assert (again.effects.added, again.effects.changed, again.effects.unchanged) == (0, 0, 3)
    rows = base_rows()
    rows[0]["yi"] = "-0.09"  # a corrected estimate
    rows[2]["countries"] = "BRA"  # and a corrected country list
    changed = import_evidence(engine, write_csv(tmp_path / "fixed.csv", rows))
    assert (changed.effects.changed, changed.studies.changed) == (1, 1)  # effect; countries
    assert counts(engine) == (2, 3)
    with Session(engine) as s:
        assert (
            s.scalar(
                select(Effect.yi).where(Effect.effect_id == "1", Effect.study_id == "edmonds-2005")
            )
            == -0.09
        )
        assert s.get(Study, "pe-2013").country_codes == ["BRA"]
        assert s.scalar(select(func.count()).select_from(StudyCountry)) == 2


def test_nothing_is_removed_without_replace_and_replace_removes(engine, tmp_path):
    import_evidence(engine, write_csv(tmp_path / "all.csv", base_rows()))
    datasets.load_worked_examples(engine, ["dat.bcg"])
    only_one = write_csv(tmp_path / "one.csv", flat_rows((STUDY, EFFECTS[0])))
    kept = import_evidence(engine, only_one)
    assert kept.studies.removed == kept.effects.removed == 0
    assert counts(engine) == (2 + 13, 3 + 13)
    replaced = import_evidence(engine, only_one, replace=True)
    assert (replaced.studies.removed, replaced.effects.removed) == (1, 2)
    with Session(engine) as s:
        real = s.scalars(select(Study.id).where(Study.worked_example.is_(False))).all()
        assert real == ["edmonds-2005"]
        assert [e.effect_id for e in s.get(Study, "edmonds-2005").effects] == ["1"]
        # the worked examples are another kind: a real file's replace leaves them
        assert s.scalar(select(func.count()).where(Study.worked_example.is_(True))) == 13


# --- refusals --------------------------------------------------------------------------


def test_every_problem_names_file_row_and_column_and_nothing_is_written(engine, tmp_path):
    rows = base_rows()
    rows[1].update(vi="-0.0004")  # line 3
    rows[2].update(countries="MEX;XXQ", doi="not-a-doi", year="1850", design="survey")  # line 4
    path = write_csv(tmp_path / "bad.csv", rows)
    problems = refused(engine, path)
    where = {(p.line, p.column) for p in problems}
    assert {(3, "vi"), (4, "countries"), (4, "doi"), (4, "year"), (4, "design")} <= where
    assert all(p.file == str(path) for p in problems)
    assert all(p.line is not None and p.column for p in problems)
    assert counts(engine) == (0, 0)  # the good rows were not written either
    text_ = str(next(p for p in problems if p.column == "countries"))
    assert "bad.csv, line 4, column 'countries'" in text_ and "XXQ" in text_


def test_excel_problems_name_the_sheet_and_its_row(engine, tmp_path):
    effects = [
        {"study_id": "edmonds-2005", **EFFECTS[0]},
        {"study_id": "edmonds-2005", **{**EFFECTS[1], "intervention": "cash"}},
        {"study_id": "nobody", **SECOND_EFFECT},
    ]
    path = write_two_sheets(tmp_path / "bad.xlsx", [STUDY], effects)
    problems = refused(engine, path)
    found = {(p.sheet, p.line, p.column) for p in problems}
    assert ("effects", 3, "intervention") in found
    assert ("effects", 4, "study_id") in found
    assert "sheet 'effects', row 3, column 'intervention'" in str(problems[0])
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    "change,column,words",
    [
        ({"yi": "0.1", "sei": ""}, "vi", "yi needs its variance"),
        ({"yi": "", "sei": ""}, "yi", "no effect"),
        ({"sei": "0"}, "sei", "must be positive"),
        ({"vi": "0.01"}, "sei", "disagrees with vi"),  # sei 0.02 says vi 0.0004
        ({"yi": "abc"}, "yi", "not a number"),
        ({"intervention": "cash"}, "intervention", "unknown code"),
        ({"outcome": "work"}, "outcome", "unknown code"),
        ({"measure": "XYZ"}, "measure", "unknown code"),
        ({"age_band": "17-5"}, "age_band", "no age band"),
        ({"sex": "X"}, "sex", "unknown code"),
        ({"effect_id": ""}, "effect_id", "required"),
        ({"countries": "WLD"}, "countries", "not a country"),
        ({"url": "www.example.org"}, "url", "web address"),
        ({"year": "2005.5"}, "year", "no year"),
        ({"follow_up_months": "-3"}, "follow_up_months", "negative"),
        ({"worked_example": "maybe"}, "worked_example", "neither true nor false"),
    ],
)
def test_each_cell_is_checked(engine, tmp_path, change, column, words):
    rows = flat_rows((STUDY, {**EFFECTS[0], **change}))
    problems = refused(engine, write_csv(tmp_path / "e.csv", rows))
    assert [(p.line, p.column) for p in problems] == [(2, column)], problems
    assert words in problems[0].reason


@pytest.mark.parametrize(
    "effect,ok",
    [
        ({"ai": "3", "bi": "7", "ci": "5", "di": "5"}, True),
        ({"ai": "3", "ci": "5", "n1i": "10", "n2i": "10"}, True),
        ({"ai": "3", "bi": "7", "ci": "5", "di": "5", "n1i": "11", "n2i": "10"}, False),
        ({"ai": "3", "bi": "7", "ci": "5"}, False),
        ({"m1i": "2", "m2i": "3", "sd1i": "1", "sd2i": "1", "n1i": "20", "n2i": "20"}, False),
        ({"ai": "-1", "bi": "7", "ci": "5", "di": "5"}, False),
    ],
)
def test_raw_counts_fit_a_binary_measure(engine, tmp_path, effect, ok):
    row = {"effect_id": "1", "intervention": "cct", "outcome": "any_work", "measure": "RR"}
    path = write_csv(tmp_path / "e.csv", flat_rows((STUDY, {**row, **effect})))
    if ok:
        assert import_evidence(engine, path).effects.added == 1
    else:
        refused(engine, path)


def test_means_fit_a_continuous_measure(engine, tmp_path):
    row = {
        "effect_id": "1",
        "intervention": "cct",
        "outcome": "hours_worked",
        "measure": "SMD",
        "m1i": "6.5",
        "m2i": "8.0",
        "sd1i": "3",
        "sd2i": "3.5",
        "n1i": "120",
        "n2i": "118",
    }
    path = write_csv(tmp_path / "e.csv", flat_rows((STUDY, row)))
    assert import_evidence(engine, path).effects.added == 1
    bad = write_csv(tmp_path / "b.csv", flat_rows((STUDY, {**row, "sd2i": "0"})))
    assert [p.column for p in refused(engine, bad)] == ["sd2i"]


def test_a_study_repeated_on_flat_rows_must_agree(engine, tmp_path):
    other = {**STUDY, "year": "2006"}
    problems = refused(
        engine, write_csv(tmp_path / "e.csv", flat_rows((STUDY, EFFECTS[0]), (other, EFFECTS[1])))
    )
    assert [(p.line, p.column) for p in problems] == [(3, "year")]
    assert "differs from row 2" in problems[0].reason


def test_the_same_effect_twice_in_a_file_is_refused(engine, tmp_path):
    problems = refused(
        engine, write_csv(tmp_path / "e.csv", flat_rows((STUDY, EFFECTS[0]), (STUDY, EFFECTS[0])))
    )
    assert [(p.line, p.column) for p in problems] == [(3, "effect_id")]


def test_columns_are_checked_before_any_row(engine, tmp_path):
    rows = [{**r, "yi_typo": "1"} for r in base_rows()]
    for r in rows:
        del r["citation"]
    problems = refused(engine, write_csv(tmp_path / "e.csv", rows))
    assert {(p.line, p.column) for p in problems} == {(1, "yi_typo"), (1, "citation")}


def test_a_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "e.json"
    path.write_text("{}")
    with pytest.raises(LoadError, match="CSV"):
        read_evidence(path)


# --- export ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
def test_export_then_import_gives_the_same_evidence(engine, tmp_path, name):
    import_evidence(engine, write_csv(tmp_path / "in.csv", base_rows()))
    datasets.load_worked_examples(engine, ["dat.raudenbush1985"])
    out = tmp_path / name
    result = export_evidence(engine, out)
    assert (result.studies, result.effects) == (2, 3)  # the worked examples left out
    again = import_evidence(engine, out)
    assert again.studies.unchanged == 2 and again.effects.unchanged == 3
    assert again.studies.changed == again.effects.changed == 0
    if name.endswith(".xlsx"):
        assert load_workbook(out).sheetnames == ["studies", "effects"]
    else:
        header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == [*FLAT_COLUMNS, "mod_region"]
    # into an empty store: the same rows
    with engine.begin() as conn:
        for table in EVIDENCE_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    fresh = import_evidence(engine, out)
    assert (fresh.studies.added, fresh.effects.added) == (2, 3)
    with Session(engine) as s:
        girls = s.scalars(select(Effect).where(Effect.effect_id == "girls")).one()
        assert json.loads(girls.moderators) == {"region": "north"} and girls.vi == 0.0004


def test_the_worked_examples_export_apart(engine, tmp_path):
    datasets.load_worked_examples(engine)
    out = tmp_path / "examples.csv"
    result = export_evidence(engine, out, examples=True)
    assert (result.studies, result.effects) == (48, 48)
    frame = pd.read_csv(out)
    assert set(frame["dataset"]) == {"dat.bcg", "dat.raudenbush1985", "dat.egger2001"}
    assert frame["worked_example"].all()
    assert export_evidence(engine, tmp_path / "real.csv").effects == 0
