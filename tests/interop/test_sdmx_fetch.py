"""Fetching from the ILO, UNICEF and UNSD SDMX services, against a local HTTP server that
answers with recorded responses (tests never leave 127.0.0.1)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sdmx
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

import target87.cli.fetch_cmd  # noqa: F401  (registers `target87 fetch` on the app)
from target87.cli import app
from target87.interop.sdmx_fetch import FetchError, OfflineError, fetch
from target87.interop.sdmx_read import read_sdmx

FIXTURES = Path(__file__).parent / "fixtures" / "sdmx"
ILO_FLOW = "DF_SDG_ALL_SDG_B871_SEX_AGE_RT"
SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
STRUCTURE = "application/vnd.sdmx.structure+xml;version=2.1"


class Recorder(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {}
    seen: list[tuple[str, dict]] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen.append((self.path, dict(self.headers)))
        status, kind, body = self.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):  # keep test output quiet
        pass


@pytest.fixture
def server():
    """A local SDMX service: set ``routes[path] = (status, content type, body)``."""
    handler = type("Handler", (Recorder,), {"routes": {}, "seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.routes, handler.seen
    httpd.shutdown()
    httpd.server_close()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ilo_routes(routes: dict, key: str) -> None:
    structure = f"/dataflow/ILO/{ILO_FLOW}/latest?references=all"
    routes[structure] = (200, STRUCTURE, fixture(f"ilo_{ILO_FLOW}.structure.xml"))
    routes[f"/data/{ILO_FLOW}/{key}"] = (200, SS, fixture(f"ilo_{ILO_FLOW}.xml"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fetch_ilo_saves_the_raw_answer_and_its_structure(server, tmp_path):
    url, routes, seen = server
    key = "BRA+NPL+X01.A..."
    ilo_routes(routes, key)
    path = fetch("ilo", ILO_FLOW, key=key, out_dir=tmp_path, base_url=url)
    assert [p for p, _ in seen] == [
        f"/dataflow/ILO/{ILO_FLOW}/latest?references=all",
        f"/data/{ILO_FLOW}/{key}",
    ]
    assert seen[1][1]["Accept"] == SS  # sdmx1's ILO source asks for structure-specific data
    assert path.read_bytes() == fixture(f"ilo_{ILO_FLOW}.xml")  # byte for byte
    sidecar = path.with_name(path.name.removesuffix(".xml") + ".structure.xml")
    assert sidecar.read_bytes() == fixture(f"ilo_{ILO_FLOW}.structure.xml")
    assert path.name.startswith(f"ilo_{ILO_FLOW}_BRA+NPL+X01.A..._")
    raw = read_sdmx(path, source="ilo_src")
    assert set(raw["series"]) == {"SL_TLF_CHLDEC"}
    assert raw["ref_area"].tolist() == ["BRA", "BRA", "BRA", "NPL", "WLD"]


def test_fetch_unicef_through_a_registered_source(server, tmp_path):
    url, routes, seen = server
    sdmx.add_source({"id": "T87_TEST_UNICEF", "url": url, "name": "local"}, override=True)
    asked = []

    def factory(source_id):
        asked.append(source_id)
        return sdmx.Client("T87_TEST_UNICEF")

    key = "BRA+NPL.PT_CHLD_5-17_LBR_ECON-HC+PT_CHLD_5-17_LBR_ECON."
    routes[f"/data/GLOBAL_DATAFLOW/{key}"] = (200, SS, fixture("unicef_GLOBAL_DATAFLOW.xml"))
    path = fetch("UNICEF", "GLOBAL_DATAFLOW", key=key, out_dir=tmp_path, client_factory=factory)
    assert asked == ["UNICEF"]
    assert [p for p, _ in seen] == [
        "/dataflow/UNICEF/GLOBAL_DATAFLOW/latest?references=all",  # 404 here: not fatal
        f"/data/GLOBAL_DATAFLOW/{key}",
    ]
    assert sorted(p.name.endswith(".structure.xml") for p in tmp_path.iterdir()) == [False]
    raw = read_sdmx(path, source="unicef_src")
    assert raw["series"].tolist() == ["SL_TLF_CHLDEC", "SL_TLF_CHLDEC", "SL_TLF_CHLDEA"]


def test_fetch_unsd_sdg_dataflow_reads_with_the_bundled_dsd(server, tmp_path):
    url, routes, seen = server
    key = "A..SL_TLF_CHLDEC.76+524"
    routes[f"/data/DF_SDG_GLH/{key}"] = (
        200,
        SS,
        fixture("sdg_SL_TLF_CHLDEC_structure_specific.xml"),
    )
    path = fetch("unsd", "DF_SDG_GLH", key=key, out_dir=tmp_path, base_url=url)
    assert seen[0][0] == "/dataflow/IAEG-SDGs/DF_SDG_GLH/latest?references=all"
    raw = read_sdmx(path, source="test_src")
    assert raw["ref_area"].tolist() == ["BRA", "BRA", "BRA", "NPL", "NPL", "NPL"]


def test_http_error_and_size_limit_leave_no_file(server, tmp_path, monkeypatch):
    url, routes, _ = server
    routes[f"/data/{ILO_FLOW}"] = (500, "text/plain", b"boom")
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch("ilo", ILO_FLOW, out_dir=tmp_path, base_url=url)
    assert list(tmp_path.glob("*.xml")) == [] and list(tmp_path.glob("*.part")) == []
    routes[f"/data/{ILO_FLOW}"] = (200, SS, fixture(f"ilo_{ILO_FLOW}.xml"))
    monkeypatch.setenv("TARGET87_MAX_UPLOAD_BYTES", "500")
    with pytest.raises(FetchError, match="over the limit"):
        fetch("ilo", ILO_FLOW, out_dir=tmp_path, base_url=url)
    assert list(tmp_path.iterdir()) == []


def test_offline_is_a_clear_error(tmp_path):
    with pytest.raises(OfflineError, match="^no network: could not reach http://127.0.0.1"):
        fetch("ilo", ILO_FLOW, out_dir=tmp_path, base_url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(ValueError, match="unknown agency 'oecd'"):
        fetch("oecd", "X", out_dir=tmp_path)


def test_cli_fetch_saves_and_exits_3_when_offline(server, tmp_path):
    url, routes, _ = server
    ilo_routes(routes, "BRA.A...")
    runner = CliRunner()
    args = ["fetch", "ilo", ILO_FLOW, "--key", "BRA.A...", "--out", str(tmp_path)]
    result = runner.invoke(app, [*args, "--base-url", url])
    assert result.exit_code == 0, result.output
    assert "Saved" in result.output and len(list(tmp_path.glob("ilo_*_BRA.A..._*Z.xml"))) == 1
    offline = runner.invoke(app, [*args, "--base-url", f"http://127.0.0.1:{closed_port()}"])
    assert offline.exit_code == 3
    assert "no network" in offline.output


def test_cli_fetch_load_adds_a_cited_source(server, tmp_path):
    url, routes, _ = server
    ilo_routes(routes, "BRA+NPL+X01.A...")
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    result = CliRunner().invoke(
        app,
        ["--database-url", db, "fetch", "ilo", ILO_FLOW, "--key", "BRA+NPL+X01.A...",
         "--out", str(tmp_path / "raw"), "--base-url", url, "--load", "--source", "ilo_sdmx"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5 observations loaded for source ilo_sdmx" in result.output
    engine = create_engine(db)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM observation WHERE source='ilo_sdmx'"))
        citation = conn.execute(text("SELECT citation FROM source WHERE id='ilo_sdmx'"))
        assert n.scalar() == 5
        assert citation.scalar().startswith("International Labour Organization (ILO)")
    engine.dispose()
