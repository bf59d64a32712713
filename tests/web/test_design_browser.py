"""The design system in Chromium (issue 18): axe-core finds no violation at all (any impact) on
the public pages at 320 and 1366 px wide, in the light and the dark colour scheme, in English,
French and Spanish; nothing scrolls the page sideways at 320 px; a sortable table sorts by
its number column by mouse and by keyboard; the print stylesheet hides the navigation."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.web.test_browser import AXE, AXE_REPORTS, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {
    "home": "/",
    "countries": "/countries",
    "country-BRA": "/countries/BRA",
    "country-NPL": "/countries/NPL",
    "explore": "/explore",
    "sources": "/sources",
    "about": "/about",
    "risk": "/risk",
}
NARROW, WIDE = 320, 1366
# English at both widths; French and Spanish at one each.
VIEWS = [("en", NARROW), ("en", WIDE), ("fr", NARROW), ("es", WIDE)]


def axe_violations(page: Page, report: str) -> list[str]:
    """axe-core on the page as it is (tests/web/assets/axe.min.js, as test_browser.py runs
    it); every violation, whatever its impact; the results saved under test-artifacts/axe/."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"design-{report}.json").write_text(
        json.dumps({k: results[k] for k in ("url", "violations", "incomplete")}, indent=1)
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in results["violations"]
    ]


def sideways_overflow(page: Page) -> int:
    """How far the document scrolls sideways (0: not at all) and what sticks out."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def wide_elements(page: Page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *')).filter(e => {
            const r = e.getBoundingClientRect();
            return r.right > window.innerWidth + 1 && !e.closest('.table-scroll');
        }).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(
            e.getBoundingClientRect().right))"""
    )


@pytest.mark.parametrize(("lang", "width"), VIEWS, ids=[f"{lang}-{w}" for lang, w in VIEWS])
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_have_no_axe_violation_and_fit_the_width(new_page, name, lang, width):
    # axe is injected as an inline script, which the site's CSP forbids: bypass it for axe.
    page = new_page(bypass_csp=True, viewport={"width": width, "height": 800})
    response = page.goto(f"{PAGES[name]}?lang={lang}")
    assert response is not None and response.status == 200
    wait_for_charts(page)
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += [
            f"[{scheme}] {p}" for p in axe_violations(page, f"{name}-{lang}-{width}-{scheme}")
        ]
        if width == NARROW:
            overflow = sideways_overflow(page)
            if overflow > 0:
                problems.append(
                    f"[{scheme}] scrolls sideways by {overflow}px: {wide_elements(page)}"
                )
    assert problems == [], f"{name} {lang} {width}px:\n" + "\n".join(problems)


def test_the_dark_scheme_turns_the_page_dark_and_keeps_charts_on_a_light_panel(new_page):
    page = new_page(color_scheme="dark")
    page.goto("/?lang=en")
    wait_for_charts(page)
    ground = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert ground == "rgb(18, 20, 22)"
    panels = page.locator("figure:has(.chart)").evaluate_all(
        "figs => figs.map(f => getComputedStyle(f).backgroundColor)"
    )
    assert panels and set(panels) == {"rgb(255, 255, 255)"}


def column(page: Page, index: int) -> list[str]:
    return page.locator("main table.sortable tbody tr").evaluate_all(
        f"rows => rows.map(r => r.cells[{index}].innerText.trim())"
    )


def as_number(values: list[str]) -> list[int]:
    return [int(v) for v in values if v]


def test_a_sortable_table_sorts_by_its_number_column_when_its_header_is_pressed(page):
    page.goto("/countries?lang=en")
    header = page.locator("main table.sortable thead th").nth(1)
    button = header.get_by_role("button", name="M49")
    expect(header).to_have_attribute("aria-sort", "none")
    button.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    ascending = column(page, 1)
    numbers = as_number(ascending)
    assert len(numbers) > 200 and numbers == sorted(numbers)
    assert ascending[-1] == "" or all(ascending)  # blanks last, whatever the direction
    button.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    numbers = as_number(column(page, 1))
    assert numbers == sorted(numbers, reverse=True)
    # One column sorted at a time.
    others = page.locator("main table.sortable thead th[aria-sort='none']")
    expect(others).to_have_count(page.locator("main table.sortable thead th").count() - 1)


