"""The roadmap's timeline as a chart a reader takes away (issue 18), but private: its PNG, SVG
and CSV go to readers who may read that roadmap (checked as the page checks it), never to the
public nor to a focal point of another country; it has no embed page; the page shows the
menu in the reader's language."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from target87 import reporting
from target87.presentation import translator
from target87.web.reporting.roadmap import gantt_rows
from tests.web import test_reporting_support as support

demo_db, site = support.demo_db, support.site  # fixtures

PAGE = "/reporting/countries/NPL/roadmap"
FILES = "/charts/reporting/countries/NPL/roadmap/chart-gantt"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def dated_actions(site, lang: str = "en") -> list[dict]:
    """The roadmap's dated actions, as the page's table lists them."""
    with site.db() as s:
        commitments = reporting.roadmap(s, reporting.Actor.command_line(), "NPL")
        frame, _ = gantt_rows(commitments, date.today(), translator(lang))
    return frame.to_dict("records")


def menu_links(html: str) -> dict[str, str]:
    menu = re.search(r'<details class="chart-menu">(.*?)</details>', html, re.S)
    assert menu, "no download menu on the roadmap page"
    hrefs = re.findall(r'href="([^"]+)"', menu.group(1))
    return {h.split("?")[0].rsplit(".", 1)[-1] if "/charts/" in h else "share": h for h in hrefs}


@pytest.mark.parametrize("role", ["focal.npl", "viewer.npl"])
def test_a_reader_of_the_roadmap_downloads_its_chart_as_csv_svg_and_png(site, role):
    expected = dated_actions(site)
    assert expected, "the demo roadmap of Nepal has dated actions"
    client = site.client(role)
    page = client.get(PAGE)
    assert page.status_code == 200
    links = menu_links(page.text)
    assert set(links) == {"png", "svg", "csv", "share"}
    assert links["share"].endswith(f"{PAGE}?lang=en#chart-gantt")
    assert "<iframe" not in page.text and "/embed/" not in page.text  # nothing to embed

    data = client.get(links["csv"].replace("&amp;", "&"))
    assert data.status_code == 200 and data.headers["content-type"].startswith("text/csv")
    assert data.headers["cache-control"] == "private, no-store"
    rows = list(csv.DictReader(io.StringIO(data.content.decode("utf-8-sig"))))
    shown = [r for r in rows if r["Part of the chart"] == "action, from its start to its due date"]
    got = sorted((r["Action"], r["Commitment"], r["Owner"], r["Start"], r["Due"]) for r in shown)
    keys = ("action", "commitment", "owner", "start", "due")
    want = sorted(tuple(a[k] for k in keys) for a in expected)
    assert got == want  # each dated action once (its overdue marker is the same row)
    overdue = {r["Action"] for r in shown if r["overdue"] == "True"}
    assert overdue == {a["action"] for a in expected if a["overdue"]}
    assert all("Roadmap of Nepal as recorded in target87" in r["Full citation"] for r in rows)
    (today,) = [r for r in rows if r["Part of the chart"] == "today"]
    assert today["today"] == date.today().isoformat()

    svg = client.get(links["svg"].replace("&amp;", "&"))
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Roadmap of Nepal" in svg.text and expected[0]["action"][:20] in svg.text
    png = client.get(links["png"].replace("&amp;", "&"))
    assert png.status_code == 200 and png.content.startswith(PNG_MAGIC)
    assert png.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("fmt", ["csv", "svg", "png"])
def test_the_public_and_another_countrys_focal_point_get_no_file(site, fmt):
    secret = dated_actions(site)[0]["action"]
    allowed = site.client("focal.npl").get(f"{FILES}.{fmt}?lang=en")
    assert allowed.status_code == 200  # the same address works for a reader of the roadmap
    for who in (None, "focal.uga"):
        answer = site.client(who).get(f"{FILES}.{fmt}?lang=en")
        assert answer.status_code in (403, 404), (who, answer.status_code)
        assert secret not in answer.text and "chart-gantt" not in answer.text
        assert not answer.content.startswith(PNG_MAGIC)


def test_the_roadmap_chart_has_no_embed_page(site):
    client = site.client("focal.npl")
    assert client.get("/embed/reporting/countries/NPL/roadmap/chart-gantt").status_code == 404


@pytest.mark.parametrize(
    ("lang", "menu", "csv_word", "part"),
    [
        ("fr", "Télécharger", "Partie du graphique", "action, de son début à son échéance"),
        ("es", "Descargar", "Parte del gráfico", "acción, desde su inicio hasta su fecha límite"),
    ],
)
def test_the_menu_and_the_csv_speak_the_readers_language(site, lang, menu, csv_word, part):
    client = site.client("focal.npl")
    page = client.get(f"{PAGE}?lang={lang}").text
    links = menu_links(page)
    summary = re.search(r'<details class="chart-menu">\s*<summary>([^<]+)<', page).group(1)
    assert menu in summary and summary == translator(lang)("chart_menu")
    assert f"lang={lang}" in links["csv"]
    data = client.get(links["csv"].replace("&amp;", "&")).content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(data)))
    assert csv_word in header and translator(lang)("action") in header
    assert part in data
