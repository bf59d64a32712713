"""A crawler that presses everything a visitor can reach, for tests/web/test_crawl.py.

Over HTTP (httpx, against the real server) it follows every same-host link of every page,
fetches every asset, and submits the forms a visitor can submit with each option of their
select controls and a sample of their combinations. It records what must never happen: a
5xx answer, an HTML route answering something else, a broken link or asset, an asset or
frame from another host, and, in French and Spanish, text of the English catalogues left on a
page. Pages are grouped by *shape* (path with codes and ids replaced, and the names of the
query parameters): the browser half of the test visits one page of each shape.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from importlib import resources
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

import httpx
from babel.messages.pofile import read_po

from target87.presentation.messages import MESSAGES

# Charts drawn by the server (images of a page) and pages of one chart alone: sampled per
# shape, as files are (see issue 18: /charts/<page>/<id>.svg, /embed/<page>/<id>).
DRAWN_ASSETS = ("/charts/",)
SAMPLED_PAGES = ("/embed/",)
# Answers that are files, not pages: by the address's extension.
FILE_SUFFIXES = (".csv", ".xlsx", ".xml", ".json", ".pdf", ".png", ".svg", ".js", ".css")
HOSTILE = "<script>alert(87)</script>\"'"
CODE_SEGMENT = re.compile(r"^(?:[A-Z]{3}|[A-Z]{2}|\d+|M49_\d+|ILO_[A-Z_]+|WB_[A-Z]+|WLD)$")


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str]  # inputs and selects as the page fills them
    selects: dict[str, list[str]]  # select name -> option values
    checkboxes: list[str]
    texts: list[str]  # text-like inputs a visitor types into
    files: bool
    ticked: dict[str, list[str]] = field(default_factory=dict)  # checkbox name -> its values


@dataclass
class Page:
    links: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    external_assets: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    """Links, assets, forms and the visible texts of one HTML page."""

    ASSET_ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src"}
    TEXT_ATTRS = ("title", "aria-label", "alt", "placeholder")
    VOID = {"input", "img", "br", "meta", "link", "source", "hr"}

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url, self.page = url, Page()
        self._form: Form | None = None
        self._select: str | None = None
        self._skip = 0  # inside <script>/<style>
        self._verbatim = 0  # depth inside an element marked translate="no"
        self._spec: list[str] | None = None  # inside a chart's JSON

    def _href(self, value: str | None) -> str | None:
        if not value or value.startswith(("javascript:", "mailto:", "data:", "#")):
            return None
        return urldefrag(urljoin(self.url, value))[0]

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag not in self.VOID and (self._verbatim or a.get("translate") == "no"):
            self._verbatim += 1
        if a.get("translate") != "no" and not self._verbatim:
            for name in self.TEXT_ATTRS:
                if a.get(name):
                    self.page.texts.append(a[name])
        if tag == "a" and (href := self._href(a.get("href"))):
            self.page.links.append(href)
        elif tag == "link" and (href := self._href(a.get("href"))):
            self.page.assets.append(href)
        elif tag in self.ASSET_ATTRS and (src := self._href(a.get(self.ASSET_ATTRS[tag]))):
            self.page.assets.append(src)
        if tag in ("script", "style"):
            self._skip += 1
            if tag == "script" and "vega-spec" in a.get("class", ""):
                self._spec = []
        elif tag == "form":
            self._form = Form(
                (a.get("method") or "get").lower(),
                urljoin(self.url, a.get("action") or self.url),
                {},
                {},
                [],
                [],
                "multipart" in a.get("enctype", ""),
            )
            self.page.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox":
                self._form.checkboxes.append(a["name"])
                self._form.ticked.setdefault(a["name"], []).append(a.get("value") or "on")
                if "checked" in a:
                    self._form.fields[a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file", "radio"):
                self._form.fields[a["name"]] = a.get("value", "")
                if kind in ("text", "search", "email", "number", "date", "url", "tel"):
                    self._form.texts.append(a["name"])
            elif kind == "file":
                self._form.files = True
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._form.fields[a["name"]] = ""
            self._form.texts.append(a["name"])
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.selects[self._select] = []
            self._form.fields.setdefault(self._select, "")
        elif tag == "option" and self._form is not None and self._select:
            value = a.get("value", "")
            self._form.selects[self._select].append(value)
            if "selected" in a or len(self._form.selects[self._select]) == 1:
                self._form.fields[self._select] = value

    def handle_endtag(self, tag):
        if self._verbatim and tag not in self.VOID:
            self._verbatim -= 1
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
            if self._spec is not None:
                self.page.texts += spec_texts("".join(self._spec))
                self._spec = None
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._spec is not None:
            self._spec.append(data)
        elif not self._skip and not self._verbatim and data.strip():
            self.page.texts.append(data.strip())


def spec_texts(spec_json: str) -> list[str]:
    """The words a chart shows: titles, descriptions, axis and legend titles, text marks."""
    try:
        spec = json.loads(spec_json)
    except ValueError:
        return []
    found: list[str] = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("title", "description", "text", "subtitle"):
            found.append(node)

    walk({k: v for k, v in spec.items() if k not in ("datasets", "data")})
    return found


def parse(url: str, html: str) -> Page:
    parser = _Parser(url)
    parser.feed(html)
    return parser.page


def shape(url: str) -> str:
    """The page's kind: path with codes and ids as {code}, and its query parameters' names."""
    parts = urlsplit(url)
    path = "/".join("{code}" if CODE_SEGMENT.match(s) else s for s in parts.path.split("/"))
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} - {"lang"})
    return path + ("?" + "&".join(names) if names else "")


def is_file(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith(FILE_SUFFIXES) or "/download." in path


def expects_html(url: str) -> bool:
    path = urlsplit(url).path
    if is_file(url) or path.startswith("/static/"):
        return False
    return not path.startswith("/api/") or path.rstrip("/") in ("/api/v1/docs",)


class EnglishLeftovers:
    """Texts of the English catalogues (UI messages and data content) whose translation in
    ``lang`` differs, as patterns; ``find`` lists those left on a page."""

    MIN_LETTERS = 4

    def __init__(self, lang: str) -> None:
        catalog = _catalog("messages", lang)
        english = {text for text in MESSAGES.values() if catalog.get(text, text) != text}
        content = _catalog("content", lang)
        english |= {text for text, tr in content.items() if tr and tr != text}
        self.whole: set[str] = set()
        patterns = []
        for text in english:
            bare = re.sub(r"\{[^}]*\}", "", text)
            if len(re.findall(r"[A-Za-z]", bare)) < self.MIN_LETTERS:
                continue
            if " " not in bare.strip():
                self.whole.add(text)  # one word: only a text that is exactly it
                continue
            if not re.search(r"\b[a-z]{3,}\b", bare):
                continue  # a name or a title ("GEMS 2021", "UNODC GLOTIP"), not a sentence
            pieces = re.split(r"\{[^}]*\}", text)
            patterns.append(".+?".join(re.escape(p) for p in pieces))
        patterns.sort(key=len, reverse=True)
        self.pattern = re.compile("|".join(patterns)) if patterns else None

        # A text's verdict, kept: menus, footers, names and table cells repeat on every page,
        # and the search with the long alternation was most of a crawl's time.
        self._verdicts: dict[str, str | None] = {}

    def find(self, texts: Iterable[str]) -> list[str]:
        found = []
        for text in texts:
            if text not in self._verdicts:
                self._verdicts[text] = self._verdict(text)
            if (hit := self._verdicts[text]) is not None:
                found.append(hit)
        return found

    def _verdict(self, text: str) -> str | None:
        if text in self.whole:
            return text
        if self.pattern is not None and (m := self.pattern.search(text)):
            return m.group(0)
        return None


@cache
def english_leftovers(lang: str) -> EnglishLeftovers:
    """One checker per language for the whole test session (its verdicts are shared)."""
    return EnglishLeftovers(lang)


def _catalog(domain: str, lang: str) -> dict[str, str]:
    path = resources.files("target87") / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as f:
        po = read_po(f, locale=lang)
    return {m.id: m.string for m in po if m.id and isinstance(m.id, str) and m.string}


@dataclass
class Problem:
    kind: str
    url: str
    detail: str
    via: str = ""

    def __str__(self) -> str:
        via = f" (from {self.via})" if self.via else ""
        return f"{self.kind}: {self.url}{via}: {self.detail}"


@dataclass
class Crawl:
    """One visitor (a role, or the public) in one language."""

    client: httpx.Client
    base: str
    lang: str
    per_shape: int | None = None  # pages of one path shape followed (None: all)
    query_per_shape: int = 20  # pages of one shape with a query (the variants of a view)
    files_per_shape: int = 3
    drawn_per_shape: int | None = None  # charts drawn by the server (None: files_per_shape)
    options_per_select: int | None = None  # a select's options pressed (None: all) ...
    sampled: Callable[[Form], bool] = lambda form: True  # ... in the forms this says
    combinations: int = 12  # random combinations of a form's controls
    form_depth: int = 1  # forms pressed on pages reached by at most this many submissions
    post_forms: Callable[[Form], bool] = lambda form: False  # which POST forms to submit
    must_visit: tuple[str, ...] = ()
    seed: int = 87
    problems: list[Problem] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)
    by_shape: dict[str, list[str]] = field(default_factory=dict)
    files: int = 0
    assets: int = 0
    submissions: int = 0
    external_links: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)  # time spent per shape
    requests: dict[str, int] = field(default_factory=dict)  # requests per shape

    def __post_init__(self) -> None:
        self.english = english_leftovers(self.lang) if self.lang != "en" else None
        self._random = random.Random(self.seed)
        self._seen: set[str] = set()
        self._assets_checked: set[str] = set()
        self._drawn: dict[str, int] = {}
        self._pressed: set[tuple] = set()
        self._forms_seen: set[tuple] = set()
        self._options_pressed: set[tuple] = set()

    def run(self, start: str = "/") -> Crawl:
        queue: deque[tuple[str, str, int]] = deque()
        for url in (start, *self.must_visit):
            self._enqueue(queue, urljoin(self.base, url), "", 0, force=True)
        while queue:
            url, via, depth = queue.popleft()
            page = self._get(url, via)
            if page is None:
                continue
            for link in page.links:
                self._enqueue(queue, link, url, depth)
            for form in page.forms:
                if depth <= self.form_depth:
                    for target in self._press(form, url):
                        self._enqueue(queue, target, url, depth + 1, force=True)
        return self

    @property
    def _drawn_limit(self) -> int:
        return self.files_per_shape if self.drawn_per_shape is None else self.drawn_per_shape

    # -- following -------------------------------------------------------------------------

    def _same_host(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.base).netloc

    def _enqueue(self, queue, url: str, via: str, depth: int, force: bool = False) -> None:
        if not self._same_host(url):
            self.external_links.add(url)
            return
        if url in self._seen or urlsplit(url).path == "/signout":
            return
        asked = dict(parse_qsl(urlsplit(url).query)).get("lang")
        if asked is not None and asked != self.lang:
            return  # the language switch: this visitor reads one language
        kind = shape(url)
        known = self.by_shape.setdefault(kind, [])
        if urlsplit(url).path.startswith(DRAWN_ASSETS):
            limit = self._drawn_limit
        elif is_file(url):
            limit = self.files_per_shape
        elif urlsplit(url).path.startswith(SAMPLED_PAGES):
            limit = self.files_per_shape  # one chart alone: the same page for every country
        elif urlsplit(url).query:
            limit = self.query_per_shape
        else:
            limit = self.per_shape
        if not force and limit is not None and len(known) >= limit:
            return
        self._seen.add(url)
        known.append(url)
        if is_file(url):
            self._file(url, via)
        else:
            queue.append((url, via, depth))

    def _answer(self, response: httpx.Response, url: str, via: str) -> bool:
        status = response.status_code
        if status >= 500:
            self.problems.append(Problem("server error", url, f"HTTP {status}", via))
            return False
        if status >= 400:
            self.problems.append(Problem("broken link", url, f"HTTP {status}", via))
            return False
        return True

    def _fetch(self, method: str, url: str, **options) -> httpx.Response:
        """One request; a connection the server closed after an error is opened again once
        (a browser does the same). Its time is added to its shape's."""
        started = time.perf_counter()
        try:
            return self.client.request(method, url, **options)
        except httpx.TransportError:
            return self.client.request(method, url, **options)
        finally:
            kind = shape(url)
            self.seconds[kind] = self.seconds.get(kind, 0.0) + time.perf_counter() - started
            self.requests[kind] = self.requests.get(kind, 0) + 1

    def _file(self, url: str, via: str) -> None:
        self.files += 1
        self._answer(self._fetch("GET", url), url, via)

    def _get(self, url: str, via: str, response: httpx.Response | None = None) -> Page | None:
        """Fetch (or take the answer to a form's POST) and check one page."""
        posted = response is not None
        if response is None:
            response = self._fetch("GET", url, follow_redirects=True)
            url = str(response.url)
        if posted and 400 <= response.status_code < 500:
            pass  # a refused form answers its page with a 4xx on purpose
        elif not self._answer(response, url, via):
            return None
        kind = response.headers.get("content-type", "")
        if response.headers.get("content-disposition", "").startswith("attachment"):
            self.files += 1  # a download (the run report is HTML, but a file to keep)
            return None
        if not kind.startswith("text/html"):
            if expects_html(url):
                self.problems.append(Problem("not HTML", url, kind, via))
            return None
        page = parse(url, response.text)
        self.pages[url] = page
        for asset in page.assets:
            self._asset(asset, url)
        if self.english is not None:
            for text in self.english.find(page.texts):
                self.problems.append(Problem("English text", url, repr(text), via))
        return page

    def _asset(self, url: str, via: str) -> None:
        if not self._same_host(url):
            self.problems.append(Problem("asset from another host", url, "loaded", via))
            return
        if url in self._assets_checked:
            return
        if urlsplit(url).path.startswith(DRAWN_ASSETS):
            # A chart drawn by the server for this page: a sample of each shape is fetched
            # (drawing every country's charts would be most of the crawl, and the same code).
            drawn = self._drawn.setdefault(shape(url), 0)
            if drawn >= self._drawn_limit:
                return
            self._drawn[shape(url)] = drawn + 1
        self._assets_checked.add(url)
        self.assets += 1
        self._answer(self._fetch("GET", url), url, via)

    # -- pressing forms --------------------------------------------------------------------

    def _press(self, form: Form, page_url: str) -> list[str]:
        """Submit ``form``: each option of each select and each checkbox once per kind of form
        (options a later page of the same kind offers anew are pressed there), a sample of
        random combinations and a hostile text the first time; GET answers are returned to be
        crawled, POST answers checked here."""
        if form.method == "post" and not self.post_forms(form):
            return []
        signature = (form.method, urlsplit(form.action).path)  # one kind of form per address
        first = signature not in self._forms_seen
        self._forms_seen.add(signature)
        variants: list[dict[str, str]] = [dict(form.fields)] if first else []
        for name, options in form.selects.items():
            limit = self.options_per_select if self.sampled(form) else None
            if limit is not None and len(options) > limit:
                options = self._random.sample(options, limit)
            for value in options:
                if (signature, name, value) not in self._options_pressed:
                    self._options_pressed.add((signature, name, value))
                    variants.append({**form.fields, name: value})
        for name in form.checkboxes if first else ():
            variants.append({**form.fields, name: form.ticked[name][0]})
        for _ in range(self.combinations if first and form.selects else 0):
            choice = dict(form.fields)
            for name, options in form.selects.items():
                if options:
                    choice[name] = self._random.choice(options)
            for name in form.checkboxes:
                if self._random.random() < 0.5:
                    choice[name] = self._random.choice(form.ticked[name])
            variants.append(choice)
        for name in form.texts[:1] if first else ():
            variants.append({**form.fields, name: HOSTILE})
        targets = []
        for values in variants:
            key = (form.method, form.action, tuple(sorted(values.items())))
            if key in self._pressed:
                continue
            self._pressed.add(key)
            self.submissions += 1
            if form.method == "get":
                query = urlencode([(k, v) for k, v in values.items()])
                targets.append(form.action.split("?")[0] + "?" + query)
            else:
                response = self._fetch("POST", form.action, data=values, follow_redirects=True)
                self._get(form.action, page_url, response)
        return targets
