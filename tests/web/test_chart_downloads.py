"""Every chart of the public pages as a file (issue 18, item 3): its SVG is SVG, its PNG is PNG,
its CSV holds exactly the rows the chart shows, each with its source and full citation; an
unknown chart is a 404 that says so; the embed page shows the chart alone, from this site
only, with the CSP, and may be framed by another site."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import struct
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from target87.presentation import translator
from target87.web.app import create_app

PAGES = [
    "/",
    "/countries/BRA",
    "/countries/NPL",
    "/explore",
    "/explore?series=SL_TLF_CHLDEC&start=2010&sex=F",
    "/explore?series=SL_TLF_CHLDEA&end=2015",
]
LANGS = ["en", "fr", "es"]
FIGURE = re.compile(r'<figure class="chart-figure" id="([^"]+)-figure".*?</figure>', re.S)
HOLDER = re.compile(r'<script type="application/json" class="vega-spec"[^>]*>(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def client(warehouse_url):
    with TestClient(create_app(warehouse_url)) as c:
        yield c


def figures(page: str) -> dict[str, str]:
    """Each chart figure of a page: its id -> its HTML."""
    return {m.group(1): m.group(0) for m in FIGURE.finditer(page)}


def link(figure: str, ext: str) -> str:
    found = re.search(rf'href="(/charts/[^"]+\.{ext}\?[^"]*)"', figure)
    assert found, f"no {ext} link in the figure"
    return html.unescape(found.group(1))


def spec_of(figure: str) -> dict:
    return json.loads(HOLDER.search(figure).group(1))


def shown_rows(spec: dict) -> list[dict]:
    """The rows the spec draws, counted as a reader sees them: each row once (a point and its
    error bar are one row), without the rows of countries the map greys as "no data"."""
    if "/vega/" in spec.get("$schema", ""):
        sets = [d["values"] for d in spec.get("data", []) if isinstance(d.get("values"), list)]
    else:
        sets = list(spec.get("datasets", {}).values())
    seen, rows = set(), []
    for data in sets:
        for row in data:
            if isinstance(row, dict) and "geometry" in row and "properties" in row:
                row = row["properties"]
            row = {k: v for k, v in row.items() if k not in ("dodge", "shown")}
            if "value" in row and row["value"] is None and not row.get("source"):
                continue
            key = json.dumps(row, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def number(text: str) -> float:
    return round(float(text), 6)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_chart_downloads_as_svg_png_and_csv_with_citations(client, path, lang):
    sep = "&" if "?" in path else "?"
    page = client.get(f"{path}{sep}lang={lang}")
    assert page.status_code == 200
    found = figures(page.text)
    assert found, f"no chart on {path}"
    t = translator(lang)
    for chart_id, figure in found.items():
        spec = spec_of(figure)
        # SVG: the chart framed with its title and its source line.
        svg = client.get(link(figure, "svg"))
        assert svg.status_code == 200, (chart_id, svg.text[:300])
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert svg.text.lstrip().startswith("<svg") and svg.text.rstrip().endswith("</svg>")
        assert f"{t('source')}:" in svg.text, chart_id
        # PNG: an image of a readable size (drawn at twice the SVG's).
        png = client.get(link(figure, "png"))
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        width, height = png_size(png.content)
        assert 800 <= width <= 4000 and 150 <= height <= 4000, (chart_id, width, height)
        # CSV: exactly the chart's rows, each with its source and full citation.
        got = client.get(link(figure, "csv"))
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        header, rows = table[0], table[1:]
        assert header[-2:] == [t("source_id"), t("chart_col_citation")]
        expected = shown_rows(spec)
        assert len(rows) == len(expected), (chart_id, len(rows), len(expected))
        for row in rows:
            assert row[-2].strip() and row[-1].strip(), f"{chart_id}: a row without its source"
        values = [c for c, name in enumerate(header) if name.startswith(t("value"))]
        if values and all("value" in r for r in expected):
            shown = Counter(number(r["value"]) for r in expected if r["value"] is not None)
            written = Counter(number(row[values[0]]) for row in rows if row[values[0]])
            assert written == shown, chart_id
        # The row's own source where it has one.
        own = [r.get("source") for r in expected]
        if all(own):
            assert [row[-2] for row in rows] == own, chart_id


def test_the_csv_names_its_columns_in_the_page_language_and_keeps_the_codes(client):
    client.get("/countries/BRA?lang=fr")
    text = client.get("/charts/countries/BRA/chart-regions.csv?lang=fr").content.decode()
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[:2] == ["Zone", "Valeur (%)"]
    text = client.get("/charts/explore/chart-map.csv?series=SL_TLF_CHLDEC&lang=es").text
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[0] == "País M49 (código)"


@pytest.mark.parametrize(
    "address",
    [
        "/charts/countries/BRA/chart-nothing.svg",
        "/charts/countries/XYZ/chart-regions.png",
        "/charts/countries/BRA/chart-regions.gif",
        "/charts/home/chart-nothing.csv",
        "/charts/explore/chart-nothing.svg?series=SL_TLF_CHLDEC",
        "/charts/nowhere/chart-world.svg",
        "/embed/home/chart-nothing",
        "/embed/countries/XYZ/chart-regions",
    ],
)
def test_an_unknown_chart_is_a_404_that_says_which(client, address):
    response = client.get(address + ("&" if "?" in address else "?") + "lang=en")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    if "chart-nothing" in address:
        assert "chart-nothing" in response.text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "address",
    [
        "/embed/countries/BRA/chart-regions",
        "/embed/home/chart-world",
        "/embed/explore/chart-map?series=SL_TLF_CHLDEC&sex=F",
    ],
)
def test_the_embed_page_is_the_chart_alone_framable_and_offline(client, address, lang):
    sep = "&" if "?" in address else "?"
    response = client.get(f"{address}{sep}lang={lang}")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors *" in csp
    assert "x-frame-options" not in response.headers
    text = response.text
    assert "<script>" not in text and " style=" not in text
    # Nothing from another host: every src and stylesheet is this site's.
    for ref in re.findall(r'(?:src|href)="([^"]+)"', text):
        assert not ref.startswith(("http:", "https:", "//")) or ref.startswith(
            "http://testserver/"
        ), ref
    found = figures(text)
    assert len(found) == 1
    figure = next(iter(found.values()))
    t = translator(lang)
    assert 'class="chart-title"' in figure and 'class="chart-unit"' in figure
    assert f"{t('source')}:" in figure and 'class="chart-source"' in figure
    assert t("chart_embed_back") in text
    assert "main-nav" not in text  # the chart alone, not the site's navigation


def test_only_the_embed_pages_may_be_framed(client):
    page = client.get("/countries/BRA")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_each_figure_carries_title_units_source_and_its_menu(client):
    text = client.get("/countries/BRA?lang=en").text
    found = figures(text)
    assert {"chart-regions", "chart-ratifications"} <= set(found)
    for chart_id, figure in found.items():
        assert f'id="{chart_id}-title"' in figure
        assert 'class="chart-source"' in figure, chart_id
        assert '<details class="chart-menu">' in figure
        for ext in ("png", "svg", "csv"):
            assert link(figure, ext)
        share = re.search(r'class="chart-share" href="([^"]+)"', figure).group(1)
        assert share.endswith(f"/countries/BRA?lang=en#{chart_id}")
        embed = re.search(r"<textarea[^>]*>(.*?)</textarea>", figure, re.S).group(1)
        assert html.unescape(embed).startswith('<iframe src="http://testserver/embed/countries/')
        # The profile's charts are the server's images at first (no Vega bundle on load).
        assert re.search(r'<img class="chart-image" src="/charts/[^"]+bare=1"', figure)
    assert "vega-bundle.js" not in re.sub(r'data-bundle="[^"]+"', "", text)


def test_the_explorer_share_link_names_the_whole_view(client):
    text = client.get("/explore?series=SL_TLF_CHLDEC&start=2010&sex=F&lang=fr").text
    share = html.unescape(re.search(r'class="chart-share" href="([^"]+)"', text).group(1))
    for part in ("series=SL_TLF_CHLDEC", "start=2010", "sex=F", "age=", "lang=fr"):
        assert part in share, share
