"""The library's search page, document pages, upload form and API, pressed as the public and
as each demo role, in English, French and Spanish, on a copy of the demonstration database."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from sqlalchemy.orm import Session

from target87 import library
from target87.library import DocumentMeta
from target87.library.models import LibraryDocument
from target87.reporting.models import Report
from tests.web.crawler import english_leftovers, parse
from tests.web.test_reporting_support import Site, demo_db, make_site  # noqa: F401

ROLES = (None, "admin", "secretariat", "focal.npl", "viewer.npl", "focal.uga")


@pytest.fixture(scope="module")
def lib_site(demo_db, tmp_path_factory):  # noqa: F811
    site = make_site(demo_db, tmp_path_factory.mktemp("library-site"))
    engine = site.app.state.engine
    folder = site.data_dir
    folder.mkdir(parents=True, exist_ok=True)
    docs = folder.parent / "docs"
    docs.mkdir()
    (docs / "inspection.txt").write_text(
        "Labour inspection in agriculture: inspectors visited farms where children worked "
        "during the harvest; hazardous work was found in tobacco and cocoa."
    )
    (docs / "travail.txt").write_text(
        "Le travail des enfants dans l'agriculture familiale : les enfants travaillant aux "
        "champs pendant la récolte, et l'inspection du travail."
    )
    (docs / "script.html").write_bytes(
        b"<html><head><title>Trafic</title><script>alert('x')</script></head>"
        b"<body><p>Trafficking of persons for forced labour in fishing.</p></body></html>"
    )
    ids = {}
    for name, meta in (
        (
            "inspection.txt",
            DocumentMeta(
                language="en",
                doc_type="report",
                themes=("child_labour",),
                countries=("NPL",),
                year=2022,
                licence="CC BY 4.0",
            ),
        ),
        (
            "travail.txt",
            DocumentMeta(language="fr", themes=("child_labour",), countries=("UGA",), year=2021),
        ),
        (
            "script.html",
            DocumentMeta(language="en", themes=("trafficking",), year=2020, licence="CC0"),
        ),
    ):
        ids[name] = library.add_document(engine, docs / name, meta, data_dir=folder).id
    # A national report's text: Nepal's 2024 report, not published
    with Session(engine) as s:
        report = Report(
            country="NPL",
            year=2031,
            state="submitted",
            ministry="Labour",
            updated_by="t",
            version=1,
        )
        s.add(report)
        s.commit()
        report_id, state = report.id, report.state
    (docs / "report.txt").write_text("Annex on bonded labour in brick kilns, draft findings.")
    rid = library.add_document(
        engine, docs / "report.txt", DocumentMeta(language="en"), data_dir=folder
    ).id
    with engine.begin() as conn:
        conn.execute(
            LibraryDocument.__table__.update()
            .where(LibraryDocument.id == rid)
            .values(origin="report", report_id=report_id, countries="NPL")
        )
    assert state != "published"
    ids["report"] = rid
    site.ids = ids
    yield site
    engine.dispose()


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("role", ROLES)
def test_every_library_page_answers_in_every_language_for_every_role(lib_site, lang, role):
    client = lib_site.client(role)
    ids = lib_site.ids
    pages = [
        "/library",
        "/library?q=inspection",
        "/library?q=enfants+travaillant&ql=fr",
        "/library?q=child&kind=document&theme=child_labour&year=2022",
        "/library?q=&kind=indicator",
        "/library?page=2",
        f"/library/documents/{ids['inspection.txt']}",
        f"/library/documents/{ids['travail.txt']}",
        f"/library/documents/{ids['script.html']}",
    ]
    left = []
    for path in pages:
        url = path + ("&" if "?" in path else "?") + f"lang={lang}"
        response = client.get(url)
        assert response.status_code == 200, (path, role, response.text[:300])
        if lang != "en":
            left += english_leftovers(lang).find(parse(url, response.text).texts)
    assert left == [], left


def test_search_highlights_and_stems_across_forms(lib_site):
    client = lib_site.client()
    html = client.get("/library?q=enfants+travaillant").text
    assert "Le travail des enfants" in html or "travail" in html
    assert "<mark>enfants</mark>" in html and "<mark>travaillant</mark>" in html
    facets = client.get("/library?q=inspection").text
    assert 'name="kind" value="document"' in facets


def test_a_bad_filter_is_a_400_naming_it(lib_site):
    response = lib_site.client().get("/library?theme=magic")
    assert response.status_code == 400
    assert "theme" in response.text and "magic" in response.text


def test_an_unpublished_report_text_is_found_only_by_its_readers(lib_site):
    rid = lib_site.ids["report"]
    for role, sees in (
        (None, False),
        ("focal.uga", False),
        ("focal.npl", True),
        ("viewer.npl", True),
        ("secretariat", True),
        ("admin", True),
    ):
        client = lib_site.client(role)
        found = f"/library/documents/{rid}" in client.get("/library?q=brick+kilns").text
        assert found is sees, role
        page = client.get(f"/library/documents/{rid}")
        assert page.status_code == (200 if sees else 404), role
    api = lib_site.client().get("/api/v1/library/search?q=brick+kilns").json()
    assert api["total"] == 0
    assert lib_site.client().get(f"/api/v1/library/documents/{rid}").status_code == 404
    feed = lib_site.client().get("/api/v1/library/feed").json()
    assert all(item["_target87"]["id"] != rid for item in feed["items"])


def test_originals_download_only_under_an_open_licence_and_never_inline(lib_site):
    client = lib_site.client()
    ids = lib_site.ids
    html_doc = client.get(f"/library/documents/{ids['script.html']}/original")
    assert html_doc.status_code == 200
    assert html_doc.headers["content-disposition"].startswith("attachment")
    assert html_doc.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in html_doc.headers["content-security-policy"]
    page = client.get(f"/library/documents/{ids['script.html']}").text
    assert "<script>alert" not in page
    # no licence stated: no download, the page says why
    assert client.get(f"/library/documents/{ids['travail.txt']}/original").status_code == 404
    assert "/original" not in client.get(f"/library/documents/{ids['travail.txt']}").text
    assert client.get("/library/documents/999999").status_code == 404


def _docx(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_upload_form_rights_csrf_and_all_or_nothing(lib_site):
    public = lib_site.client()
    assert public.get("/library/upload").status_code == 303  # to sign in
    viewer = lib_site.client("viewer.npl")
    assert viewer.get("/library/upload").status_code == 403
    assert (
        viewer.post(
            "/library/upload",
            data={"csrf": lib_site.token(viewer)},
            files={"file": ("a.docx", _docx("x"), "application/octet-stream")},
        ).status_code
        == 403
    )
    focal = lib_site.client("focal.npl")
    assert focal.get("/library/upload").status_code == 200
    before = _count(lib_site)
    # no CSRF token: refused before anything runs
    refused = focal.post("/library/upload", files={"file": ("a.docx", _docx("Brick kilns"), "x")})
    assert refused.status_code == 403 and _count(lib_site) == before
    # a focal point may add documents about its own country only
    other = focal.post(
        "/library/upload",
        data={"csrf": lib_site.token(focal), "countries": "UGA"},
        files={"file": ("a.docx", _docx("Brick kilns in Uganda"), "x")},
    )
    assert other.status_code == 400 and "NPL" in other.text and _count(lib_site) == before
    # a file whose extension lies: a zip that is no DOCX
    liar = focal.post(
        "/library/upload",
        data={"csrf": lib_site.token(focal), "countries": "NPL"},
        files={"file": ("report.pdf", _docx("Not a PDF at all"), "application/pdf")},
    )
    assert liar.status_code in (303, 400)
    ok = focal.post(
        "/library/upload",
        data={
            "csrf": lib_site.token(focal),
            "countries": "NPL",
            "title": "Bonded labour in brick kilns: a field note",
            "themes": ["forced_labour"],
            "language": "en",
            "doc_type": "report",
        },
        files={"file": ("note.docx", _docx("Debt bondage in brick kilns of the Terai."), "x")},
    )
    assert ok.status_code == 303, ok.text[:400]
    new_id = int(ok.headers["location"].rsplit("/", 1)[1])
    found = public.get("/api/v1/library/search?q=debt+bondage").json()
    assert [h["id"] for h in found["hits"]] == [new_id]
    bad = lib_site.client("secretariat").post(
        "/library/upload",
        data={"csrf": lib_site.token(lib_site.client("secretariat")), "year": "20x1"},
        files={"file": ("b.txt", b"Some text about trafficking.", "text/plain")},
    )
    assert bad.status_code in (400, 403)


def _count(site) -> int:
    with Session(site.app.state.engine) as s:
        return s.query(LibraryDocument).count()


def test_api_search_facets_filters_and_errors(lib_site):
    client = lib_site.client()
    body = client.get("/api/v1/library/search?q=inspection&lang=en").json()
    assert body["total"] >= 1
    documents = [h for h in body["hits"] if h["kind"] == "document"]
    assert documents[0]["url"].endswith(f"/library/documents/{lib_site.ids['inspection.txt']}")
    assert "<mark>" in documents[0]["passage"]
    assert {"kind", "type", "theme", "country", "region", "language", "year"} <= set(body["facets"])
    only_fr = client.get("/api/v1/library/search?q=travail&language=fr").json()
    assert [h["language"] for h in only_fr["hits"]] == ["fr"]
    wrong = client.get("/api/v1/library/search?theme=magic")
    assert wrong.status_code == 400 and "magic" in wrong.text
    indicators = client.get("/api/v1/library/search?q=child+labour&kind=indicator").json()
    assert indicators["total"] >= 1 and all(h["kind"] == "indicator" for h in indicators["hits"])
    record = client.get(f"/api/v1/library/documents/{lib_site.ids['inspection.txt']}").json()
    assert record["licence"] == "CC BY 4.0" and record["original_url"].endswith("/original")


def test_the_feed_is_a_json_feed_paged_and_filtered_by_date(lib_site):
    client = lib_site.client()
    feed = client.get("/api/v1/library/feed").json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    ids = {
        item["_target87"]["id"] for item in feed["items"] if item["_target87"]["kind"] == "document"
    }
    assert lib_site.ids["inspection.txt"] in ids
    dates = [item["date_modified"] for item in feed["items"]]
    assert dates == sorted(dates, reverse=True)
    assert client.get("/api/v1/library/feed?updated_since=2999-01-01").json()["items"] == []
    assert client.get("/api/v1/library/feed?updated_since=yesterday").status_code == 400
    json.dumps(feed)  # plain JSON throughout


def test_an_upload_over_the_limit_is_refused_before_it_is_read(lib_site, monkeypatch):
    monkeypatch.setenv("TARGET87_MAX_ATTACHMENT_BYTES", "2000")
    admin = lib_site.client("admin")
    before = _count(lib_site)
    big = admin.post(
        "/library/upload",
        data={"csrf": lib_site.token(admin)},
        files={"file": ("big.txt", b"trafficking " * 1000, "text/plain")},
    )
    assert big.status_code == 413 and _count(lib_site) == before
    # the refusal page names the limit in the reader's language
    assert "2" in big.text


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_country_profile_lists_its_library_and_follows_its_changes(lib_site, lang):
    from datetime import date

    from target87.library import records, services
    from target87.reporting.permissions import Actor

    client = lib_site.client()
    page = client.get(f"/countries/NPL?lang={lang}").text
    assert 'id="library"' in page
    assert f"/library/documents/{lib_site.ids['inspection.txt']}" in page
    assert f"/library/documents/{lib_site.ids['report']}" not in page  # unpublished report
    assert "/library?country=NPL" in page
    name = f"Child helpline 1098 ({lang})"
    assert name not in page
    with lib_site.db() as s:
        entry = services.create(
            s,
            Actor.command_line(),
            {
                "country": "NPL",
                "language": "en",
                "name": name,
                "service_type": "hotline",
                "description": "A free helpline for children at risk.",
                "phone": "1098",
                "source": "Ministry website",
                "checked_on": date(2026, 11, 1).isoformat(),
            },
        )
        records.move(s, Actor.command_line(), services.KIND, entry.id, "submit")
        assert name not in client.get(f"/countries/NPL?lang={lang}").text  # not yet published
        records.move(s, Actor.command_line(), services.KIND, entry.id, "publish")
    page = client.get(f"/countries/NPL?lang={lang}").text  # the cached page is not served
    assert name in page and "1098" in page
