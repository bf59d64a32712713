"""The charts in Chromium (issue 18, items 3 and 5): the country profile's text shows before any
chart script, without the Vega bundle, whose interactive view comes when the reader reaches
for a chart; the download menu's links answer; the share link reproduces the explorer's view;
the embed page works inside another site's page, calling no other host; and a cold profile
weighs under 300 KB and is drawn within a second."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from tests.web.test_browser import AXE, AXE_REPORTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BUNDLE = "vega-bundle.js"
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "page-weight.json"


def requested(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


def errors_of(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_the_profile_text_shows_before_any_chart_script(new_page):
    page = new_page()
    held = []
    page.route("**/static/charts.js", lambda route: held.append(route))
    page.goto("/countries/BRA?lang=en", wait_until="commit")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main h1")).to_have_text("Brazil")
    expect(page.locator(".chart-title").first).to_be_visible()
    assert held, "charts.js was not asked for"
    assert page.evaluate("typeof window.target87Charts") == "undefined"
    for route in held:
        route.continue_()
    page.wait_for_function("typeof window.target87Charts === 'object'")


def test_the_profile_draws_the_server_images_without_the_vega_bundle(new_page):
    page = new_page()
    urls = requested(page)
    errors = errors_of(page)
    page.goto("/countries/BRA?lang=fr", wait_until="load")
    page.mouse.move(0, 0)
    images = page.locator(".chart-figure img.chart-image")
    assert images.count() >= 2
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle()
        )
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    assert not [u for u in urls if BUNDLE in u], "the Vega bundle was loaded with the profile"
    assert errors == []


def test_reaching_for_a_chart_makes_it_interactive(new_page):
    page = new_page()
    urls = requested(page)
    errors = errors_of(page)
    page.goto("/countries/BRA?lang=en")
    figure = page.locator("#chart-regions-figure")
    figure.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    figure.hover()
    live = page.locator("#chart-regions svg.marks")
    live.wait_for(state="attached", timeout=15_000)
    expect(page.locator("#chart-regions img.chart-image")).to_have_count(0)
    assert [u for u in urls if BUNDLE in u], "the bundle was not loaded on demand"
    bars = page.locator("#chart-regions g.mark-rect.role-mark > *")
    assert bars.count() >= 2
    # A tooltip on a bar: the live view answers the pointer.
    bars.first.hover()
    expect(page.locator("#vg-tooltip-element")).to_have_class(re.compile(r"\bvisible\b"))
    # The keyboard way: the "Interactive" button of another chart.
    other = page.locator("#chart-ratifications-figure button.chart-live")
    other.scroll_into_view_if_needed()
    other.focus()
    page.locator("#chart-ratifications svg.marks").wait_for(state="attached")
    assert errors == []


def test_the_download_menu_links_answer(new_page):
    page = new_page()
    page.goto("/countries/NPL?lang=es")
    menu = page.locator("#chart-regions-figure details.chart-menu")
    menu.locator("summary").click()
    links = menu.locator("a")
    expect(links).to_have_count(4)
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        response = page.request.get(href)
        assert response.status == 200, href
    kinds = [
        page.request.get(links.nth(i).get_attribute("href")).headers["content-type"]
        for i in range(3)
    ]
    assert kinds[0] == "image/png" and kinds[1].startswith("image/svg") and "csv" in kinds[2]
    embed = menu.locator("textarea").input_value()
    assert embed.startswith("<iframe src=") and "/embed/countries/NPL/chart-regions" in embed


def test_the_share_link_reproduces_the_explorer_view(new_page):
    page = new_page()
    page.goto("/explore?series=SL_TLF_CHLDEC&start=2010&end=2019&sex=F&lang=fr")
    controls = ["series", "sex", "age", "start", "end"]
    shown = {
        n: page.locator(f"select[name={n}]").input_value()
        for n in controls
        if page.locator(f"select[name={n}]").count()
    }
    assert shown["series"] == "SL_TLF_CHLDEC" and shown["start"] == "2010" and shown["sex"] == "F"
    share = page.locator("#chart-map-figure a.chart-share").get_attribute("href")
    assert share.endswith("#chart-map")
    other = new_page()
    other.goto(share)
    again = {n: other.locator(f"select[name={n}]").input_value() for n in shown}
    assert again == shown
    expect(other.locator("html")).to_have_attribute("lang", "fr")
    assert other.locator("main h2").first.inner_text() == page.locator("main h2").first.inner_text()


@pytest.fixture
def ministry(tmp_path):
    """Another site on this machine (another origin: its own port), that will frame a chart:
    a plain static server; ``ministry(html)`` publishes its page and returns its address."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        (tmp_path / "index.html").write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{server.server_address[1]}/index.html"

    yield publish
    server.shutdown()
    server.server_close()


