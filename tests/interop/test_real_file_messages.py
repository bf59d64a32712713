"""Refusals of real national files point at what their users see (issue 17, item 5): the file
inside an Open SDG folder as a file with lines, never a "sheet"; an SDMX-ML message written
on one line by observation number, never a "line" it does not have. The files are the
national platforms' own (tests/data/real/ORIGIN.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from target87.ingest import LoadError
from target87.interop import read_any

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def _problems(path: Path) -> list[str]:
    with pytest.raises(LoadError) as caught:
        read_any(path)
    return [str(p) for p in caught.value.problems]


def test_an_open_sdg_csv_is_a_file_with_lines():
    found = _problems(REAL / "opensdg" / "MEX")
    assert found, "the Mexican folder's Spanish headers need a mapping"
    assert all("sheet" not in text for text in found), found
    assert "MEX, file 'indicator_8-7-1.csv', line 1, column 'Sexo'" in "\n".join(found)


def test_a_one_line_sdmx_ml_message_counts_observations_not_lines():
    path = REAL / "sdmx" / "kaz-kazstat-8-7-1-sdgbuild-structurespecific.xml"
    assert path.read_bytes().count(b"\n") == 0  # sdg-build writes the message on one line
    found = _problems(path)
    assert all(", line " not in text for text in found), found[:3]
    assert any(", observation 12, column 'REF_AREA'" in text for text in found), found[:3]


def test_a_multi_line_sdmx_ml_message_counts_observations_too():
    found = _problems(REAL / "sdmx" / "kgz-nsc-8.7.1-structurespecific.xml")
    assert all(", observation " in text for text in found if "INCOME_WEALTH" in text)
