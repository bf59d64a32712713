"""Security over HTTP: every write route and every read of unpublished data, for each role,
on country A's and country B's things (ids guessed in the URL); forged posts without or with a
wrong CSRF token; XSS payloads inert on every page that shows them; files never inline.

The routes come from ``app.routes``: a new reporting route fails the first test until it has
its row in ``ROUTES`` (and so is checked here). Who may do what is written out below by hand,
from the issue, not read from the code under test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting import models as R
from target87.web.site.visitors import SESSION_COOKIE
from tests.web import test_reporting_support as support
from tests.web.test_reporting_support import SECRET, Site, csrf_of, make_site, pdf_bytes

pytestmark = pytest.mark.slow
demo_db = support.demo_db  # fixture

ROLES = {
    "public": None,
    "viewer_a": "viewer.npl",
    "focal_a": "focal.npl",
    "focal_b": "focal.uga",
    "secretariat": "secretariat",
    "admin": "admin",
}
A, B = "NPL", "UGA"
# Who may, on country A's things (the issue, item 1): B's swap the two focal points, and
# A's viewer sees nothing of B.
MAY = {
    "signed_in": {"viewer_a", "focal_a", "focal_b", "secretariat", "admin"},
    "read": {"viewer_a", "focal_a", "secretariat", "admin"},
    "audit": {"focal_a", "secretariat", "admin"},
    "edit": {"focal_a", "admin"},  # roadmap, report, submit
    "review": {"secretariat", "admin"},  # return, approve, publish, configure indicators
    "users": {"admin"},
}
SECRET_TEXT = "SECRET-{country}-DRAFT"  # in each country's draft: never shown to outsiders


def may(right: str, role: str, country: str, path: str = "") -> bool:
    if path.endswith(("/password", "/sessions")) and role == (
        "viewer_a" if country == A else "focal_b"
    ):
        return True  # everyone may set their own password and end their own sessions
    allowed = MAY[right]
    if country == B and right in ("read", "audit", "edit"):
        allowed = {"focal_b" if r == "focal_a" else r for r in allowed} - {"viewer_a"}
    return role in allowed


@dataclass
class World:
    """Ids of each country's things, in a database every case starts from."""

    path: str
    data_dir: Path
    ids: dict[str, dict[str, int]] = field(default_factory=dict)


def _cell(year: int) -> str:
    return f"SL_TLF_CHLDEC:{year}:_T:Y5T17:_T"


def _build(db: Session, data_dir: Path, country: str) -> dict[str, int]:
    """Each country's roadmap, reports in every state and an attachment, set up by the
    operator (command line)."""
    op = reporting.Actor.command_line()
    commitment = reporting.create_commitment(db, op, country, f"{country} commitment")
    action = reporting.create_action(
        db, op, commitment.id, {"title": "An action", "owner_institution": "A ministry",
                                "status": "planned"},
    )  # fmt: skip
    empty = reporting.create_commitment(db, op, country, f"{country} commitment to remove")
    ids = {"commitment": commitment.id, "action": action.id, "empty": empty.id}
    for year, state in ((2023, "draft"), (2022, "submitted"), (2021, "approved")):
        report = reporting.open_report(db, op, country, year)
        entry = {"value": "12.5", "footnote": SECRET_TEXT.format(country=country)}
        reporting.save_values(db, op, report.id, {_cell(year): entry}, report.version)
        if state != "draft":
            report = reporting.submit(db, op, report.id, report.version)
        if state == "approved":
            report = reporting.approve(db, op, report.id, report.version)
        ids[state] = report.id
    draft = ids["draft"]
    text = SECRET_TEXT.format(country=country)
    reporting.save_narrative(db, op, draft, commitment.id, text, None)
    ids["attachment"] = reporting.add_attachment(
        db, op, draft, "annex.pdf", pdf_bytes(text), data_dir
    ).id
    ids["user"] = reporting.find_user(
        db, support.email("viewer.npl" if country == A else "focal.uga")
    ).id
    return ids


@pytest.fixture(scope="module")
def world(demo_db, tmp_path_factory) -> World:
    folder = tmp_path_factory.mktemp("security-world")
    site = make_site(demo_db, folder / "build")
    world = World(site.url.removeprefix("sqlite:///"), folder / "data")
    with site.db() as db:
        for country in (A, B):
            world.ids[country] = _build(db, world.data_dir, country)
    site.app.state.engine.dispose()
    return world


