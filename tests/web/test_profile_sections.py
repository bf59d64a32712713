"""Issue 18 item 2 on the pages: the dashboard and a country profile lead with headline cards
(latest value, year, source, change, status), a profile's sections are reachable from its
table of contents (every entry a section of the page), and the risk and reporting rooms are
linked when they hold something public for the country; in English, French and Spanish."""

from __future__ import annotations

import re

import pytest

from tests.cli.test_map_cli import run
from tests.web import test_reporting_support as support
from tests.web.conftest import publish_synthetic_risk_run
from tests.web.test_crawl import _seed_reporting

demo_db, site = support.demo_db, support.site  # fixtures
CARD = re.compile(r'<li class="card[^"]*">(.*?)</li>', re.S)


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_dashboard_leads_with_world_headline_cards(site, lang):
    client = site.client()
    client.cookies.set("lang", lang)
    page = client.get("/").text
    cards = [words(c) for c in CARD.findall(page)]
    assert len(cards) == 4
    assert page.index('class="headlines"') < page.index('id="chart-world"')  # answer first
    rate = cards[0]
    assert "2024" in rate and {"en": "7.8 %", "fr": "7,8 %", "es": "7,8 %"}[lang] in rate
    assert {"en": "since", "fr": "depuis", "es": "desde"}[lang] in rate
    assert "ILO and UNICEF (2025)" in rate  # the source line
    assert 'class="status status-' in page


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_every_table_of_contents_entry_is_a_section_of_the_profile(site, lang):
    client = site.client()
    client.cookies.set("lang", lang)
    for code in ("NPL", "BRA", "ATA"):
        page = client.get(f"/countries/{code}").text
        toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
        targets = re.findall(r'href="#([\w-]+)"', toc)
        assert len(targets) >= 9
        for target in targets:
            assert f'id="{target}"' in page, (code, target)


def test_a_single_value_is_said_in_words_not_drawn_as_a_lone_point(site, tmp_path):
    rows = tmp_path / "one.csv"
    rows.write_text(
        "series,ref_area,time_period,sex,age,urbanisation,value,unit,unit_mult,obs_status,"
        "reporting_type,source\nSL_TLF_CHLDEC,ABW,2022,_T,Y5T17,_T,4.2,PT,0,A,N,aruba_cbs\n",
        encoding="utf-8",
    )
    added = run(site.url, "add-source", "aruba_cbs", "--publisher", "CBS Aruba", "--title",
                "Survey", "--licence", "CC BY 4.0")  # fmt: skip
    assert added.exit_code == 0, added.output
    loaded = run(site.url, "load", str(rows))
    assert loaded.exit_code == 0, loaded.output
    page = site.client().get("/countries/ABW").text
    assert 'id="chart-SL_TLF_CHLDEC"' not in page  # no chart of one dot
    card = words(CARD.findall(page)[0])
    assert "4.2 %" in card and "2022" in card and "One value only" in card
    nepal = site.client().get("/countries/NPL").text  # three values of one year: drawn
    assert "chart-SL_TLF_CHLDEC" in nepal


def test_published_risk_runs_and_reports_are_linked_from_the_profile(site, tmp_path):
    before = site.client().get("/countries/BRA").text
    assert "No risk identification has been published" in before
    run_id = publish_synthetic_risk_run(site.url, tmp_path / "risk")
    _seed_reporting(site.url)
    public = site.client()
    brazil = public.get("/countries/BRA?fresh=1").text
    assert f'href="/risk/{run_id}"' in brazil and "badge-synthetic" in brazil
    assert public.get(f"/risk/{run_id}").status_code == 200
    nepal = public.get("/countries/NPL?fresh=1").text
    link = re.search(r'href="(/reporting/reports/\d+)">National report 2024', nepal)
    assert link, words(nepal)[-2000:]
    assert public.get(link.group(1)).status_code == 200  # the public may read it
    assert "National report 2025" not in nepal  # the open draft is not linked
