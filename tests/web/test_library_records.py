"""Good practices and the directory of services in the browser (TestClient on a real SQLite copy
of the demonstration set): every page and button in English, French and Spanish as the public
and as each role, the review cycle pressed through the forms, CSRF refused, writes by a wrong
role refused on the server, and a bad form saving nothing."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from target87 import reporting
from target87.library import practices, records, services
from target87.library.models import GoodPractice, ServiceEntry
from target87.reporting.models import Action, Commitment
from tests.library.records_support import PRACTICE, SERVICE
from tests.web import test_reporting_support as support
from tests.web.test_reporting_support import csrf_of

demo_db, site = support.demo_db, support.site  # fixtures

LANGS = {"en": "Good practices", "fr": "Bonnes pratiques", "es": "Buenas prácticas"}
DIRECTORY = {"en": "Directory of services", "fr": "Répertoire des services",
             "es": "Directorio de servicios"}  # fmt: skip
ROLES = (None, "focal.npl", "focal.uga", "viewer.npl", "secretariat", "admin")
KINDS = {"practices": practices, "services": services}
NO_PERSONAL_DATA = {
    "en": "Never enter personal data",
    "fr": "N'inscrivez jamais de données personnelles",
    "es": "Nunca introduzca datos personales",
}
SAVED = {"en": "Saved as a draft.", "fr": "Enregistré comme brouillon.",
         "es": "Guardado como borrador."}  # fmt: skip
DATA = {"practices": PRACTICE, "services": SERVICE}


def npl_action(site) -> int:
    with site.db() as s:
        return s.execute(
            select(Action.id).join(Commitment).where(Commitment.country == "NPL").limit(1)
        ).scalar_one()


def seed_records(site, kind: str) -> dict[str, int]:
    """One NPL record per status (draft, submitted, returned, published), made by the library's
    own functions as the focal point and the secretariat."""
    module = KINDS[kind]
    ids = {}
    with site.db() as s:
        focal = reporting.Actor(site.user("focal.npl"))
        review = reporting.Actor(site.user("secretariat"))
        for status in ("draft", "submitted", "returned", "published"):
            data = {**DATA[kind], ("title" if kind == "practices" else "name"): f"Rec {status}"}
            record = module.create(s, focal, data)
            if status != "draft":
                records.move(s, focal, module.KIND, record.id, "submit")
            if status == "returned":
                records.move(s, review, module.KIND, record.id, "return", "Say more")
            if status == "published":
                records.move(s, review, module.KIND, record.id, "publish")
            ids[status] = record.id
    return ids


def client(site, who: str | None, lang: str = "en"):
    c = site.client(who)
    c.headers["accept-language"] = lang
    return c


def count(site, model) -> int:
    with site.db() as s:
        return s.execute(select(func.count(model.id))).scalar()


def status_of(site, model, record_id: int) -> str | None:
    with site.db() as s:
        record = s.get(model, record_id)
        return record.status if record else None


# (page, who) -> expected status; "signin" is the public sent to sign in
EXPECTED = {
    "list": dict.fromkeys(ROLES, 200),
    "published": dict.fromkeys(ROLES, 200),
    "draft": {None: "signin", "focal.npl": 200, "focal.uga": 403, "viewer.npl": 200,
              "secretariat": 200, "admin": 200},
    "new": {None: "signin", "focal.npl": 200, "focal.uga": 200, "viewer.npl": 403,
            "secretariat": 403, "admin": 200},
    "edit": {None: "signin", "focal.npl": 200, "focal.uga": 403, "viewer.npl": 403,
             "secretariat": 403, "admin": 200},
    "review": {None: "signin", "focal.npl": 403, "focal.uga": 403, "viewer.npl": 403,
               "secretariat": 200, "admin": 200},
}  # fmt: skip


@pytest.mark.parametrize("kind", ["practices", "services"])
def test_every_page_in_three_languages_as_the_public_and_each_role(site, kind):
    ids = seed_records(site, kind)
    base = f"/library/{kind}"
    urls = {
        "list": base,
        "published": f"{base}/{ids['published']}",
        "draft": f"{base}/{ids['draft']}",
        "new": f"{base}/new",
        "edit": f"{base}/{ids['returned']}/edit",
        "review": f"{base}/review",
    }
    heading = LANGS if kind == "practices" else DIRECTORY
    for lang in ("en", "fr", "es"):
        for who in ROLES:
            c = client(site, who, lang)
            for name, url in urls.items():
                response = c.get(url)
                wanted = EXPECTED[name][who]
                if wanted == "signin":
                    assert response.status_code == 303, (name, who)
                    assert response.headers["location"].startswith("/signin?next=")
                    continue
                assert response.status_code == wanted, (name, who, lang, response.text[:300])
                if wanted == 200 and name in ("list", "published"):
                    assert heading[lang] in response.text, (name, who, lang)
            listing = c.get(base).text
            assert ("Rec published" in listing) and (
                ("Rec draft" in listing) is (who in ("focal.npl", "viewer.npl", "secretariat",
                                                     "admin"))
            ), who  # fmt: skip


def _buttons(html: str) -> set[str]:
    return {b for b in ("submit", "publish", "return", "delete", "edit") if f"/{b}" in html}


@pytest.mark.parametrize(
    ("who", "status", "buttons"),
    [
        ("focal.npl", "draft", {"submit", "delete", "edit"}),
        ("focal.npl", "returned", {"submit", "edit"}),
        ("focal.npl", "submitted", set()),
        ("viewer.npl", "draft", set()),
        ("secretariat", "submitted", {"publish", "return"}),
        ("secretariat", "draft", set()),
        ("admin", "submitted", {"publish", "return"}),
        (None, "published", set()),
    ],
)
def test_the_record_page_shows_only_the_buttons_the_role_may_press(site, who, status, buttons):
    ids = seed_records(site, "services")
    html = client(site, who).get(f"/library/services/{ids[status]}").text
    assert _buttons(html) == buttons


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("kind", ["practices", "services"])
def test_the_whole_cycle_pressed_through_the_forms(site, kind, lang):
    base, module = f"/library/{kind}", KINDS[kind]
    model = module.KIND.model
    focal, review = client(site, "focal.npl", lang), client(site, "secretariat", lang)
    form = focal.get(f"{base}/new")
    assert form.status_code == 200 and NO_PERSONAL_DATA[lang] in unescape(form.text)
    data = {**DATA[kind], "csrf": csrf_of(form.text)}
    if kind == "practices":
        data |= {"themes": ["child_labour", "education"], "actions": [str(npl_action(site))]}
    made = focal.post(base, data=data)
    assert made.status_code == 303, made.text[:500]
    url = made.headers["location"].split("?")[0]
    record_id = int(url.rsplit("/", 1)[1])
    page = focal.get(made.headers["location"])
    assert page.status_code == 200 and SAVED[lang] in page.text
    if kind == "practices":
        assert "/evidence?intervention=cct" in page.text
        assert "Train and deploy 200 labour inspectors" in page.text
    token = csrf_of(page.text)
    assert focal.post(f"{url}/submit", data={"csrf": token}).status_code == 303
    queue = review.get(f"{base}/review")
    assert f"{url}#workflow" in queue.text
    review_token = csrf_of(queue.text)
    empty = review.post(f"{url}/return", data={"csrf": review_token, "note": " "})
    assert empty.status_code == 422 and "say what must change" in empty.text
    assert status_of(site, model, record_id) == "submitted"
    back = review.post(f"{url}/return", data={"csrf": review_token, "note": "Add a source"})
    assert back.status_code == 303 and status_of(site, model, record_id) == "returned"
    shown = focal.get(url)
    assert "Add a source" in shown.text
    edit = focal.get(f"{url}/edit")
    assert edit.status_code == 200 and 'name="csrf"' in edit.text
    changed = {**data, "source_url": "https://www.example.org/source", "csrf": token}
    assert focal.post(url, data=changed).status_code == 303
    assert status_of(site, model, record_id) == "draft"
    assert focal.post(f"{url}/submit", data={"csrf": token}).status_code == 303
    assert review.post(f"{url}/publish", data={"csrf": review_token}).status_code == 303
    assert status_of(site, model, record_id) == "published"
    public = client(site, None, lang).get(url)
    assert public.status_code == 200 and "https://www.example.org/source" in public.text
    if kind == "practices":  # the public sees how many actions, not the unpublished roadmap
        assert "Train and deploy 200 labour inspectors" not in public.text


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("focal.uga", "submit", "draft"),
        ("viewer.npl", "submit", "draft"),
        ("secretariat", "submit", "draft"),
        ("focal.npl", "publish", "submitted"),
        ("viewer.npl", "publish", "submitted"),
        ("focal.uga", "return", "submitted"),
        ("focal.uga", "delete", "draft"),
        ("secretariat", "delete", "draft"),
        ("viewer.npl", "edit", "draft"),
        ("focal.uga", "edit", "returned"),
    ],
)
def test_a_write_by_a_wrong_role_is_refused_on_the_server(site, who, action, status):
    ids = seed_records(site, "practices")
    record_id = ids[status]
    c = client(site, who)
    url = f"/library/practices/{record_id}"
    data = {"csrf": site.token(c), "note": "a note"}
    if action == "edit":
        response = c.post(url, data={**PRACTICE, **data, "title": "Hijacked"})
    else:
        response = c.post(f"{url}/{action}", data=data)
    assert response.status_code == 403, response.text[:300]
    assert status_of(site, GoodPractice, record_id) == status
    with site.db() as s:
        assert s.get(GoodPractice, record_id).title == f"Rec {status}"


def test_a_create_by_a_wrong_role_or_for_another_country_is_refused(site):
    before = count(site, ServiceEntry)
    for who, country in (("viewer.npl", "NPL"), ("secretariat", "NPL"), ("focal.uga", "NPL")):
        c = client(site, who)
        response = c.post(
            "/library/services", data={**SERVICE, "country": country, "csrf": site.token(c)}
        )
        assert response.status_code == 403, who
    assert count(site, ServiceEntry) == before


def test_the_public_and_forged_forms_are_refused_by_csrf(site):
    ids = seed_records(site, "practices")
    before_audit = site.audit_count()
    public = client(site, None)
    assert public.post("/library/practices", data=PRACTICE).status_code == 403
    focal = client(site, "focal.npl")
    url = f"/library/practices/{ids['draft']}"
    assert focal.post(f"{url}/submit", data={}).status_code == 403
    assert focal.post(f"{url}/submit", data={"csrf": "forged"}).status_code == 403
    assert focal.post(f"{url}/delete", data={"csrf": "0" * 64}).status_code == 403
    cross = focal.post(
        f"{url}/submit", data={"csrf": site.token(focal)}, headers={"origin": "https://evil.test"}
    )
    assert cross.status_code == 403
    assert status_of(site, GoodPractice, ids["draft"]) == "draft"
    assert site.audit_count() == before_audit


@pytest.mark.parametrize("kind", ["practices", "services"])
def test_a_bad_form_is_shown_again_with_each_problem_and_nothing_saved(site, kind):
    model = KINDS[kind].KIND.model
    before, before_audit = count(site, model), site.audit_count()
    c = client(site, "focal.npl")
    bad = {**DATA[kind], "csrf": site.token(c), "language": "de", "source_url": "nowhere"}
    if kind == "practices":
        bad |= {"title": "", "intervention_type": "magic", "actions": ["99999"]}
    else:
        bad |= {"name": "", "email": "not-an-email", "checked_on": "2999-01-01"}
    response = c.post(f"/library/{kind}", data=bad)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "is not one of en, fr, es" in response.text and "not a web address" in response.text
    if kind == "practices":
        assert "is not an intervention type code" in response.text
        assert "there is no roadmap action 99999" in response.text
    else:
        assert "not an email address" in response.text and "in the future" in response.text
        assert 'value="2999-01-01"' in response.text  # what was typed is kept
    assert count(site, model) == before and site.audit_count() == before_audit


def test_an_edit_with_a_bad_field_leaves_the_record_as_it_was(site):
    ids = seed_records(site, "services")
    c = client(site, "focal.npl")
    url = f"/library/services/{ids['draft']}"
    bad = {**SERVICE, "name": "Renamed", "phone": "call us", "csrf": site.token(c)}
    response = c.post(url, data=bad)
    assert response.status_code == 422 and "not a phone number" in response.text
    with site.db() as s:
        assert s.get(ServiceEntry, ids["draft"]).name == "Rec draft"


def test_lists_filter_by_country_theme_type_and_status(site):
    seed_records(site, "services")
    seed_records(site, "practices")
    c = client(site, "admin")
    assert "Rec draft" in c.get("/library/services?type=hotline").text
    assert "Rec draft" not in c.get("/library/services?type=shelter").text
    assert "Rec draft" not in c.get("/library/services?country=UGA").text
    drafts = c.get("/library/practices?status=draft&theme=child_labour").text
    assert "Rec draft" in drafts and "Rec published" not in drafts
    assert "Rec draft" not in c.get("/library/practices?theme=gender").text
    assert c.get("/library/practices?status=bogus&theme=bogus").status_code == 200
    assert client(site, None).get("/library/practices?status=draft").status_code == 200
    assert "Rec draft" not in client(site, None).get("/library/practices?status=draft").text


def test_a_missing_record_is_404_and_deleting_a_draft_removes_it(site):
    ids = seed_records(site, "practices")
    c = client(site, "focal.npl")
    assert c.get("/library/practices/999999").status_code == 404
    url = f"/library/practices/{ids['draft']}"
    response = c.post(f"{url}/delete", data={"csrf": site.token(c)})
    assert response.status_code == 303 and response.headers["location"].startswith(
        "/library/practices?done=delete"
    )
    assert status_of(site, GoodPractice, ids["draft"]) is None
    again = c.post(f"{url}/delete", data={"csrf": site.token(c)})
    assert again.status_code == 404
    published = c.post(f"/library/practices/{ids['published']}/delete",
                       data={"csrf": site.token(c)})  # fmt: skip
    assert published.status_code == 409