def test_the_embed_page_works_inside_another_sites_page(new_page, live_server, ministry):
    page = new_page()
    urls = requested(page)
    errors = errors_of(page)
    src = f"{live_server}/embed/countries/BRA/chart-regions?lang=fr"
    address = ministry(
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        "<link rel='icon' href='data:,'><title>Ministère</title>"
        f"</head><body><h1>Notre tableau de bord</h1><iframe src='{src}' width='800'"
        " height='520' title='graphique'></iframe></body></html>"
    )
    page.goto(address)
    frame = page.frame_locator("iframe")
    expect(frame.locator("h1.chart-title")).to_be_visible()
    expect(frame.locator(".chart-source")).to_contain_text("Source")
    expect(frame.locator(".chart-unit")).to_contain_text("%")
    inner = next(f for f in page.frames if "/embed/" in f.url)
    inner.wait_for_function("document.querySelector('img.chart-image').naturalWidth > 0")
    frame.locator("#chart-regions-figure").hover()
    frame.locator("#chart-regions svg.marks").wait_for(state="attached", timeout=15_000)
    hosts = {urlsplit(u).netloc for u in urls if not u.startswith("data:")}
    assert hosts <= {urlsplit(address).netloc, urlsplit(live_server).netloc}, hosts
    assert errors == []


def test_axe_finds_no_serious_violation_on_the_embed_page(new_page):
    page = new_page(bypass_csp=True)
    page.goto("/embed/countries/BRA/chart-regions?lang=en")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / "embed.json").write_text(json.dumps(results["violations"], indent=1))
    bad = [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad


# Item 5: the weight and speed of a cold country profile.

MEASURE = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return {
        bytes: nav.transferSize + resources.reduce((a, r) => a + r.transferSize, 0),
        html: nav.transferSize,
        resources: resources.map(r => [r.name, r.transferSize]),
        load: nav.loadEventEnd,
        dcl: nav.domContentLoadedEventEnd,
        fcp: fcp ? fcp.startTime : null,
    };
}"""


@pytest.fixture(scope="module")
def cold_server(warehouse_url, tmp_path_factory):
    """A fresh server (empty page and chart caches) on its own copy of the warehouse, with
    vl-convert's engine started as at any server's start."""
    from target87.web.app import create_app
    from tests.web.serving import serve

    copy = tmp_path_factory.mktemp("cold-db") / "warehouse.sqlite"
    shutil.copyfile(make_url(warehouse_url).database, copy)
    app = create_app(f"sqlite:///{copy}")
    with serve(app) as base:
        time.sleep(2)  # the warm-up thread of create_app (vl-convert's first drawing)
        yield base


@pytest.mark.parametrize("code", ["BRA", "NPL"])
def test_a_cold_country_profile_weighs_under_300_kb_without_the_vega_bundle(
    browser, cold_server, code
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{cold_server}/countries/{code}", wait_until="load")
        page.wait_for_function(
            "performance.getEntriesByName('first-contentful-paint').length > 0", timeout=5_000
        )
        first = page.evaluate(MEASURE)
        # Every chart image too, as a reader scrolling down the whole profile gets them.
        for img in page.locator("img.chart-image").all():
            img.scroll_into_view_if_needed()
            page.wait_for_function("i => i.complete", arg=img.element_handle())
        page.wait_for_timeout(200)
        scrolled = page.evaluate(MEASURE)
    finally:
        context.close()
    report = {
        "page": f"/countries/{code}",
        "bytes_at_load": first["bytes"],
        "bytes_after_scrolling": scrolled["bytes"],
        "html_bytes": first["html"],
        "load_ms": round(first["load"]),
        "dom_content_loaded_ms": round(first["dcl"]),
        "first_contentful_paint_ms": round(first["fcp"] or -1),
        "resources": scrolled["resources"],
    }
    print(json.dumps({k: v for k, v in report.items() if k != "resources"}))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    kept[code] = report
    REPORT.write_text(json.dumps(kept, indent=1))
    assert not [r for r, _ in scrolled["resources"] if BUNDLE in r]
    assert scrolled["bytes"] < 300_000, report
    # The time (target: within 1 s) is printed above and measured, against a baseline page,
    # by benchmarks/bench_profile_page.py: a timed assertion would fail on a busy CI machine.
    assert first["fcp"] is not None and first["load"] > 0, report
