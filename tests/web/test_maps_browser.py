"""The maps in Chromium (issue 18, item 4): on the explorer's choropleth and the home page's
Pathfinder map, hovering a country shows its tooltip (value, year, source); the wheel zooms
about the pointer, a drag pans, the zoom slider works from the keyboard; the small states
(Singapore, Malta) are symbols one can hover; no console error, nothing from another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.web.test_browser import wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPLORE = "/explore?series=SL_TLF_CHLDEA"
TOOLTIP = "#vg-tooltip-element"


def open_page(new_page, live_server: str, path: str) -> tuple[Page, list[str], list[str]]:
    page = new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    host = urlsplit(live_server).netloc

    def check(route):
        url = route.request.url
        if urlsplit(url).netloc not in ("", host) and not url.startswith("data:"):
            foreign.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", check)
    page.goto(path)
    wait_for_charts(page, timeout=20_000)
    return page, errors, foreign


def shape_box(page: Page, chart: str, name: str, role: str = "geoshape") -> dict:
    """The box of the mark of ``name`` (its aria-label starts with the name)."""
    return page.eval_on_selector_all(
        f'#{chart} path[aria-roledescription="{role}"]',
        """(els, name) => {
            const e = els.find(e => (e.getAttribute("aria-label") || "").startsWith(name + ";"));
            if (!e) return null;
            const r = e.getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height,
                    label: e.getAttribute("aria-label")};
        }""",
        name,
    )


def point_on(page: Page, chart: str, name: str, role: str = "geoshape") -> tuple[float, float]:
    """A point of the page where the topmost element is the mark of ``name``."""
    found = page.eval_on_selector_all(
        f'#{chart} path[aria-roledescription="{role}"]',
        """(els, name) => {
            const e = els.find(e => (e.getAttribute("aria-label") || "").startsWith(name + ";"));
            if (!e) return null;
            const r = e.getBoundingClientRect();
            for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
                const x = r.x + r.width * i / 12, y = r.y + r.height * j / 12;
                if (document.elementFromPoint(x, y) === e) return [x, y];
            }
            return null;
        }""",
        name,
    )
    assert found, f"{name} cannot be pointed at"
    return found[0], found[1]


def hover_tooltip(page: Page, chart: str, name: str, role: str = "geoshape") -> str:
    page.locator(f"#{chart}").scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    x, y = point_on(page, chart, name, role)
    page.mouse.move(x - 1, y)
    page.mouse.move(x, y)
    tooltip = page.locator(f"{TOOLTIP}.visible")
    tooltip.wait_for(state="visible", timeout=5_000)
    return tooltip.inner_text()


def valued_country(page: Page, chart: str) -> str:
    """The largest country on the map with a value (its aria-label names a year)."""
    return page.eval_on_selector_all(
        f'#{chart} path[aria-roledescription="geoshape"]',
        """els => els
            .map(e => ({label: e.getAttribute("aria-label") || "",
                        area: e.getBoundingClientRect().width * e.getBoundingClientRect().height}))
            .filter(e => e.label.includes("Year: "))
            .sort((a, b) => b.area - a.area)[0].label.split(";")[0]""",
    )


def wait_for_change(page: Page, chart: str, name: str, before: dict, key: str) -> dict:
    for _ in range(40):
        now = shape_box(page, chart, name)
        if abs(now[key] - before[key]) > 5:
            return now
        page.wait_for_timeout(100)
    return shape_box(page, chart, name)


def check_map(page: Page, chart: str) -> None:
    page.locator(f"#{chart}").scroll_into_view_if_needed()
    name = valued_country(page, chart)
    # Hover: the tooltip gives the value, the year and the source.
    text = hover_tooltip(page, chart, name)
    assert name in text and "Year" in text and "Source" in text, text

    # The wheel zooms about the pointer: the country grows and stays under it.
    before = shape_box(page, chart, name)
    x, y = point_on(page, chart, name)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -600)
    after = wait_for_change(page, chart, name, before, "width")
    assert after["width"] > 1.5 * before["width"], (before, after)
    assert after["x"] <= x <= after["x"] + after["width"]
    assert after["y"] <= y <= after["y"] + after["height"]

    # A drag pans the map.
    box = page.locator(f"#{chart} svg").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 3
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 40, cy, steps=3)
    page.mouse.move(cx - 80, cy, steps=3)
    page.mouse.up()
    moved = wait_for_change(page, chart, name, after, "x")
    assert moved["x"] == pytest.approx(after["x"] - 80, abs=8), (after, moved)

    # Double-click resets.
    page.mouse.dblclick(cx, cy)
    reset = wait_for_change(page, chart, name, moved, "width")
    assert reset["width"] == pytest.approx(before["width"], rel=0.05)

    # The zoom slider, from the keyboard.
    slider = page.locator(f'#{chart} input[type="range"]')
    slider.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    zoomed = wait_for_change(page, chart, name, reset, "width")
    assert zoomed["width"] > 2 * reset["width"], (reset, zoomed)
    page.keyboard.press("Home")
    back = wait_for_change(page, chart, name, zoomed, "width")
    assert back["width"] == pytest.approx(before["width"], rel=0.05)

    # Small states are symbols on top, with the same tooltip.
    for small in ("Singapore", "Malta"):
        text = hover_tooltip(page, chart, small, role="point")
        assert small in text, text


def test_explorer_map_zooms_pans_and_tells_value_year_and_source(new_page, live_server):
    page, errors, foreign = open_page(new_page, live_server, EXPLORE)
    legend = page.locator("#chart-map g.role-legend").text_content()
    assert "No data" in legend and "–" in legend, legend
    check_map(page, "chart-map")
    assert errors == [] and foreign == [], (errors, foreign)


def test_pathfinder_map_zooms_pans_and_tells_status_year_and_source(new_page, live_server):
    page, errors, foreign = open_page(new_page, live_server, "/")
    text = hover_tooltip(page, "chart-pathfinders", "Brazil")
    assert "Pathfinder" in text and "2025" in text and "Alliance 8.7" in text, text
    check_map(page, "chart-pathfinders")
    assert errors == [] and foreign == [], (errors, foreign)


def test_french_map_writes_classes_with_a_decimal_comma(new_page, live_server):
    page, errors, _ = open_page(new_page, live_server, EXPLORE + "&lang=fr")
    legend = page.locator("#chart-map g.role-legend").text_content()
    assert "Pas de données" in legend and "%" in legend, legend
    assert "Zoom" in page.locator("#chart-map").text_content()
    assert errors == []
