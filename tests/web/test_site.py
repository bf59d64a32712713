"""The site's frame as a new user meets it: the API documentation served from the package,
HTML pages for unknown addresses and errors (JSON under /api/ only), HEAD, the language switch
that keeps the view, words instead of codes, and short citations instead of source ids."""

from __future__ import annotations

import re
import shutil
import sqlite3
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from target87 import store
from target87.web.app import create_app

LANGS = ["en", "fr", "es"]


@pytest.fixture(scope="module")
def client(warehouse_url):
    with TestClient(create_app(warehouse_url)) as c:
        yield c


class Cells(HTMLParser):
    """Texts of table cells (outside links) and the script/stylesheet addresses of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.assets: list[str] = []
        self.inline_scripts = 0
        self._cell: list[str] | None = None
        self._in_link = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._in_link += 1
        elif tag == "script":
            if a.get("src"):
                self.assets.append(a["src"])
            elif a.get("type") != "application/json":
                self.inline_scripts += 1
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(a["href"])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "a":
            self._in_link -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._in_link:
            self._cell.append(data)


def cells(html: str) -> Cells:
    parser = Cells()
    parser.feed(html)
    return parser


def test_the_api_documentation_is_served_from_the_package_without_inline_script(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    parsed = cells(page.text)
    assert parsed.inline_scripts == 0
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    for asset in parsed.assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    assert any("swagger-ui-bundle.js" in a for a in parsed.assets)
    assert client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/observations"]


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v1", "/docs"])
def test_the_api_and_docs_addresses_lead_to_the_documentation(client, path):
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in (301, 302, 307, 308)
    assert answer.headers["location"] == "/api/v1/docs"


@pytest.mark.parametrize(
    "lang,words", [("en", "Not found"), ("fr", "Introuvable"), ("es", "No encontrado")]
)
def test_an_unknown_address_gets_an_html_page_in_the_readers_language(client, lang, words):
    answer = client.get(f"/no/such/page?lang={lang}")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in answer.text and "/no/such/page" in answer.text
    assert words in answer.text
    assert 'href="/countries"' in answer.text  # the site's navigation, not a dead end


def test_the_api_keeps_json_errors(client):
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404 and answer.json() == {"detail": "Not Found"}
    bad = client.get("/api/v1/observations?limit=banana")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/json"


def test_a_wrong_method_on_a_page_answers_html(client):
    answer = client.post("/about")
    assert answer.status_code == 405 and answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/", "/countries/BRA", "/explore", "/api/v1/series"])
def test_head_answers_as_get_without_a_body(client, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == 200 == got.status_code
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content)


def test_a_server_error_is_a_page_without_a_traceback(warehouse_url, tmp_path):
    path = tmp_path / "broken.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    with sqlite3.connect(path) as connection:  # foreign keys off: the table can go
        connection.execute("DROP TABLE source")  # every source look-up now fails
    with TestClient(create_app(f"sqlite:///{path}"), raise_server_exceptions=False) as c:
        page = c.get("/sources?lang=fr")
        api = c.get("/api/v1/sources")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Une erreur s&#39;est produite" in page.text and "Traceback" not in page.text
    assert "sqlite" not in page.text.lower()
    assert api.status_code == 500 and api.json() == {"error": "internal error"}


def test_the_language_links_keep_the_view(client):
    page = client.get("/explore?series=GE_FORC_LAB&sex=F&lang=en").text
    links = re.findall(r'href="\?([^"]*)" hreflang="(\w+)"', page)
    assert len(links) == 3
    for query, lang in links:
        assert "series=GE_FORC_LAB" in query and "sex=F" in query and f"lang={lang}" in query


@pytest.mark.parametrize("lang", LANGS)
def test_pages_show_words_not_codes_and_short_citations_not_source_ids(client, session, lang):
    ids = {s.id for s in store.sources(session)}
    codes = {"Y5T17", "Y5T14", "Y0T17", "Y_GE18", "_T"}
    paths = ("/", "/countries/NPL", "/countries/BRA", "/explore", "/explore?series=GE_FORC_LAB")
    for path in paths:
        page = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text
        shown = cells(page).cells
        assert not ids & set(shown), (path, ids & set(shown))
        assert not codes & set(shown), (path, codes & set(shown))
        for source in ids & set(re.findall(r'href="[^"]*#src-([\w-]+)"', page)):
            assert re.search(rf'href="[^"]*#src-{source}" title="[^"]+">[^<]+\(\d{{4}}\)</a>', page)
    years = {"en": "5-17 years", "fr": "5-17 ans", "es": "5-17 años"}[lang]
    assert years in client.get(f"/countries/NPL?lang={lang}").text
