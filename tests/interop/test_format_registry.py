"""One list of formats (``interop.formats.FORMATS``): a format added there (one module, one
line) is detected, read, written and offered by the command line with no other edit; and every
registered format round-trips, or is detected from a real file in tests/."""

from __future__ import annotations

import csv
import importlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from target87 import store
from target87.cli import app, io_cmd
from target87.interop import formats
from target87.interop.format_spec import Format
from target87.interop.formats import detect_format, export, read_any
from target87.interop.table import OBS_COLUMNS, fill_period_bounds, raw_table, records, typed
from tests.interop.helpers import same_observations

SERIES = ["SL_TLF_CHLDEC", "VC_HTF_DETVFL", "GE_FORC_LAB"]
SDMX = Path(__file__).parent / "fixtures" / "sdmx"
OPENSDG = Path(__file__).parent / "fixtures" / "opensdg"
# Real files in tests/, by the format they are in.
FIXTURES = {
    "sdmx-csv": [SDMX / "sdg_SL_TLF_CHLDEC.csv", SDMX / "sdg_SL_TLF_CHLDEC_v2.csv"],
    "sdmx-json": [SDMX / "sdg_SL_TLF_CHLDEC.json"],
    "sdmx-ml": [
        SDMX / "sdg_SL_TLF_CHLDEC_generic.xml",
        SDMX / "sdg_SL_TLF_CHLDEC_structure_specific.xml",
        SDMX / "ilo_DF_SDG_ALL_SDG_B871_SEX_AGE_RT.xml",
        SDMX / "unicef_GLOBAL_DATAFLOW.xml",
    ],
    "opensdg": [OPENSDG, OPENSDG / "data" / "indicator_8-7-1.csv"],
}
runner = CliRunner()


# A throw-away format: observations separated by "|", recognised by its header. ------------


def read_pipe(path: Path, *, source: str | None = None, codes=None) -> pd.DataFrame:
    frame = pd.read_csv(path, sep="|", dtype=str, keep_default_na=False)
    return fill_period_bounds(raw_table(frame, file=str(path), rows=range(2, len(frame) + 2)))


def write_pipe(frame: pd.DataFrame, path: Path, *, sources=(), session=None) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="|", lineterminator="\n")
        writer.writerow(OBS_COLUMNS)
        for row in records(frame):
            writer.writerow(_text(row[c]) for c in OBS_COLUMNS)


def _text(value: object) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


PIPE = Format(
    "pipe",
    "Pipe-separated",
    read=read_pipe,
    write=write_pipe,
    recognise=lambda head: head.text.startswith("|".join(OBS_COLUMNS[:3]) + "|"),
)


@pytest.fixture
def pipe():
    """PIPE in the registry for one test (its one line in FORMATS), then gone again; the
    command line module is imported afresh each time, as a new process would import it."""
    registered = formats.FORMATS
    formats.FORMATS = (*registered, PIPE)
    importlib.reload(io_cmd)
    try:
        yield PIPE
    finally:
        formats.FORMATS = registered
        importlib.reload(io_cmd)


def run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def stored(url: str) -> pd.DataFrame:
    engine = store.make_engine(url)
    with Session(engine) as s:
        frame = store.observations(s, series=SERIES, all_sources=True)
    engine.dispose()
    return frame


# The throw-away format, seen by everything that lists, detects, reads or writes formats. --


def test_a_registered_format_is_detected_read_and_written(pipe, session, tmp_path):
    assert pipe in formats.readers() and pipe in formats.writers()
    path = tmp_path / "observations.txt"  # the name says nothing: the content does
    result = export(session, path, "pipe", series=SERIES)
    assert result.rows > 0 and result.left_out == {}
    assert detect_format(path) == "pipe"
    same_observations(
        store.observations(session, series=SERIES, all_sources=True), typed(read_any(path))
    )
    assert len(read_any(path, "pipe")) == result.rows


def test_the_command_line_offers_and_uses_a_registered_format(pipe, warehouse_url, tmp_path):
    for command in ("load", "check", "export"):
        shown = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert "pipe" in shown.output, (command, shown.output)
    url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), tmp_path / "copy.sqlite")
    before = stored(url)
    out = tmp_path / "o.txt"
    series = [a for s in SERIES for a in ("--series", s)]
    exported = run(url, "export", *series, "--format", "pipe", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    for how in ([], ["--format", "pipe"]):  # detected, then named
        loaded = run(url, "load", str(out), *how)
        assert loaded.exit_code == 0, loaded.output
        assert f"added 0, changed 0, removed 0, unchanged {len(before)}" in loaded.output
    checked = run(url, "check", str(out), "--format", "pipe")
    assert checked.exit_code == 0, checked.output
    same_observations(before, stored(url))


def test_a_format_removed_from_the_registry_is_gone_everywhere(tmp_path):
    assert formats.format_named("pipe") is None
    assert [m.value for m in io_cmd.InFormat] == [f.name for f in formats.readers()]
    assert [m.value for m in io_cmd.OutFormat] == [f.name for f in formats.writers()]
    path = tmp_path / "o.txt"
    path.write_text("|".join(OBS_COLUMNS) + "\n")
    assert detect_format(path) == "csv"  # the fallback
    with pytest.raises(ValueError, match="unknown format 'pipe'"):
        export(None, tmp_path / "x", "pipe")
    shown = runner.invoke(app, ["export", "--format", "pipe", "--out", str(tmp_path / "x")])
    assert shown.exit_code == 2 and "pipe" in shown.output


# Every registered format. -------------------------------------------------------------


def test_the_registry_names_each_format_once_and_derives_the_lists():
    names = [f.name for f in formats.FORMATS]
    assert len(names) == len(set(names))
    read, write = formats.READ_FORMATS, formats.WRITE_FORMATS
    assert read == tuple(f.name for f in formats.FORMATS if f.read)
    assert write == tuple(f.name for f in formats.FORMATS if f.write)
    assert [f for f in formats.FORMATS if f.fallback] == [formats.format_named("csv")]


@pytest.mark.parametrize("fmt", formats.FORMATS, ids=lambda f: f.name)
def test_every_format_round_trips_or_is_detected_from_a_real_file(fmt, session, tmp_path):
    assert fmt.write or fmt.name in FIXTURES, f"{fmt.name}: no way to test it"
    for path in FIXTURES.get(fmt.name, []):
        assert detect_format(path) == fmt.name, path
        assert len(read_any(path)) > 0
    if not (fmt.read and fmt.write):
        return
    out = tmp_path / f"out.{fmt.name}"
    result = export(session, out, fmt.name, series=SERIES)
    expected = store.observations(session, series=SERIES, all_sources=True)
    if fmt.select is not None:
        expected, left_out = fmt.select(expected)
        assert result.left_out == left_out
    assert result.rows == len(expected) > 0
    assert detect_format(out) == fmt.name
    same_observations(expected, typed(read_any(out)))