@pytest.mark.parametrize("key", ["Enter", " "])
def test_a_sortable_table_sorts_by_keyboard(page, key):
    page.goto("/countries?lang=es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    header = page.locator("main table.sortable thead th").nth(1)
    header.get_by_role("button").focus()
    page.keyboard.press(key)
    expect(header).to_have_attribute("aria-sort", "ascending")
    numbers = as_number(column(page, 1))
    assert numbers == sorted(numbers)
    # The name column, by text, in the page's language: "España" between "Egipto" and "Etiopía".
    name = page.locator("main table.sortable thead th").nth(2)
    name.get_by_role("button").focus()
    page.keyboard.press(key)
    expect(name).to_have_attribute("aria-sort", "ascending")
    expect(header).to_have_attribute("aria-sort", "none")
    names = column(page, 2)
    assert names.index("Egipto") < names.index("España") < names.index("Etiopía")


def test_print_hides_the_navigation_and_forms(page):
    page.goto("/countries?lang=en")
    for selector in (".main-nav", "main form", ".langs"):
        expect(page.locator(selector).first).to_be_visible()
    page.emulate_media(media="print")
    for selector in (".main-nav", "main form", ".langs", "header button, header .account"):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("footer.site-footer")).to_be_visible()
    colour = page.evaluate("() => getComputedStyle(document.body).color")
    assert colour == "rgb(0, 0, 0)"


def test_print_is_black_on_white_in_the_dark_scheme_too(new_page):
    page = new_page(color_scheme="dark")
    page.goto("/sources?lang=en")
    page.emulate_media(media="print", color_scheme="dark")
    body = page.evaluate(
        "() => [getComputedStyle(document.body).color,"
        " getComputedStyle(document.body).backgroundColor]"
    )
    assert body == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    expect(page.locator(".main-nav")).to_be_hidden()


def test_tables_too_wide_for_a_narrow_screen_scroll_in_their_own_box(new_page):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/countries?lang=en")
    box = page.locator("main .table-scroll").first
    expect(box).to_have_class("table-scroll scrolls")
    expect(box).to_have_attribute("tabindex", "0")
    assert sideways_overflow(page) <= 0
    page.set_viewport_size({"width": 1366, "height": 800})
    expect(box).to_have_class("table-scroll fits")
    expect(box).not_to_have_attribute("tabindex", "0")


TABS = """(() => {
  const box = document.createElement("div");
  box.className = "tabs";
  box.setAttribute("data-tabs", "");
  const list = document.createElement("ul");
  for (const [id, name] of [["t-one", "One"], ["t-two", "Two"], ["t-three", "Three"]]) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#" + id;
    a.textContent = name;
    li.append(a);
    list.append(li);
  }
  box.append(list);
  for (const id of ["t-one", "t-two", "t-three"]) {
    const section = document.createElement("section");
    section.id = id;
    const h = document.createElement("h2");
    h.textContent = "Panel " + id;
    section.append(h);
    box.append(section);
  }
  document.querySelector("main").prepend(box);
  window.target87ui.tabs(box);
})()"""


def test_tabs_become_an_aria_tablist_worked_by_arrow_keys(new_page):
    page = new_page(viewport={"width": 320, "height": 800})
    page.goto("/about?lang=en")
    page.wait_for_function("() => window.target87ui !== undefined")
    page.evaluate(TABS)
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(3)
    expect(page.get_by_role("tablist")).to_have_count(1)
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="One")).to_be_visible()
    expect(page.locator("#t-two")).to_be_hidden()
    tabs.nth(0).focus()
    page.keyboard.press("ArrowRight")
    expect(tabs.nth(1)).to_be_focused()
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    expect(tabs.nth(0)).to_have_attribute("tabindex", "-1")
    expect(page.locator("#t-two")).to_be_visible()
    expect(page.locator("#t-one")).to_be_hidden()
    page.keyboard.press("End")
    expect(tabs.nth(2)).to_be_focused()
    page.keyboard.press("ArrowRight")  # wraps round
    expect(tabs.nth(0)).to_be_focused()
    tabs.nth(2).click()
    expect(page.locator("#t-three")).to_be_visible()
    assert page.evaluate("() => location.hash") == "#t-three"
