"""Issue 18 item 6: screenshots of the main pages at 375 px (a phone) and 1366 px (a laptop),
in English, French and Spanish, written by Chromium into ``docs/screenshots/`` where
``docs/screenshots.md`` shows them, so that a reviewer sees the product without running it.
Each page is checked as it is shot: it answers 200, in its language, with no console error, no
request to another host and every image and chart loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PAGES = {
    "home": "/",
    "countries": "/countries",
    "profile-npl": "/countries/NPL",
    "explorer": "/explore?series=SL_TLF_CHLDEC",
    "sources": "/sources",
}
WIDTHS = {"phone": (375, 812), "laptop": (1366, 900)}
MAX_HEIGHT = 2400  # px: the top of a long page says what it is; the file stays small


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_main_pages_are_shot_for_the_docs(new_page, live_server, lang, width):
    FOLDER.mkdir(parents=True, exist_ok=True)
    w, h = WIDTHS[width]
    page = new_page(viewport={"width": w, "height": h}, locale={"en": "en-US", "fr": "fr-FR",
                                                                 "es": "es-ES"}[lang])  # fmt: skip
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def guard(route):
        url = route.request.url
        if url.startswith(live_server) or url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    for name, path in PAGES.items():
        answer = page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert answer is not None and answer.status == 200, (name, lang)
        page.wait_for_load_state("networkidle")
        # The charts below the fold are lazy images: the shot shows them, so load them now.
        page.evaluate(
            "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
        )
        page.wait_for_function(
            "() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
        )
        assert page.locator("html").get_attribute("lang") == lang
        height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
        target = FOLDER / f"{name}-{width}-{lang}.jpg"
        page.screenshot(
            path=str(target),
            type="jpeg",
            quality=60,
            clip={"x": 0, "y": 0, "width": w, "height": height},
            full_page=True,
        )
        assert target.stat().st_size > 10_000, target  # not a blank page
    assert errors == [] and foreign == []
