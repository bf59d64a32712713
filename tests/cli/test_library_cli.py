"""``target87 library add``, ``search`` and ``reindex``: real files in, the issue's French and
Spanish examples found, JSON out, refusals with exit code 2 and nothing saved."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from target87.cli import app
from tests.library.conftest import make_docx, make_zip_bomb

runner = CliRunner()

FR = (
    "Le travail des enfants dans les plantations de cacao recule quand les écoles sont "
    "proches des villages, selon les inspecteurs du travail de la région."
)
ES = (
    "Los trabajadores infantiles de la minería artesanal en Bolivia son el objeto de este "
    "estudio de la inspección de trabajo y de las familias de la zona."
)


@pytest.fixture
def url(warehouse_url, tmp_path):
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), tmp_path / "copy.sqlite")
    return f"sqlite:///{tmp_path / 'copy.sqlite'}"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    path = tmp_path / "data"
    monkeypatch.setenv("TARGET87_DATA_DIR", str(path))
    return path


def run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, "library", *args])


def test_add_then_search_in_french_and_spanish(url, data_dir, tmp_path):
    fr = make_docx(tmp_path / "rapport.docx", [FR], title="Cacao et enfance")
    es = tmp_path / "estudio.md"
    es.write_text(f"# Minería\n\n{ES}\n", encoding="utf-8")
    got = run(
        url,
        "add",
        str(fr),
        "--type",
        "report",
        "--year",
        "2021",
        "--theme",
        "child_labour",
        "--country",
        "civ",
    )
    assert got.exit_code == 0, got.output
    assert "added as document 1 (docx, fr): Cacao et enfance" in got.output
    got = run(url, "add", str(es), "--type", "evaluation", "--year", "2020")
    assert got.exit_code == 0 and "added as document 2 (markdown, es): Minería" in got.output
    again = run(url, "add", str(es))
    assert again.exit_code == 0 and "already in the library" in again.output
    assert len([p for p in data_dir.rglob("*") if p.is_file()]) == 2

    got = run(url, "search", "enfants travaillant", "--lang", "fr", "--format", "json")
    body = json.loads(got.output)
    assert [h["id"] for h in body["hits"]] == [1]
    assert "**travail** des **enfants**" in body["hits"][0]["passage"]
    assert body["facets"]["country"] == {"CIV": 1}

    got = run(url, "search", "trabajo infantil", "--kind", "document", "--format", "json")
    assert [h["id"] for h in json.loads(got.output)["hits"]] == [2]
    # the one search box also finds the indicator catalogue, in its Spanish names
    got = run(url, "search", "trabajo infantil", "--format", "json")
    kinds = {h["kind"] for h in json.loads(got.output)["hits"]}
    assert kinds == {"document", "indicator"}

    got = run(url, "search", "", "--type", "report", "--format", "json")
    assert [h["title"] for h in json.loads(got.output)["hits"]] == ["Cacao et enfance"]

    table = run(url, "search", "trabajo", "--kind", "document")
    assert table.exit_code == 0 and "1 result(s)" in table.output and "Minería" in table.output

    got = run(url, "reindex")
    assert got.exit_code == 0 and "reindexed 2 document(s), 0 good practice(s)" in got.output


def test_a_zip_bomb_is_refused_with_exit_2_and_nothing_saved(url, data_dir, tmp_path):
    bomb = make_zip_bomb(tmp_path / "bomb.docx")
    got = run(url, "add", str(bomb))
    assert got.exit_code == 2 and "zip bomb" in got.output and "nothing saved" in got.output
    assert not data_dir.exists() or not any(p.is_file() for p in data_dir.rglob("*"))
    listed = json.loads(run(url, "search", "", "--kind", "document", "--format", "json").output)
    assert listed["total"] == 0


def test_bad_options_are_refused(url, data_dir, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("words", encoding="utf-8")
    got = run(url, "add", str(path), "--type", "novel")
    assert got.exit_code == 2 and "unknown document type 'novel'" in got.output
    assert run(url, "search", "x", "--format", "xml").exit_code == 2
    assert run(url, "search", "x", "--lang", "de").exit_code == 2


def test_a_folder_is_harvested_and_a_bad_file_in_it_is_named_and_skipped(url, data_dir, tmp_path):
    folder = tmp_path / "harvest"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(FR, encoding="utf-8")
    (folder / "sub" / "b.md").write_text("# Minería\n\n" + ES, encoding="utf-8")
    (folder / ".hidden.txt").write_text("secret notes", encoding="utf-8")
    make_zip_bomb(folder / "sub" / "bomb.docx")
    got = run(url, "add", str(folder), "--year", "2022")
    assert got.exit_code == 2, got.output
    assert "a.txt: added as document" in got.output and "b.md: added as document" in got.output
    assert "bomb.docx" in got.output and "1 of 3 file(s) refused" in got.output
    listed = json.loads(run(url, "search", "", "--kind", "document", "--format", "json").output)
    assert listed["total"] == 2  # the hidden file left out, the bomb refused