def site_of(world: World, folder: Path) -> Site:
    site = make_site(world.path, folder)
    site.app.state.data_dir = world.data_dir
    return site


@dataclass(frozen=True)
class Row:
    """A route's right, the thing of country X each path parameter names (``code`` is X
    itself), and form data valid enough for an allowed role's request to succeed."""

    right: str
    ids: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


DRAFT, SUBMITTED, APPROVED = (
    {"report_id": "draft"},
    {"report_id": "submitted"},
    {"report_id": "approved"},
)
ACTION = {"title": "New", "owner_institution": "X", "status": "planned"}
ROUTES: dict[tuple[str, str], Row] = {
    ("GET", "/reporting"): Row("signed_in"),
    ("GET", "/reporting/country"): Row("signed_in", data={"code": "{country}"}),
    ("GET", "/reporting/countries/{code}"): Row("read"),
    ("GET", "/reporting/countries/{code}/roadmap"): Row("read"),
    ("GET", "/reporting/countries/{code}/indicators"): Row("read"),
    ("GET", "/reporting/countries/{code}/audit"): Row("audit"),
    ("GET", "/reporting/commitments/{commitment_id}/actions/new"): Row(
        "read", {"commitment_id": "commitment"}
    ),
    ("GET", "/reporting/actions/{action_id}"): Row("read", {"action_id": "action"}),
    ("GET", "/reporting/reports/{report_id}"): Row("read", DRAFT),
    ("GET", "/reporting/reports/{report_id}/template.xlsx"): Row("read", DRAFT),
    ("GET", "/reporting/reports/{report_id}/audit"): Row("audit", DRAFT),
    ("GET", "/reporting/reports/{report_id}/print"): Row("read", DRAFT),
    ("GET", "/reporting/reports/{report_id}/report.pdf"): Row("read", DRAFT),
    ("GET", "/reporting/reports/{report_id}/sdmx.csv"): Row("read", APPROVED),
    ("GET", "/reporting/attachments/{attachment_id}"): Row("read", {"attachment_id": "attachment"}),
    ("GET", "/reporting/users"): Row("users"),
    ("POST", "/reporting/countries/{code}/reports"): Row("edit", data={"year": "2020"}),
    ("POST", "/reporting/countries/{code}/commitments"): Row("edit", data={"title": "More"}),
    ("POST", "/reporting/commitments/{commitment_id}"): Row(
        "edit", {"commitment_id": "commitment"}, {"title": "Renamed", "version": "1"}
    ),
    ("POST", "/reporting/commitments/{commitment_id}/delete"): Row(
        "edit", {"commitment_id": "empty"}, {"version": "1"}
    ),
    ("POST", "/reporting/commitments/{commitment_id}/actions"): Row(
        "edit", {"commitment_id": "commitment"}, ACTION
    ),
    ("POST", "/reporting/actions/{action_id}"): Row(
        "edit", {"action_id": "action"}, {**ACTION, "status": "done", "version": "1"}
    ),
    ("POST", "/reporting/actions/{action_id}/delete"): Row(
        "edit", {"action_id": "action"}, {"version": "1"}
    ),
    ("POST", "/reporting/countries/{code}/indicators"): Row(
        "review", data={"config": "SL_TLF_CHLDEC"}
    ),
    ("POST", "/reporting/series"): Row(
        "review",
        data={
            "code": "NAT_T_{country}",
            "name_en": "e",
            "name_fr": "f",
            "name_es": "s",
            "unit": "NUMBER",
            "direction": "higher_is_better",
            "country": "{country}",
        },
    ),  # fmt: skip
    ("POST", "/reporting/reports/{report_id}/values"): Row(
        "edit", DRAFT, {"value:SL_TLF_CHLDEC:2023:_T:Y5T17:_T": "13"}
    ),
    ("POST", "/reporting/reports/{report_id}/narratives/{commitment_id}"): Row(
        "edit", {**DRAFT, "commitment_id": "commitment"}, {"text": "Changed"}
    ),
    ("POST", "/reporting/reports/{report_id}/template"): Row("edit", DRAFT),  # + the file
    ("POST", "/reporting/reports/{report_id}/attachments"): Row("edit", DRAFT),  # + a PDF
    ("POST", "/reporting/attachments/{attachment_id}/delete"): Row(
        "edit", {"attachment_id": "attachment"}
    ),
    ("POST", "/reporting/reports/{report_id}/submit"): Row("edit", DRAFT),
    ("POST", "/reporting/reports/{report_id}/return"): Row(
        "review", SUBMITTED, {"comment": "Fix it"}
    ),
    ("POST", "/reporting/reports/{report_id}/approve"): Row("review", SUBMITTED),
    ("POST", "/reporting/reports/{report_id}/publish"): Row("review", APPROVED),
    ("POST", "/reporting/users"): Row(
        "users",
        data={
            "email": "new.{country}@example.org",
            "display_name": "N",
            "password": "long enough pw",
            "role": "viewer",
            "country": "{country}",
        },
    ),  # fmt: skip
    ("POST", "/reporting/users/{user_id}/role"): Row(
        "users", {"user_id": "user"}, {"role": "viewer", "country": "{country}"}
    ),
    ("POST", "/reporting/users/{user_id}/active"): Row(
        "users", {"user_id": "user"}, {"active": "no"}
    ),
    ("POST", "/reporting/users/{user_id}/password"): Row(
        "users",
        {"user_id": "user"},
        {"password": "another long password", "current_password": support.PASSWORD},
    ),  # the current password counts only for one's own account
    ("POST", "/reporting/users/{user_id}/sessions"): Row("users", {"user_id": "user"}),
    ("GET", "/account"): Row("signed_in"),
    ("POST", "/account/password"): Row(
        "signed_in",
        data={"password": "another long password", "current_password": support.PASSWORD},
    ),
}
# The "Load national data" pages need a file and an upload token bound to one session, which
# the generic cases above cannot send: every role, CSRF, the token's owner and the size limit
# are tested on them in tests/web/test_upload_mapping.py. Named here so that no new route is
# missed silently.
UPLOAD_ROUTES = {
    ("GET", "/reporting/upload"),
    ("POST", "/reporting/upload"),
    ("GET", "/reporting/upload/{token}"),
    ("GET", "/reporting/upload/{token}/mapping.yaml"),
    ("POST", "/reporting/upload/{token}/preview"),
    ("POST", "/reporting/upload/{token}/load"),
    ("POST", "/reporting/upload/{token}/discard"),
}
# The library's writes (issue 21): good practices and directory entries, their review cycle,
# and the editors' document upload. Their records and forms are the library's, which the
# generic cases above cannot build: every role on every button, CSRF missing or forged, a
# cross-origin POST, and nothing written on a refusal are tested in
# tests/web/test_library_records.py and tests/web/test_library_pages.py. Named here, exactly,
# so that a new library route is not missed silently (test_security_probes checks the set).
LIBRARY_ROUTES = {
    ("POST", f"/library/{kind}{tail}")
    for kind in ("practices", "services")
    for tail in (
        "",
        "/{record_id:int}",
        "/{record_id:int}/submit",
        "/{record_id:int}/return",
        "/{record_id:int}/publish",
        "/{record_id:int}/delete",
    )
} | {("POST", "/library/upload")}
# A successful write answers with a page of the site, never the sign-in form; except a new
# password of one's own, which ends the session and asks for the new one.
SIGN_IN_AFTER = {"/account/password"}


