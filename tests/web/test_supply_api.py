"""The supply-chain API (issue 20, item 6): ``GET /api/v1/supply/footprints`` on the
demonstration system and on a real table configured with ``TARGET87_MRIO`` (pymrio's test
system saved by pymrio, compared with its ``calc_all``), and ``POST /api/v1/supply/screen``
with a real supplier list, a file it cannot read, no file and one over the limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from target87.web.api.routes import create_api_app

API = "/api/v1/supply"
SUPPLIERS = Path(__file__).resolve().parents[1] / "data" / "supply" / "screen" / "suppliers.csv"
CHILD = "child labour, 5-17"


@pytest.fixture
def client(warehouse_url, monkeypatch):
    monkeypatch.delenv("TARGET87_MRIO", raising=False)
    with TestClient(create_api_app(warehouse_url)) as c:
        yield c


def test_footprints_of_the_demonstration_system_say_so(client):
    r = client.get(f"{API}/footprints")
    assert r.status_code == 200 and r.headers.get("etag")
    found = r.json()
    assert found["demonstration"] is True and "SYNTHETIC" in found["origin"]
    child = found["extensions"]["child_labour"]
    assert child["unit"] == {CHILD: "persons"} and child["demonstration"] is True
    assert any("UNICEF" in s for s in child["sources"])
    assert any(a.startswith("DEMONSTRATION") for a in child["assumptions"])
    regions = child["stressors"][CHILD]
    assert set(regions["CIV"]) == {"D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg"}
    total = {k: sum(v[k] for v in regions.values()) for k in regions["CIV"]}
    assert total["D_cba_reg"] == pytest.approx(
        total["D_pba_reg"] + total["D_imp_reg"] - total["D_exp_reg"], rel=1e-9
    )


def test_footprints_of_one_region_and_unknown_names(client):
    one = client.get(f"{API}/footprints", params={"extension": "child_labour", "region": "GHA"})
    assert one.status_code == 200
    assert list(one.json()["extensions"]["child_labour"]["stressors"][CHILD]) == ["GHA"]
    bad = client.get(f"{API}/footprints", params={"extension": "water"})
    assert bad.status_code == 404 and bad.json()["value"] == "water"
    assert "child_labour" in bad.json()["detail"]
    bad = client.get(f"{API}/footprints", params={"region": "ATL"})
    assert bad.status_code == 404 and bad.json()["value"] == "ATL"


def test_a_real_table_configured_by_env_is_read_and_equals_pymrio(
    warehouse_url, monkeypatch, tmp_path
):
    import pymrio

    system = pymrio.load_test()
    system.save_all(tmp_path / "testmrio")
    system.calc_all()
    monkeypatch.setenv("TARGET87_MRIO", str(tmp_path / "testmrio"))
    with TestClient(create_api_app(warehouse_url)) as c:
        found = c.get(f"{API}/footprints", params={"extension": "emissions"}).json()
    assert found["origin"].startswith("pymrio folder") and "not ISO3" in found["notes"][0]
    got = found["extensions"]["emissions"]["stressors"]["emission_type1 / air"]
    for key in ("D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg"):
        want = getattr(system.emissions, key).loc[("emission_type1", "air")]
        for region, value in want.items():
            assert got[region][key] == pytest.approx(float(value), rel=1e-10), (key, region)


def test_screen_ranks_the_listed_cocoa_first_with_reasons_and_sources(client):
    files = {"file": ("suppliers.csv", SUPPLIERS.read_bytes(), "text/csv")}
    r = client.post(f"{API}/screen", files=files, params={"lang": "es"})
    assert r.status_code == 200, r.text
    lines = r.json()["lines"]
    assert lines[0]["supplier"] == "Abidjan Cocoa Traders" and lines[0]["country"] == "CIV"
    flag = lines[0]["flags"][0]
    assert flag["source"] == "ilab_tvpra_2022" and "Departamento de Trabajo" in flag["reason"]
    assert [line["rank"] for line in lines] == list(range(1, 11))


def test_screen_refusals_say_why(client):
    bad = {"file": ("bad.csv", b"supplier,nation,commodity\nA,Ghana,cocoa\n", "text/csv")}
    r = client.post(f"{API}/screen", files=bad)
    assert r.status_code == 400 and "bad.csv, row 1" in r.json()["detail"]
    r = client.post(f"{API}/screen", data={"x": "1"})  # url-encoded, no file
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    r = client.post(f"{API}/screen", files={"other": (None, b"1")})
    assert r.status_code == 400 and "multipart field 'file'" in r.json()["detail"]
    big = {"file": ("big.csv", b"x" * (51 * 1024 * 1024), "text/csv")}
    r = client.post(f"{API}/screen", files=big)
    assert r.status_code == 413 and "over the limit of 50 MB" in r.json()["detail"]


def test_a_configured_table_that_cannot_be_read_is_said_not_hidden(
    warehouse_url, monkeypatch, tmp_path
):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "Z.csv").write_text("region,sector\nCIV,A01_02\n", encoding="utf-8")
    monkeypatch.setenv("TARGET87_MRIO", str(tmp_path / "broken"))
    with TestClient(create_api_app(warehouse_url)) as c:
        found = c.get(f"{API}/footprints").json()
    assert found["demonstration"] is True  # the demonstration system instead, and why
    assert any("TARGET87_MRIO=" in n and "could not be read" in n for n in found["notes"])


def test_openapi_describes_both_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    params = {p["name"] for p in paths[f"{API}/footprints"]["get"]["parameters"]}
    assert params == {"extension", "region"}
    body = paths[f"{API}/screen"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["required"] == ["file"]


def test_a_real_table_configured_gives_the_screen_its_embodied_intensity(
    warehouse_url, monkeypatch, tmp_path
):
    from tests.cli.test_supply_cli import _plain_folder

    monkeypatch.setenv("TARGET87_MRIO", str(_plain_folder(tmp_path)))
    listed = (
        "supplier,country,commodity,spend,sector\n"
        "Abidjan Cocoa,CIV,cocoa beans,100,A01_02\n"
        "Paris Sugar,France,sugar,50,C10T12\n"
    )
    with TestClient(create_api_app(warehouse_url)) as c:
        r = c.post(f"{API}/screen", files={"file": ("s.csv", listed.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    cocoa = next(line for line in r.json()["lines"] if line["supplier"] == "Abidjan Cocoa")
    found = [f for f in cocoa["flags"] + cocoa["context"] if f["kind"] == "intensity"]
    assert len(found) == 1 and found[0]["source"].startswith("input-output table (")
    assert "A01_02" in found[0]["reason"] and "M of child_labour" in found[0]["source"]


def test_the_demonstration_system_never_flags_a_supplier(client):
    listed = b"supplier,country,commodity,spend,sector\nA,CIV,cocoa beans,1,Agriculture\n"
    r = client.post(f"{API}/screen", files={"file": ("s.csv", listed, "text/csv")})
    line = r.json()["lines"][0]
    assert all(f["kind"] != "intensity" for f in line["flags"] + line["context"])
