"""Pages without JavaScript (issue 18): at 320 px wide a wide table scrolls inside its own
box, never the whole page, and that box is a named, focusable region (the server writes it;
ui.js only refines it)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {"country-NPL": "/countries/NPL", "explore": "/explore", "sources": "/sources"}


@pytest.mark.parametrize("name", list(PAGES))
def test_wide_tables_scroll_in_their_box_without_javascript(new_page, name):
    page = new_page(java_script_enabled=False, viewport={"width": 320, "height": 800})
    response = page.goto(PAGES[name])
    assert response is not None and response.status == 200
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{name}: the page is {sizes[0]} px wide at {sizes[1]} px"
    # Every table of the page's main part is in a scroll box a keyboard can reach and a
    # screen reader can name.
    boxes = page.evaluate(
        """() => Array.from(document.querySelectorAll('main table')).map(t => {
            const box = t.closest('.table-scroll');
            if (!box) return 'no box: ' + t.outerHTML.slice(0, 80);
            const named = box.getAttribute('aria-label') || box.getAttribute('aria-labelledby');
            return box.getAttribute('tabindex') === '0' && box.getAttribute('role') === 'region'
                && named ? 'ok' : 'unnamed or unfocusable: ' + box.outerHTML.slice(0, 120);
        })"""
    )
    assert boxes and all(b == "ok" for b in boxes), boxes
    # A scrolling box takes the keyboard's focus (axe: scrollable-region-focusable).
    scrolling = page.locator(".table-scroll").first
    scrolling.focus()
    assert page.evaluate("() => document.activeElement.classList.contains('table-scroll')")