def url_and_data(method: str, path: str, country: str, ids: dict) -> tuple[str, dict]:
    row = ROUTES[(method, path)]
    params = {"code": country, **{name: ids[key] for name, key in row.ids.items()}}
    data = {k: v.format(country=country) for k, v in row.data.items()}
    return path.format(**params), data


def walk(routes, prefix: str = ""):
    """(path, methods) of every endpoint, through included routers (FastAPI 0.165 keeps
    them as included routers; older versions copied their routes into the app's list)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from walk(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route.methods


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, methods in walk(app.routes)
        for method in methods
        if method in ("GET", "POST")
        and (path.startswith(("/reporting", "/account")) or path in ("/signin", "/signout"))
    }


def fingerprint(site: Site) -> tuple:
    """Everything a write could change, counted (each write also adds an audit event)."""
    with site.db() as s:
        counts = tuple(
            s.execute(select(func.count()).select_from(model)).scalar()
            for model in (R.AuditEvent, R.Report, R.ReportValue, R.Commitment, R.Action,
                          R.Attachment, R.User, R.AgreedIndicator, R.Narrative, R.ReviewComment)
        )  # fmt: skip
        reports = tuple(s.execute(select(R.Report.id, R.Report.state, R.Report.version)))
        users = tuple(s.execute(select(R.User.id, R.User.role, R.User.active, R.User.auth_epoch)))
    return counts, reports, users


_TEMPLATES: dict[int, bytes] = {}


def template_of(site: Site, ids: dict) -> bytes:
    """The draft's own template, as downloaded (the same for every case)."""
    if ids["draft"] not in _TEMPLATES:
        url = f"/reporting/reports/{ids['draft']}/template.xlsx"
        _TEMPLATES[ids["draft"]] = site.client("admin").get(url).content
    return _TEMPLATES[ids["draft"]]


