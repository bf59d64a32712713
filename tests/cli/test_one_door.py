"""The CLI and the API answer one question the same way: codes through ``store.lookup``, the
same CSV columns, the same refusal with the same suggestions (issue 16, item 3)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from target87.cli import app
from target87.cli.common import console
from target87.web.api.routes import create_api_app

runner = CliRunner()


@pytest.fixture(scope="module")
def api(warehouse_url):
    with TestClient(create_api_app(warehouse_url)) as client:
        yield client


def _cli(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args])


def _table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("series", "area"),
    [("sl_tlf_chldec", "br"), ("SL_TLF_CHLDEC", "Népal"), ("ge_chld_lab", "wld")],
)
def test_the_same_question_gets_the_same_csv(warehouse_url, api, series, area):
    cli = _cli(warehouse_url, "query", "-s", series, "-a", area, "--format", "csv")
    assert cli.exit_code == 0, cli.output
    web = api.get("/api/v1/observations", params={"series": series, "area": area, "format": "csv"})
    assert web.status_code == 200, web.text
    assert cli.stdout == web.text  # one writer for both doors: byte for byte
    cli_rows, web_rows = _table(cli.stdout), _table(web.text)
    assert cli.stdout.splitlines()[0] == web.text.splitlines()[0]  # the same columns, in order
    assert "year_from" in cli_rows[0] and "year_to" in cli_rows[0]
    assert len(cli_rows) == len(web_rows) > 0

    def key(r):
        return (r["ref_area"], r["time_period"], r["sex"], r["age"], r["urbanisation"], r["source"])

    for mine, theirs in zip(sorted(cli_rows, key=key), sorted(web_rows, key=key), strict=True):
        assert key(mine) == key(theirs)
        assert float(mine["value"]) == pytest.approx(float(theirs["value"]))


def test_an_unknown_series_is_refused_alike(warehouse_url, api):
    cli = _cli(warehouse_url, "query", "-s", "sl_tlf_chlde", "--format", "csv")
    web = api.get("/api/v1/observations", params={"series": "sl_tlf_chlde"})
    assert cli.exit_code == 2 and web.status_code == 400
    message = web.json()["detail"]
    assert message == "unknown series 'sl_tlf_chlde' (did you mean SL_TLF_CHLDEA, SL_TLF_CHLDEC?)"
    assert message in " ".join(cli.output.split())
    assert web.json()["suggestions"][:2] == ["SL_TLF_CHLDEA", "SL_TLF_CHLDEC"]


def test_an_unknown_area_is_refused_alike(warehouse_url, api):
    cli = _cli(warehouse_url, "query", "-s", "SL_TLF_CHLDEC", "-a", "Nepl")
    web = api.get("/api/v1/observations", params={"series": "SL_TLF_CHLDEC", "area": "Nepl"})
    assert cli.exit_code == 2 and web.status_code == 400
    assert web.json()["detail"] in " ".join(cli.output.split())
    assert web.json()["suggestions"][0] == "NPL"


def test_one_series_and_area_by_any_spelling_in_the_api(api):
    assert api.get("/api/v1/series/sl_tlf_chldec").json()["code"] == "SL_TLF_CHLDEC"
    assert api.get("/api/v1/areas/np").json()["code"] == "NPL"
    assert api.get("/api/v1/areas/Nepal").json()["code"] == "NPL"
    missing = api.get("/api/v1/areas/Nepl")
    assert missing.status_code == 404 and missing.json()["suggestions"][0] == "NPL"


def test_profile_of_an_unknown_area_suggests_the_nearest(warehouse_url):
    result = _cli(warehouse_url, "profile", "Nepl")
    assert result.exit_code == 2
    assert "unknown area 'Nepl' (did you mean NPL" in " ".join(result.output.split())
    made_up = _cli(warehouse_url, "profile", "XYZ")
    assert made_up.exit_code == 2 and "did you mean" in made_up.output


def test_the_table_shows_urbanisation_when_it_tells_rows_apart(warehouse_url, monkeypatch):
    monkeypatch.setattr(console, "width", 200)  # Rich measured the terminal once, at import
    result = _cli(warehouse_url, "query", "-s", "GE_CHLD_LAB", "-a", "WLD")
    assert result.exit_code == 0, result.output
    assert "urbanisation" in result.stdout
    assert "rural" in result.stdout and "urban" in result.stdout
