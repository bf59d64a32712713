"""The site's frame in Chromium: the API documentation draws and answers from the package
alone, and the navigation stays on one line for a signed-in reader in every language."""

from __future__ import annotations

import shutil

import pytest

from target87.web.app import create_app
from tests.web import test_reporting_support as support
from tests.web.serving import serve

pytestmark = pytest.mark.browser
demo_db = support.demo_db  # fixture


@pytest.fixture(scope="module")
def live_server(demo_db, tmp_path_factory):
    """The site with the demonstration accounts (replaces conftest's server here)."""
    folder = tmp_path_factory.mktemp("site-browser")
    shutil.copyfile(demo_db, folder / "site.sqlite")
    app = create_app(f"sqlite:///{folder / 'site.sqlite'}")
    app.state.secret, app.state.data_dir = support.SECRET, folder / "data"
    with serve(app) as base:
        yield base


def watch(page, base: str) -> list[str]:
    """Console errors, page errors and any request to another host (blocked)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    def guard(route):
        if route.request.url.startswith((base, "data:", "blob:")):
            return route.continue_()
        problems.append(f"request to another host: {route.request.url}")
        return route.abort()

    page.route("**/*", guard)
    return problems


def test_the_api_documentation_draws_and_its_try_it_out_answers(new_page, live_server):
    page = new_page()
    problems = watch(page, live_server)
    page.goto("/api/v1/docs")
    operation = page.locator("#operations-api_v1-list_series_api_v1_series_get")
    operation.wait_for()
    assert page.locator(".opblock-summary-path", has_text="/api/v1/observations").count() == 1
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert "SL_TLF_CHLDEC" in operation.locator(".responses-wrapper").inner_text()
    assert problems == []


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_navigation_of_a_signed_in_reader_stays_on_one_line(new_page, live_server, lang):
    page = new_page(viewport={"width": 1280, "height": 800})
    problems = watch(page, live_server)
    page.goto("/signin")
    page.fill("input[name=email]", support.email("secretariat"))
    page.fill("input[name=password]", support.PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(f"/countries/NPL?lang={lang}")
    assert page.locator(".account .who").inner_text() == "Demo Secretariat Reviewer"
    tops = page.locator(".main-nav a").evaluate_all("links => links.map(a => a.offsetTop)")
    assert len(tops) == 8 and len(set(tops)) == 1, tops  # Library, Reporting; About in the footer
    bar = page.locator(".topbar > *").evaluate_all(
        "items => items.map(e => e.getBoundingClientRect().top)"
    )
    assert max(bar) - min(bar) < 12, bar
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate(
        "() => document.querySelector('header').scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert problems == []