def request(site: Site, client, method: str, path: str, country: str, ids: dict):
    url, data = url_and_data(method, path, country, ids)
    if method == "GET":
        return client.get(url, params=data)
    files = None
    if path.endswith("/template"):
        files = {"file": ("filled.xlsx", template_of(site, ids), "application/octet-stream")}
    elif path.endswith("/attachments"):
        files = {"file": ("more.pdf", pdf_bytes("more"), "application/pdf")}
    token = site.token(client) if client.cookies.get(SESSION_COOKIE) else ""
    data = {**data, "csrf": token}
    if "version" not in data and "{report_id}" in path:
        with site.db() as s:
            report_id = ids[ROUTES[(method, path)].ids["report_id"]]
            data["version"] = str(s.get(R.Report, report_id).version)
    return client.post(url, data=data, files=files)


def test_every_reporting_route_is_in_the_security_table(world, tmp_path):
    site = site_of(world, tmp_path / "site")
    routes = app_routes(site.app) - {("GET", "/signin"), ("POST", "/signin"), ("POST", "/signout")}
    assert routes == set(ROUTES) | UPLOAD_ROUTES, "give the new route its row in ROUTES"


# Every role on A's things; on B's, A's two roles guessing B's ids and B's own focal point
# (the other roles' rights do not depend on the country: A's cases show them).
CASES = [
    (method, path, role, country)
    for (method, path) in ROUTES
    for role, country in [*((r, A) for r in ROLES), ("viewer_a", B), ("focal_a", B), ("focal_b", B)]
]


def test_every_role_gets_exactly_its_rights_on_every_route(world, tmp_path):
    shared = site_of(world, tmp_path / "shared")
    clients = {role: shared.client(local) for role, local in ROLES.items()}
    before = fingerprint(shared)
    failures = []
    for number, (method, path, role, country) in enumerate(CASES):
        right = ROUTES[(method, path)].right
        allowed = may(right, role, country, path)
        if allowed and method == "POST":  # a write that succeeds: on its own copy
            site = site_of(world, tmp_path / f"case{number}")
            client = site.client(ROLES[role])
        else:
            site, client = shared, clients[role]
        response = request(site, client, method, path, country, world.ids[country])
        status, body = response.status_code, response.text
        where = f"{role} {method} {path} on {country}"
        if allowed:
            ok = status == (303 if method == "POST" or path == "/reporting/country" else 200)
            if method == "POST" and ok:
                signs_in = response.headers["location"].startswith("/signin")
                ok = signs_in == (path in SIGN_IN_AFTER)
        elif role == "public":
            ok = (status == 303 and response.headers["location"].startswith("/signin")) or (
                method == "POST" and status == 403
            )
        else:
            ok = status == 403 and "may not" in body
        secret = SECRET_TEXT.format(country=country)
        if not allowed and secret in body:
            ok = False
        if not ok:
            failures.append(f"{where}: {status} {body[:160]!r}")
        if site is not shared:
            site.app.state.engine.dispose()
    assert failures == [], "\n".join(failures)
    assert fingerprint(shared) == before, "a refused request changed something"


def test_forged_posts_without_or_with_a_wrong_token_change_nothing(world, tmp_path):
    site = site_of(world, tmp_path / "site")
    admin, other = site.client("admin"), site.client("admin")
    before = fingerprint(site)
    stolen = site.token(other)  # a valid token, but of another session
    writes = sorted(p for m, p in app_routes(site.app) if m == "POST")
    uploads = sum(m == "POST" for m, _ in UPLOAD_ROUTES)
    assert len(writes) == sum(m == "POST" for m, _ in ROUTES) + 2 + uploads  # sign-in/-out
    for path in writes:
        if path == "/signin":
            continue
        known = ("POST", path) in ROUTES
        url = url_and_data("POST", path, A, world.ids[A])[0] if known else path
        for token in (None, "0" * 64, stolen):
            data = {} if token is None else {"csrf": token}
            response = admin.post(url, data=data)
            assert response.status_code == 403, (path, token)
            assert "security token" in response.text, path
    anonymous = site.client()
    assert anonymous.post("/signin", data={"email": "x", "password": "y"}).status_code == 403
    assert fingerprint(site) == before
    assert admin.get("/reporting").status_code == 200  # the forged sign-out did not sign out


PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_an_xss_payload_is_inert_on_every_page_that_shows_it(world, tmp_path):
    site = site_of(world, tmp_path / "site")
    focal, reviewer, admin = (
        site.client("focal.npl"),
        site.client("secretariat"),
        site.client("admin"),
    )
    ids = world.ids[A]
    token = site.token(focal)
    draft = ids["draft"]

    def version():
        with site.db() as s:
            return str(s.get(R.Report, draft).version)

    writes = [
        (f"/reporting/commitments/{ids['commitment']}", {"title": PAYLOAD, "description": PAYLOAD,
                                                        "version": "1"}),
        (f"/reporting/actions/{ids['action']}", {"title": PAYLOAD, "owner_institution": PAYLOAD,
                                               "status": "planned", "start_date": "2024-01-01",
                                               "due_date": "2024-06-30",
                                               "progress_notes": PAYLOAD, "version": "1"}),
        (f"/reporting/reports/{draft}/narratives/{ids['commitment']}", {"text": PAYLOAD}),
        (f"/reporting/reports/{draft}/values", {f"value:{_cell(2023)}": "14",
                                               f"footnote:{_cell(2023)}": PAYLOAD}),
    ]  # fmt: skip
    for url, data in writes:
        data = {"csrf": token, "version": version(), **data} if "reports" in url else {
            "csrf": token, **data}  # fmt: skip
        assert focal.post(url, data=data).status_code == 303, url
    files = {"file": (f"{PAYLOAD}.pdf", pdf_bytes(), "application/pdf")}
    sent = focal.post(f"/reporting/reports/{draft}/attachments", data={"csrf": token}, files=files)
    assert sent.status_code == 303
    assert (
        focal.post(
            f"/reporting/reports/{draft}/submit", data={"csrf": token, "version": version()}
        ).status_code
        == 303
    )
    back = {"csrf": site.token(reviewer), "version": version(), "comment": PAYLOAD}
    assert reviewer.post(f"/reporting/reports/{draft}/return", data=back).status_code == 303
    user = {"csrf": site.token(admin), "email": "x@example.org", "display_name": PAYLOAD,
            "password": "long enough pw", "role": "viewer", "country": A}  # fmt: skip
    assert admin.post("/reporting/users", data=user).status_code == 303

    pages = {
        focal: [f"/reporting/reports/{draft}", f"/reporting/reports/{draft}/print",
                f"/reporting/reports/{draft}/audit", f"/reporting/countries/{A}/roadmap",
                f"/reporting/actions/{ids['action']}", f"/reporting/countries/{A}/audit",
                f"/reporting/countries/{A}", "/reporting",
                f"/reporting/commitments/{ids['commitment']}/actions/new"],
        reviewer: [f"/reporting/reports/{draft}", "/reporting"],
        admin: ["/reporting/users", f"/reporting/countries/{A}/audit"],
    }  # fmt: skip
    escaped = 0
    for client, urls in pages.items():
        for url in urls:
            html = client.get(url).text
            assert "<script>alert" not in html and "<img src=x" not in html, url
            assert "</script><img" not in html, url  # nothing breaks out of a JSON holder
            escaped += "&lt;script&gt;alert" in html
    assert escaped >= 10  # the text is shown, as text
    pdf = focal.get(f"/reporting/reports/{draft}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_uploaded_files_are_never_served_inline_even_a_pdf_that_is_also_html(world, tmp_path):
    site = site_of(world, tmp_path / "site")
    focal = site.client("focal.npl")
    polyglot = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF"
    files = {"file": ("report.pdf", polyglot, "text/html")}
    url = f"/reporting/reports/{world.ids[A]['draft']}/attachments"
    assert focal.post(url, data={"csrf": site.token(focal)}, files=files).status_code == 303
    page = focal.get(f"/reporting/reports/{world.ids[A]['draft']}").text
    ids = [int(i) for i in re.findall(r'href="/reporting/attachments/(\d+)"', page)]
    assert len(ids) == 2
    for attachment_id in ids:
        got = focal.get(f"/reporting/attachments/{attachment_id}")
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/pdf"  # never text/html
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in got.headers["content-security-policy"]
    assert csrf_of(page) == site.token(focal)
    assert SECRET  # the site signs with the test key
