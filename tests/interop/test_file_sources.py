"""A file exported by one target87 loads into a fresh one with its sources (issue 17, item 4):
our Excel's Sources sheet and our JSON's "sources" list create the sources the rows cite,
marked as created on import; a source the store holds is never changed by a file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from target87 import store
from target87.cli import app

runner = CliRunner()
SOURCE = "my_survey_2024"
ROW = (
    "series,ref_area,time_period,sex,age,urbanisation,value,unit,unit_mult,obs_status,"
    f"reporting_type,source\nSL_TLF_CHLDEC,NPL,2024,_T,Y5T17,_T,12.5,PT,0,A,N,{SOURCE}\n"
)


def _run(url: str, *args: str):
    result = runner.invoke(app, ["--database-url", url, *args])
    return result


@pytest.fixture
def exported(tmp_path):
    """Our own exports (Excel, JSON) of a warehouse holding a source of its own."""
    url = f"sqlite:///{tmp_path / 'first.sqlite'}"
    assert _run(url, "add-source", SOURCE, "--publisher", "Ministry of Labour", "--title",
                "Child labour survey 2024", "--licence", "CC BY 4.0", "--year", "2024"
                ).exit_code == 0  # fmt: skip
    (tmp_path / "obs.csv").write_text(ROW, encoding="utf-8")
    assert _run(url, "load", str(tmp_path / "obs.csv")).exit_code == 0
    files = {}
    for fmt, name in (("xlsx", "out.xlsx"), ("json", "out.json"), ("sdmx-ml", "out.xml"),
                      ("sdmx-csv", "out.sdmx.csv")):  # fmt: skip
        files[fmt] = tmp_path / name
        assert _run(url, "export", "-o", str(files[fmt]), "-f", fmt, "-s", "SL_TLF_CHLDEC",
                    "-a", "NPL").exit_code == 0  # fmt: skip
    return files


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_a_fresh_instance_loads_the_file_with_its_sources(exported, tmp_path, fmt):
    url = f"sqlite:///{tmp_path / f'fresh-{fmt}.sqlite'}"
    checked = _run(url, "check", str(exported[fmt]))
    assert checked.exit_code == 0, checked.output
    loaded = _run(url, "load", str(exported[fmt]))
    assert loaded.exit_code == 0, loaded.output
    assert f"Source created on import: {SOURCE} (Ministry of Labour, CC BY 4.0)" in loaded.output
    engine = store.make_engine(url)
    with Session(engine) as s:
        src = s.get(store.Source, SOURCE)
        assert src.citation.startswith("Ministry of Labour (2024). Child labour survey 2024.")
        assert src.year == 2024 and src.licence == "CC BY 4.0"
        assert src.notes.startswith(f"created on import from {exported[fmt]}")
        frame = store.observations(s, series=["SL_TLF_CHLDEC"], areas=["NPL"], all_sources=True)
        assert frame.loc[frame["source"] == SOURCE, "value"].tolist() == [12.5]
    engine.dispose()
    again = _run(url, "load", str(exported[fmt]))  # the source exists now: nothing created
    assert again.exit_code == 0 and "Source created" not in again.output


def test_a_file_never_changes_a_source_the_store_holds(exported, tmp_path):
    doc = json.loads(exported["json"].read_text(encoding="utf-8"))
    for src in doc["sources"]:
        if src["id"] == "un_sdg_871":
            src["publisher"] = "Someone Else"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert _run(url, "load", str(path)).exit_code == 0
    engine = store.make_engine(url)
    with Session(engine) as s:
        assert s.get(store.Source, "un_sdg_871").publisher != "Someone Else"
    engine.dispose()


def test_a_source_described_without_its_licence_is_not_created_and_the_load_says_why(
    exported, tmp_path
):
    doc = json.loads(exported["json"].read_text(encoding="utf-8"))
    mine = next(i for i, s in enumerate(doc["sources"]) if s["id"] == SOURCE)
    doc["sources"][mine]["licence"] = ""
    path = tmp_path / "no-licence.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    result = _run(url, "load", str(path))
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f'Source not created: "sources" entry {mine + 1} has no licence' in text
    assert f"unknown source '{SOURCE}'" in text


@pytest.mark.parametrize("fmt", ["sdmx-ml", "sdmx-csv"])
def test_an_sdmx_export_loads_into_a_fresh_instance_creating_the_source_it_names(
    exported, tmp_path, fmt
):
    """SDMX carries a source's id in SOURCE_DETAIL, not its description: the fresh instance
    creates the source from the id and the message's sender, says so, and never refuses the
    rows because the id is not registered there."""
    url = f"sqlite:///{tmp_path / f'fresh-{fmt}.sqlite'}"
    loaded = _run(url, "load", str(exported[fmt]))
    assert loaded.exit_code == 0, loaded.output
    assert f"Source created on import: {SOURCE} (" in loaded.output
    engine = store.make_engine(url)
    with Session(engine) as s:
        src = s.get(store.Source, SOURCE)
        assert src.notes.startswith("created on import from ")
        assert exported[fmt].name in src.notes
        assert src.licence.startswith("not stated in the file")  # never guessed
        frame = store.observations(s, series=["SL_TLF_CHLDEC"], areas=["NPL"], all_sources=True)
        assert frame.loc[frame["source"] == SOURCE, "value"].tolist() == [12.5]
        held = s.get(store.Source, "un_sdg_871")
        before = (held.citation, held.licence)
    engine.dispose()
    again = _run(url, "load", str(exported[fmt]))
    assert again.exit_code == 0 and "Source created" not in again.output
    with Session(store.make_engine(url)) as s:  # a source the store holds is never changed
        held = s.get(store.Source, "un_sdg_871")
        assert (held.citation, held.licence) == before
