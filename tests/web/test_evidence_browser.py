"""The evidence section in Chromium, on the demonstration database with the worked examples
and the two invented test studies (tests/evidence/data/web_two_studies.csv): the evidence
base, a study and the analysis page with its model controls pressed (moderators, subgroups,
several effects per study) have no axe violation at 320 and 1366 px, light and dark, in
English, French and Spanish, and nothing scrolls sideways at 320 px; then a sampled crawl of
the section presses every option of the analysis form's selects and its checkboxes and meets
no server error, broken link or English left in French."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from target87.evidence.datasets import load_worked_examples
from target87.evidence.io import import_evidence
from target87.web.app import create_app
from tests.conftest import ROOT
from tests.web.crawler import Crawl
from tests.web.serving import serve
from tests.web.test_browser import wait_for_charts
from tests.web.test_design_browser import axe_violations, sideways_overflow, wide_elements

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEST_STUDIES = ROOT / "tests" / "evidence" / "data" / "web_two_studies.csv"
BCG = "/evidence/analysis?examples=1&measure=RR"
PAGES = {
    "index": "/evidence?examples=1",
    "study": "/evidence/studies/bcg-1",
    "analysis": BCG,
}
NARROW, WIDE = 320, 1366
VIEWS = [("en", NARROW), ("en", WIDE), ("fr", NARROW), ("es", WIDE)]


SECTION = ("/evidence", "/charts/evidence/", "/embed/evidence/")
CHART_FILES = 6


class EvidenceCrawl(Crawl):
    """The crawler kept inside the evidence section (the rest of the site is the main
    crawl's, tests/web/test_crawl.py): other pages of the site are not followed."""

    charts = 0  # chart files fetched: a few (each query is a new shape; test_evidence_pages
    # checks the downloads)

    def _enqueue(self, queue, url: str, via: str, depth: int, force: bool = False) -> None:
        path = urlsplit(url).path
        if self._same_host(url) and not path.startswith(SECTION):
            return
        if path.startswith(SECTION[1:]) and url not in self._seen:
            if self.charts >= CHART_FILES:
                return
            self.charts += 1
        super()._enqueue(queue, url, via, depth, force)

    def _asset(self, url: str, via: str) -> None:
        # A page's server-drawn chart images: the same cap (each query is a new shape).
        if urlsplit(url).path.startswith(SECTION[1:]) and url not in self._assets_checked:
            if self.charts >= CHART_FILES:
                return
            self.charts += 1
        super()._asset(url, via)


@pytest.fixture(scope="module")
def evidence_site(warehouse_url, tmp_path_factory):
    path = tmp_path_factory.mktemp("evidence-browser") / "site.sqlite"
    shutil.copyfile(make_url(warehouse_url).database, path)
    engine = create_engine(f"sqlite:///{path}")
    load_worked_examples(engine)
    import_evidence(engine, TEST_STUDIES)
    engine.dispose()
    app = create_app(f"sqlite:///{path}")
    with serve(app) as base:
        yield base
    app.state.engine.dispose()


@pytest.fixture
def open_page(browser, evidence_site):
    """Factory: a page of the evidence site at a width (axe runs inline: CSP bypassed)."""
    contexts = []

    def make(width: int) -> Page:
        context = browser.new_context(
            base_url=evidence_site,
            locale="en-US",
            viewport={"width": width, "height": 800},
            bypass_csp=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def press_the_model_controls(page: Page) -> None:
    """As a reader: Knapp-Hartung, latitude and design as moderators, subgroups by design,
    a multilevel model with CR2 errors; then the form's button."""
    form = page.locator("form.evidence-filters")
    form.locator("select[name=test]").select_option("knha")
    form.locator("input[name=mods][value=mod_ablat]").check()
    form.locator("input[name=mods][value=design]").check()
    form.locator("select[name=subgroup]").select_option("design")
    form.locator("select[name=several]").select_option("multilevel_cr2")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


@pytest.mark.parametrize(("lang", "width"), VIEWS, ids=[f"{lang}-{w}" for lang, w in VIEWS])
@pytest.mark.parametrize("name", list(PAGES))
def test_evidence_pages_have_no_axe_violation_and_fit_the_width(open_page, name, lang, width):
    page = open_page(width)
    response = page.goto(f"{PAGES[name]}&lang={lang}" if "?" in PAGES[name] else
                         f"{PAGES[name]}?lang={lang}")  # fmt: skip
    assert response is not None and response.status == 200
    if name == "analysis":
        press_the_model_controls(page)
        for section in ("regression", "subgroups", "several"):
            assert page.locator(f"section#{section}").is_visible(), section
        assert "mods=mod_ablat" in page.url and "several=multilevel_cr2" in page.url
        assert page.locator("#analysis-problem").count() == 0
    wait_for_charts(page)
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        report = f"evidence-{name}-{lang}-{width}-{scheme}"
        problems += [f"[{scheme}] {p}" for p in axe_violations(page, report)]
        if width == NARROW and (overflow := sideways_overflow(page)) > 0:
            problems.append(f"[{scheme}] scrolls sideways by {overflow}px: {wide_elements(page)}")
    assert problems == [], f"{name} {lang} {width}px:\n" + "\n".join(problems)


def test_the_pressed_analysis_shows_metafors_numbers(open_page):
    page = open_page(WIDE)
    page.goto(f"{BCG}&lang=en")
    page.locator("form.evidence-filters input[name=mods][value=mod_ablat]").check()
    page.locator("form.evidence-filters select[name=test]").select_option("knha")
    with page.expect_navigation():
        page.locator("form.evidence-filters button[type=submit]").click()
    # metafor: rma(yi, vi, mods = ~ ablat, test = "knha") on dat.bcg: F(1, 11) = 12.5905.
    assert "F(1, 11) = 12.5905" in page.locator("section#regression").inner_text()
    page.locator("form.evidence-filters select[name=subgroup]").select_option("quality")
    with page.expect_navigation():
        page.locator("form.evidence-filters button[type=submit]").click()
    problem = page.locator("#analysis-problem")  # dat.bcg has no quality ratings
    assert problem.is_visible() and "have no value for" in problem.inner_text()


def test_a_sampled_crawl_presses_the_analysis_controls(evidence_site):
    """Only the evidence section, in French (English left is a problem too), sampled: two
    pages of a shape, a few combinations and chart files, the analysis form's every select
    option and each checkbox name once."""
    lang = "fr"
    with httpx.Client(base_url=evidence_site, timeout=30, cookies={"lang": lang}) as client:
        crawl = EvidenceCrawl(
            client,
            evidence_site,
            lang,
            per_shape=1,
            query_per_shape=3,
            files_per_shape=1,
            combinations=2,
            form_depth=0,
            must_visit=(),
        ).run(start=f"{BCG}&lang={lang}")
    visited = [u for urls in crawl.by_shape.values() for u in urls]
    assert crawl.problems == [], "\n".join(map(str, crawl.problems[:20]))
    for pressed in ("several=multilevel_cr2", "several=cr2", "subgroup=design", "mods="):
        assert any(pressed in u for u in visited), pressed
    assert crawl.submissions < 150, crawl.submissions  # sampled, not multiplied
