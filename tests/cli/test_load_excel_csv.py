"""`target87 load` of CSV files as Excel writes them in French and Spanish (issue 14, item 8)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from target87 import store
from tests.interop.test_csv_excel_dialects import EXCEL_FILES, NOTE, excel_text

TARGET87 = Path(sys.executable).parent / "target87"


def load(url: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TARGET87), "--database-url", url, "load", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def stored(url: str) -> list[tuple]:
    engine = store.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT time_period, value, upper_bound, footnote FROM observation "
                "WHERE source = 'ilab_tvpra_2022' AND series = 'SL_TLF_CHLDEC' "
                "ORDER BY time_period"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


@pytest.fixture
def url(warehouse_url, tmp_path) -> str:
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), tmp_path / "copy.sqlite")
    return f"sqlite:///{tmp_path / 'copy.sqlite'}"


@pytest.mark.parametrize("kind", ["csv-semicolon-cp1252", "unicode-text-utf16"])
def test_load_reads_excel_csv_with_semicolons_or_tabs_and_decimal_commas(url, tmp_path, kind):
    path = tmp_path / "rapport.csv"
    path.write_bytes(EXCEL_FILES[kind]())
    result = load(url, path)
    assert result.returncode == 0, result.stderr
    assert "2 observations loaded for source ilab_tvpra_2022: added 2," in result.stdout
    assert stored(url) == [("2018", 5.1, None, NOTE), ("2019", 4.6, 5.25, NOTE)]


def test_load_names_the_delimiter_it_saw_when_the_columns_are_missing(url, tmp_path):
    before = stored(url)
    path = tmp_path / "pipes.csv"
    path.write_bytes(excel_text("|").encode("cp1252"))
    result = load(url, path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())  # Rich wraps long lines
    assert "missing column(s) series, ref_area, time_period, value" in message
    assert "no comma, semicolon or tab" in message
    assert stored(url) == before
