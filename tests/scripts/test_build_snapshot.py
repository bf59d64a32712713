"""The committed snapshot is exactly what the builder makes from data/raw."""

from __future__ import annotations

import shutil
import sys

import pytest

from target87.ingest.snapshot import bundled_snapshot_dir
from tests.conftest import RAW, ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_snapshot  # noqa: E402


def test_a_fresh_build_equals_the_committed_snapshot(tmp_path):
    build_snapshot.build(RAW, tmp_path)
    committed = bundled_snapshot_dir()
    names = sorted(p.name for p in committed.iterdir() if p.suffix in (".csv", ".json"))
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_an_unknown_m49_code_stops_the_build_naming_file_and_line(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    path = raw / "forced_labour" / "un_sdg_16_2_2_trafficking_ddf_2020"
    path = next(path.glob("ddf--datapoints--vc_htf_detv--*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[4].split(",")
    fields[1] = "999"
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(build_snapshot.BuildError, match=r"vc_htf_detv--.*line 5: M49 code '999'"):
        build_snapshot.build(raw, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_unknown_ilab_country_name_stops_the_build(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    path = raw / "goods" / "ilab_tvpra_goods_2022_tidy.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Brazil", "Brasil"), encoding="utf-8")
    with pytest.raises(build_snapshot.BuildError, match="'Brasil' maps to no area"):
        build_snapshot.build(raw, tmp_path / "out")
