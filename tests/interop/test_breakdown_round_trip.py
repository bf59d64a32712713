"""Issue 17: rows told apart only by a breakdown beyond sex, age and urbanisation (a real
national SDMX file: Kyrgyzstan's quintiles, education levels, school attendance, disability,
regions) leave in every format we write and come back as the same rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from target87 import store
from target87.interop import export, load_table, read_any
from target87.interop.mapping import Mapping
from target87.interop.sdmx_read import read_sdmx
from target87.interop.table import OBS_COLUMNS, typed
from tests.interop.helpers import same_observations

KGZ = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "real"
    / "sdmx"
    / "kgz-nsc-8.7.1-structurespecific.xml"
)
SUFFIX = {"csv": "csv", "json": "json", "xlsx": "xlsx", "sdmx-csv": "csv", "sdmx-ml": "xml"}


@pytest.fixture(scope="module")
def engine(warehouse_url, tmp_path_factory):
    copy = tmp_path_factory.mktemp("breakdown_round_trip") / "copy.sqlite"
    shutil.copyfile(warehouse_url.removeprefix("sqlite:///"), copy)
    eng = store.make_engine(f"sqlite:///{copy}")
    load_table(eng, read_sdmx(KGZ, mapping=Mapping(area="KGZ"), source="un_sdg_871"))
    yield eng
    eng.dispose()


def held(engine, national_only: bool) -> object:
    with Session(engine) as s:
        frame = store.observations(s, series=["SL_TLF_CHLDEC"], all_sources=True)
    frame = frame[frame["ref_area"].str.startswith("KGZ")][OBS_COLUMNS]
    if national_only:  # SDMX's REF_AREA is M49: regions have none and are left out
        frame = frame[frame["ref_area"] == "KGZ"]
    return frame.reset_index(drop=True)


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "opensdg", "sdmx-csv", "sdmx-ml"])
def test_breakdowns_survive_every_format(engine, tmp_path, fmt):
    expected = held(engine, national_only=fmt.startswith("sdmx"))
    assert (expected["breakdown"] != "_T").sum() >= 15  # the file's breakdowns, all there
    path = tmp_path / ("out" if fmt == "opensdg" else f"out.{SUFFIX[fmt]}")
    with Session(engine) as s:
        export(s, path, fmt, series=["SL_TLF_CHLDEC"], areas=sorted(set(expected["ref_area"])))
    back = typed(read_any(path, fmt, source="un_sdg_871"))
    back = back[back["ref_area"].str.startswith("KGZ")]
    same_observations(expected, back)
