"""Press everything: a crawler visits the whole reachable site as the public and as each role,
in English, French and Spanish, and fails on any 5xx, any HTML route answering something else,
any broken link or asset, any request to another host, any console error, and any English
catalogue text left on a French or Spanish page.

The site: the bundled data, the reporting demonstration (accounts of every role, a roadmap, a
report for Nepal with values, one published report) and a published synthetic CLRISK run. Over
HTTP every link is followed; pages of one shape (say /countries/{code}) are all followed for the
public in English and sampled for the other visitors. Forms are submitted with each option of
their select controls and a sample of their combinations (GET forms, and the public sign-in
form). Then Chromium opens one page of every shape each visitor met, in each language, with
every request to another host blocked and recorded. The test prints what it visited.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from target87 import reporting
from target87.evidence.datasets import load_worked_examples
from target87.evidence.starter import load_starter
from target87.library import practices, records, services
from target87.library.catalogue import load_catalogue
from target87.web.app import create_app
from target87.web.site.visitors import SESSION_COOKIE
from tests.web import test_reporting_support as support
from tests.web.conftest import publish_synthetic_risk_run
from tests.web.crawler import Crawl, expects_html, shape
from tests.web.serving import serve
from tests.web.test_browser import wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.slow]
demo_db = support.demo_db  # fixture
LANGS = ("en", "fr", "es")
ROLES = (None, "admin", "secretariat", "focal.npl", "viewer.npl")  # None: the public
# Pages of these shapes are followed whatever the sampling: the special cases of the data.
MUST_VISIT = (
    "/countries/XKX",  # Kosovo: no ISO3 in Natural Earth
    "/countries/NPL",  # a Pathfinder with surveys, a roadmap and a published national report
    "/countries/ATA",  # no data at all
    "/explore?series=VC_HTF_DETVOP&sex=F",
)


def _seed_reporting(url: str) -> None:
    """A report for Nepal, 2024, with values, submitted, approved and published, and an open
    draft for 2025: the reporting pages of every state exist."""
    engine = create_engine(url)
    with Session(engine) as s:
        focal = reporting.find_user(s, support.email("focal.npl"))
        secretariat = reporting.find_user(s, support.email("secretariat"))
        as_focal = reporting.Actor(focal, "127.0.0.1")
        as_secretariat = reporting.Actor(secretariat, "127.0.0.1")
        report = reporting.open_report(s, as_focal, "NPL", 2024)
        reporting.save_values(
            s,
            as_focal,
            report.id,
            {support.CHLDEC_T: "15.3", support.CHLDEC_F: "16.1", support.INSPECTIONS: "120"},
            expected_version=report.version,
        )
        report = reporting.submit(
            s, as_focal, report.id, reporting.get_report(s, as_focal, report.id).version
        )
        report = reporting.approve(s, as_secretariat, report.id, report.version)
        reporting.publish(s, as_secretariat, report.id, report.version)
        reporting.open_report(s, as_focal, "NPL", 2025)
    engine.dispose()


def _seed_library(engine) -> None:
    """What `init` ships (the library's starter catalogue, the starter evidence base) and a
    published good practice and directory entry for Nepal, plus a draft of each: the library's
    search, facets, record pages and review queues have something to show to every role."""
    load_catalogue(engine)
    load_starter(engine)
    with Session(engine) as s:
        operator = reporting.Actor.command_line()
        practice = {
            "title": "Labour inspection brigades in brick kilns",
            "country": "NPL",
            "language": "en",
            "intervention": "Joint labour inspection",
            "intervention_type": None,
            "target_group": "Children working in brick kilns",
            "what_was_done": "Mobile inspection brigades visited kilns in the season.",
            "results": "Children were withdrawn and referred to schools.",
            "lessons": "Inspect during the firing season, with child protection officers.",
            "themes": "child_labour",
        }
        service = {
            "name": "Child helpline 1098",
            "country": "NPL",
            "language": "en",
            "service_type": "hotline",
            "description": "A free helpline for children at risk, open day and night.",
            "phone": "1098",
            "source": "Crawl test data",
            "checked_on": "2026-11-01",
        }
        for kind, module, data in (
            (practices.KIND, practices, practice),
            (services.KIND, services, service),
        ):
            published = module.create(s, operator, data)
            records.move(s, operator, kind, published.id, "submit")
            records.move(s, operator, kind, published.id, "publish")
            module.create(s, operator, {**data, "title" if "title" in data else "name": "Draft"})


@pytest.fixture(scope="module")
def site(demo_db, tmp_path_factory):
    """The demonstration database with a published report, a published risk run and the
    evidence room's worked examples (so the evidence browser, its study pages and its analyses
    have data to show: ``/evidence`` links to ``?examples=1``)."""
    folder = tmp_path_factory.mktemp("crawl")
    shutil.copyfile(demo_db, folder / "site.sqlite")
    url = f"sqlite:///{folder / 'site.sqlite'}"
    _seed_reporting(url)
    publish_synthetic_risk_run(url, folder / "risk")
    engine = create_engine(url)
    load_worked_examples(engine)
    _seed_library(engine)
    engine.dispose()
    app = create_app(url)
    app.state.secret, app.state.data_dir = support.SECRET, folder / "data"
    with serve(app) as base:
        yield base


def signed_in_client(base: str, role: str | None, lang: str) -> httpx.Client:
    """A client of ``role`` reading ``lang``, signed in through the sign-in form itself."""
    client = httpx.Client(base_url=base, timeout=60)
    client.cookies.set("lang", lang)
    if role is not None:
        form = client.get("/signin")
        answer = client.post(
            "/signin",
            data={
                "csrf": support.csrf_of(form.text),
                "email": support.email(role),
                "password": support.PASSWORD,
            },
        )
        assert answer.status_code == 303, (role, answer.status_code, answer.text[:300])
        assert client.cookies.get(SESSION_COOKIE)
    return client


def crawl(base: str, role: str | None, lang: str) -> Crawl:
    """The public: every option of every public form in each language, and every page of every
    shape in English (a sample of each shape in French and Spanish). A role: in English a
    sample of two options a select of each form (the public forms give the same pages but for
    the header; its own forms' options are the same pages for other countries or years), and a
    sample of each shape."""
    everything = role is None and lang == "en"
    # A role in French or Spanish: every shape of page it can reach, each once or twice, and
    # one option of each select (its words are the same on every page of a shape; the values
    # behind the options were pressed by the same role in English); the server's chart
    # drawings, the same for every visitor, were fetched by the public in that language.
    thin = role is not None and lang != "en"
    client = signed_in_client(base, role, lang)
    try:
        return Crawl(
            client,
            base,
            lang,
            per_shape=None if everything else (2 if thin else 4),
            query_per_shape=20 if everything else (4 if role is None else (1 if thin else 2)),
            files_per_shape=3 if everything else 1,
            drawn_per_shape=0 if thin else None,  # the same drawing as the public's
            combinations=16 if everything else (4 if role is None else (0 if thin else 1)),
            options_per_select=None if role is None else (1 if thin else 2),
            post_forms=(lambda form: form.action.endswith("/signin"))
            if role is None
            else (lambda form: False),
            must_visit=MUST_VISIT,
        ).run()
    finally:
        client.close()


@pytest.fixture(scope="module")
def crawls(site) -> dict[tuple, Crawl]:
    done = {}
    for role in ROLES:
        for lang in LANGS:
            done[(role, lang)] = crawl(site, role, lang)
    return done


def test_every_page_link_asset_and_form_answers_as_it_should(crawls, capsys):
    problems, lines = [], []
    for (role, lang), c in crawls.items():
        problems += [f"[{role or 'public'} {lang}] {p}" for p in c.problems]
        lines.append(
            f"{role or 'public':12} {lang}: {len(c.pages):4} pages of {len(c.by_shape):3} "
            f"shapes, {c.files:3} files, {c.assets:2} assets, {c.submissions:4} form "
            f"submissions, {len(c.external_links):3} links to other hosts (not followed)"
        )
    slowest: dict[str, list] = {}
    for c in crawls.values():
        for kind, seconds in c.seconds.items():
            total = slowest.setdefault(kind, [0.0, 0])
            total[0] += seconds
            total[1] += c.requests[kind]
    top = sorted(slowest.items(), key=lambda item: -item[1][0])[:8]
    lines.append(
        "slowest shapes: " + ", ".join(f"{k} {s:.0f} s / {n} requests" for k, (s, n) in top)
    )
    with capsys.disabled():
        print("\ncrawl over HTTP:\n  " + "\n  ".join(lines))
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems))[:80])
    public = crawls[(None, "en")]
    assert len(public.pages) > 400  # every country, the explorer's series and options, ...
    for role in ROLES[1:]:
        assert any(shape(u).startswith("/reporting") for u in crawls[(role, "en")].pages), role
    for lang in LANGS:  # the upload form is linked from the administrator's dashboard
        assert any(shape(u) == "/reporting/upload" for u in crawls[("admin", lang)].pages), lang


def test_every_shape_of_page_in_the_browser_has_no_console_error_nor_foreign_request(
    crawls, browser, site, capsys
):
    """One page of each shape per visitor and language (the public's shapes once per language,
    a role's own shapes once per language), every explorer series for the public."""
    seen: set[tuple[str, str]] = set()
    problems, visited = [], 0
    for (role, lang), c in crawls.items():
        urls = []
        for kind, members in sorted(c.by_shape.items()):
            html = [u for u in members if expects_html(u) and u in c.pages]
            if not html or (kind, lang) in seen:
                continue
            seen.add((kind, lang))
            urls.append(html[0])
        if role is None:
            urls += [u for u in c.pages if shape(u) == "/explore?series" and u not in urls]
        problems += visit_in_browser(browser, site, role, lang, urls)
        visited += len(urls)
    with capsys.disabled():
        print(f"\nbrowser: {visited} pages opened in Chromium")
    assert not problems, "\n".join(problems[:60])
    assert visited > 60


def visit_in_browser(browser, base: str, role: str | None, lang: str, urls: list[str]):
    context = browser.new_context(base_url=base, locale="en-US")
    context.set_default_timeout(15_000)
    cookies = [{"name": "lang", "value": lang, "url": base}]
    if role is not None:
        client = signed_in_client(base, role, lang)
        token = client.cookies.get(SESSION_COOKIE)
        client.close()
        cookies.append({"name": SESSION_COOKIE, "value": token, "url": base})
    context.add_cookies(cookies)
    problems: list[str] = []
    host = base.split("//", 1)[1]

    def guard(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or url.split("//", 1)[-1].startswith(host):
            return route.continue_()
        problems.append(f"[{role or 'public'} {lang}] request to another host: {url}")
        return route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    current = {"url": ""}
    tag = f"[{role or 'public'} {lang}]"
    page.on(
        "console",
        lambda m: (
            problems.append(f"{tag} console {m.type} on {current['url']}: {m.text}")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"{tag} page error on {current['url']}: {e}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{tag} HTTP {r.status} for {r.url} on {current['url']}")
            if r.status >= 400
            else None
        ),
    )
    try:
        for url in urls:
            current["url"] = url
            page.goto(url, wait_until="load")
            if page.locator("script.vega-spec").count():
                wait_for_charts(page)
    finally:
        context.close()
    return problems


def test_the_crawl_saw_the_english_of_every_language_checked(crawls):
    """The leftover-English check is live: it has patterns and would catch a page in English."""
    from tests.web.crawler import EnglishLeftovers

    for lang in ("fr", "es"):
        check = EnglishLeftovers(lang)
        assert check.pattern is not None and len(check.whole) > 10
        assert check.find(["Indicator explorer"]) or check.find(["Detected victims of trafficking"])
    assert Path(__file__).exists()
