"""National reporting in a real browser (Chromium through Playwright, fixtures of
tests/web/conftest.py): the whole journey from a focal point's template with an error to the
value on the public country profile, taking on the way a screenshot of every reporting page
type and running axe-core on it (no serious or critical violation), with no console error
and an XSS payload that never runs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from target87.web.app import create_app
from tests.web import test_reporting_support as support
from tests.web.serving import serve
from tests.web.test_browser import AXE, AXE_REPORTS, assert_vega_marks, wait_for_charts
from tests.web.test_reporting_support import (
    CHLDEC_F,
    CHLDEC_T,
    INSPECTIONS,
    PASSWORD,
    SECRET,
    email,
    fill_template,
    template_row,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
demo_db = support.demo_db  # fixture
PAYLOAD = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture(scope="module")
def live_server(demo_db, tmp_path_factory):
    """The site on its own copy of the demonstration database (this module only: it
    replaces conftest's server, whose database has no accounts)."""

    folder = tmp_path_factory.mktemp("reporting-browser")
    shutil.copyfile(demo_db, folder / "site.sqlite")
    app = create_app(f"sqlite:///{folder / 'site.sqlite'}")
    app.state.secret, app.state.data_dir = SECRET, folder / "data"
    with serve(app) as base:
        yield base


class Watched:
    """A page with its console errors, failed loads and any dialog (an XSS payload that ran)
    recorded. A refused form answers its page with 409, 422 or 429 on purpose, which
    Chromium logs as a failed load of that page: those, and only those, are expected."""

    REFUSALS = (409, 422, 429)

    def __init__(self, page: Page):
        self.page, self.errors, self.dialogs, self.refused = page, [], [], set()
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("response", self._response)

    def _response(self, response) -> None:
        document = response.request.resource_type == "document"
        if document and response.status in self.REFUSALS:
            self.refused.add(response.url)
        elif response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def _console(self, message) -> None:
        if message.type != "error":
            return
        failed_load = message.text.startswith("Failed to load resource")
        if not (failed_load and message.location.get("url") in self.refused):
            self.errors.append(message.text)


AXE_URL = "/static/axe-under-test.js"  # served by the test, from our origin: the CSP holds


class Visitor:
    """One person's browser page: each page type it reaches is screenshotted and checked by
    axe-core (loaded from our origin, so the site's CSP stays on)."""

    def __init__(self, watched: Watched, screenshots: Path, checked: dict):
        self.watched, self.page = watched, watched.page
        self.screenshots, self.checked = screenshots, checked

    def check(self, name: str) -> None:
        """Screenshot and axe the page shown now as page type ``name`` (once per type)."""
        page = self.page
        wait_for_charts(page)
        expect(page.locator("main h1")).to_have_count(1)
        if name in self.checked:
            return
        page.screenshot(path=self.screenshots / f"reporting-{name}.png", full_page=True)
        # Routing only for this request: while a route is set, the browser cache is off.
        page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=str(AXE)))
        page.add_script_tag(url=AXE_URL)
        page.unroute(f"**{AXE_URL}")
        results = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        AXE_REPORTS.mkdir(parents=True, exist_ok=True)
        report = {k: results[k] for k in ("url", "violations")}
        (AXE_REPORTS / f"reporting-{name}.json").write_text(json.dumps(report, indent=1))
        self.checked[name] = [
            f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes'][:3]]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def visit(self, path: str, name: str) -> None:
        self.page.goto(path)
        self.check(name)


def sign_in(new_page, screenshots: Path, checked: dict, local: str) -> Visitor:
    visitor = Visitor(Watched(new_page()), screenshots, checked)
    page = visitor.page
    page.goto("/signin")
    visitor.check("signin")
    page.get_by_label("Email").fill(email(local))
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/reporting$"))
    visitor.check("dashboard")
    return visitor


PAGE_TYPES = {
    "signin", "dashboard", "country", "report", "report-upload-error", "roadmap", "action",
    "indicators", "report-audit", "country-audit", "users", "print",
}  # fmt: skip


def test_the_whole_journey_from_a_template_with_an_error_to_the_public_profile(
    new_page, screenshots, tmp_path
):
    checked: dict[str, list[str]] = {}
    focal = sign_in(new_page, screenshots, checked, "focal.npl")
    page = focal.page
    page.get_by_role("link", name="Nepal", exact=True).first.click()
    focal.check("country")
    page.get_by_label("Open the report for the year").select_option("2024")
    page.get_by_role("button", name="Open report").click()
    page.wait_for_url(re.compile(r"/reporting/reports/\d+$"))
    report_url = page.url
    focal.check("report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template with this draft's values").click()
    blank = Path(download.value.path()).read_bytes()
    values = {
        ("SL_TLF_CHLDEC", "_T", "Y5T17"): 15.3,
        ("SL_TLF_CHLDEC", "F", "Y5T17"): 16.1,
        ("SL_TLF_CHLDEC", "M", "Y5T17"): 14.6,
        ("NAT_LAB_INSP", "_T", "_T"): "many",  # the one error
    }
    upload = tmp_path / "nepal-2024.xlsx"
    upload.write_bytes(fill_template(blank, values))
    page.get_by_label("Filled template (.xlsx)").set_input_files(upload)
    page.get_by_role("button", name="Upload").click()
    problems = page.locator("#template table.problem-table tbody tr")
    expect(problems).to_have_count(1)
    row = template_row(blank, ("NAT_LAB_INSP", "_T", "_T"))
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[:3] == ["data", str(row), "value"] and "many" in cells[4]
    expect(page.locator(f'input[name="value:{CHLDEC_T}"]')).to_have_value("")  # unchanged
    focal.check("report-upload-error")
    upload.write_bytes(fill_template(blank, {**values, ("NAT_LAB_INSP", "_T", "_T"): 1180}))
    page.get_by_label("Filled template (.xlsx)").set_input_files(upload)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text("The template's values were saved.")
    expect(page.locator(f'input[name="value:{CHLDEC_T}"]')).to_have_value("15.3")
    expect(page.locator(f'input[name="value:{INSPECTIONS}"]')).to_have_value("1180")
    narrative = page.locator("#narratives textarea").first
    narrative.fill(f"120 inspectors trained. {PAYLOAD}")
    page.locator("#narratives").get_by_role("button", name="Save the text").first.click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".state").first).to_have_text("submitted")
    focal.visit("/reporting/countries/NPL/roadmap", "roadmap")
    dated = page.locator("table.actions-table tbody tr").count()
    late = page.locator("table.actions-table tbody tr.overdue").count()
    assert dated == 3 and late >= 1  # the demo roadmap: every action has both dates
    assert_vega_marks(page, "#chart-gantt", dated, mark="rect", name="actions_marks")
    assert_vega_marks(page, "#chart-gantt", late, mark="symbol", name="overdue_marks")
    page.locator("table.actions-table a").first.click()
    focal.check("action")

    reviewer = sign_in(new_page, screenshots, checked, "secretariat")
    review = reviewer.page
    review.locator("section", has_text="awaiting review").get_by_role("link", name="Nepal").click()
    comment = "Girls' rate: give the survey it comes from in a footnote."
    review.get_by_label("What must change").fill(comment)
    review.get_by_role("button", name="Return with comments").click()
    expect(review.get_by_role("status")).to_have_text(re.compile("returned to the country"))

    page.goto(report_url)
    expect(page.locator("#comments")).to_contain_text(comment)
    page.locator(f'input[name="value:{CHLDEC_F}"]').fill("16.2")
    page.locator(f'input[name="footnote:{CHLDEC_F}"]').fill("NCLS 2021")
    page.get_by_role("button", name="Save the values").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".state").first).to_have_text("submitted")

    review.goto(report_url)
    review.get_by_role("button", name="Approve").click()
    expect(review.locator(".state").first).to_have_text("approved")
    review.get_by_role("button", name="Publish").click()
    expect(review.locator(".state").first).to_have_text("published")
    reviewer.visit(f"{report_url}/print", "print")
    reviewer.visit(f"{report_url}/audit", "report-audit")
    reviewer.visit("/reporting/countries/NPL/audit", "country-audit")
    reviewer.visit("/reporting/countries/NPL/indicators", "indicators")

    public = Watched(new_page())
    public.page.goto("/countries/NPL")
    source = f"natrep_npl_2024_{report_url.rsplit('/', 1)[1]}"
    line = public.page.locator("main table").first.locator(
        "tr", has=public.page.locator(f'a.cite[href="#src-{source}"]')
    )
    expect(line).to_have_count(1)
    expect(line.locator("td").nth(1)).to_have_text("2024")
    expect(line.locator("td").nth(3)).to_have_text("15.3")
    expect(line.locator("td").nth(4)).to_have_text("16.2")
    expect(public.page.locator(f"#src-{source}")).to_contain_text(
        "Annual national report on SDG Target 8.7: Nepal, 2024"
    )

    admin = sign_in(new_page, screenshots, checked, "admin")
    admin.visit("/reporting/users", "users")
    assert set(checked) == PAGE_TYPES
    bad = [f"{name}: {problem}" for name, found in checked.items() for problem in found]
    assert not bad, "axe-core:\n" + "\n".join(bad)
    for watched in (focal.watched, reviewer.watched, public, admin.watched):
        assert watched.errors == [] and watched.dialogs == []  # the payload never ran
