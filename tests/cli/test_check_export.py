"""`check` on a file with no data rows, and `export --source` (issue 17, item 6)."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from target87.cli import app

runner = CliRunner()


def _run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args])


def test_check_of_a_folder_whose_only_file_has_no_rows_says_so_and_fails(warehouse_url, tmp_path):
    folder = tmp_path / "site"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "indicator_8-7-1.csv").write_text("Year,Sex,Value\n", encoding="utf-8")
    result = _run(warehouse_url, "check", str(folder))
    assert result.exit_code == 1, result.output
    assert "holds no observations (no data rows): nothing was checked" in result.output


def test_check_of_a_csv_of_headers_only_fails_too(warehouse_url, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("series,ref_area,time_period,value\n", encoding="utf-8")
    result = _run(warehouse_url, "check", str(path))
    assert result.exit_code == 1 and "no data rows" in result.output


def _sources_in(path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return sorted({row["source"] for row in csv.DictReader(f)})


def test_export_source_keeps_only_that_source(warehouse_url, tmp_path):
    both = tmp_path / "both.csv"
    assert _run(warehouse_url, "export", "-o", str(both), "-f", "csv", "-s",
                "sl_tlf_chldec", "-a", "br").exit_code == 0  # fmt: skip
    assert _sources_in(both) == ["un_sdg_871", "unicef_sowc_2023"]
    one = tmp_path / "one.csv"
    result = _run(warehouse_url, "export", "-o", str(one), "-f", "csv", "-s", "SL_TLF_CHLDEC",
                  "-a", "BRA", "--source", "unicef_sowc_2023")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _sources_in(one) == ["unicef_sowc_2023"]
    assert "3 observations written" in result.output


def test_export_of_an_unknown_source_is_refused_with_the_nearest(warehouse_url, tmp_path):
    out = tmp_path / "x.csv"
    result = _run(warehouse_url, "export", "-o", str(out), "-f", "csv", "--source", "unicef_sowc")
    assert result.exit_code == 2
    assert "unknown source 'unicef_sowc' (did you mean unicef_sowc_2023" in " ".join(
        result.output.split()
    )
    assert not out.exists()
