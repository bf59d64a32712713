"""Issue 15, items 1, 2 and 7 on the web: a cookie replayed after sign-out opens nothing and
writes nothing; sign out everywhere; forwarded addresses do not buy more guesses unless the
administrator names the proxy; a form from another site is refused even with its token; one's
own password changes only with the current one."""

from __future__ import annotations

import os

import httpx
import pytest
from sqlalchemy import select

from target87 import reporting
from target87.reporting.models import LoginAttempt
from target87.web.site.visitors import SESSION_COOKIE
from tests.web import test_reporting_support as support
from tests.web.serving import serve
from tests.web.test_reporting_support import PASSWORD, csrf_of, email, make_site

demo_db, site = support.demo_db, support.site  # fixtures


def sign_in_form(client, local: str, password: str = PASSWORD, **headers):
    form = client.get("/signin")
    return client.post(
        "/signin",
        data={"csrf": csrf_of(form.text), "email": email(local), "password": password},
        headers=headers,
    )


def test_a_cookie_replayed_after_sign_out_reads_nothing_and_writes_nothing(site):
    client = site.client()
    assert sign_in_form(client, "focal.npl").status_code == 303
    cookie = client.cookies.get(SESSION_COOKIE)
    page = client.get("/reporting/countries/NPL/roadmap")
    assert page.status_code == 200
    token = csrf_of(page.text)
    assert client.post("/signout", data={"csrf": token}).status_code == 303

    thief = site.client()
    thief.cookies.set(SESSION_COOKIE, cookie)
    answer = thief.get("/reporting/countries/NPL/roadmap")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
    before = site.audit_count()
    write = thief.post(
        "/reporting/countries/NPL/commitments",
        data={"csrf": token, "title": "written with a stolen cookie", "version": "1"},
    )
    assert write.status_code in (303, 403)
    assert "location" not in write.headers or write.headers["location"].startswith("/signin")
    assert site.audit_count() == before  # nothing written
    assert 'href="/signin"' in thief.get("/").text  # the public's header


def test_sign_out_everywhere_ends_the_other_browsers_session(site):
    laptop, phone = site.client(), site.client()
    assert sign_in_form(laptop, "viewer.npl").status_code == 303
    assert sign_in_form(phone, "viewer.npl").status_code == 303
    account = laptop.get("/account")
    assert account.status_code == 200 and account.text.count("<tr>") == 1 + 2
    assert "this session" in account.text
    laptop.post("/signout", data={"csrf": csrf_of(account.text), "everywhere": "1"})
    assert phone.get("/account").status_code == 303
    assert laptop.get("/account").status_code == 303


def test_an_administrator_ends_the_sessions_of_an_account(site):
    focal = site.client()
    assert sign_in_form(focal, "focal.npl").status_code == 303
    admin = site.client("admin")
    page = admin.get("/reporting/users")
    user_id = site.user("focal.npl").id
    ended = admin.post(f"/reporting/users/{user_id}/sessions", data={"csrf": csrf_of(page.text)})
    assert ended.status_code == 303
    assert focal.get("/reporting").status_code == 303


def test_ones_own_password_changes_only_with_the_current_one(site):
    client = site.client()
    assert sign_in_form(client, "focal.npl").status_code == 303
    page = client.get("/account")
    token = csrf_of(page.text)
    refused = client.post("/account/password", data={"csrf": token, "password": "x" * 12})
    assert refused.status_code == 422 and "current password is not right" in refused.text
    # The administrators' route does not bypass it for one's own account either.
    uid = site.user("focal.npl").id
    refused = client.post(
        f"/reporting/users/{uid}/password", data={"csrf": token, "password": "x" * 12}
    )
    assert refused.status_code in (403, 422)
    changed = client.post(
        "/account/password",
        data={"csrf": token, "password": "a new long password", "current_password": PASSWORD},
    )
    assert changed.status_code == 303 and changed.headers["location"].startswith("/signin")
    assert client.get("/account").status_code == 303  # this session ended too
    assert sign_in_form(site.client(), "focal.npl", "a new long password").status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page.html"},
    ],
)
def test_a_form_sent_from_another_site_is_refused_even_with_its_token(site, headers):
    client = site.client("focal.npl")
    page = client.get("/reporting/countries/NPL/roadmap")
    before = site.audit_count()
    answer = client.post(
        "/reporting/countries/NPL/commitments",
        data={"csrf": csrf_of(page.text), "title": "cross-site"},
        headers=headers,
    )
    assert answer.status_code == 403 and "another site" in answer.text
    assert site.audit_count() == before
    same = client.post(
        "/reporting/countries/NPL/commitments",
        data={"csrf": csrf_of(page.text), "title": "same site"},
        headers={"Origin": "http://testserver"},
    )
    assert same.status_code != 403


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_addresses_buy_no_more_guesses(demo_db, tmp_path, monkeypatch, trusted):
    """12 wrong passwords, each 'from' another X-Forwarded-For address, then the right one:
    refused, through the server as `target87 serve` configures it. Without a trusted proxy the
    header is ignored (every guess counts against the real address); with the proxy named, the
    forwarded addresses count, and the account's own limit still holds."""
    if trusted:
        monkeypatch.setenv("TARGET87_TRUSTED_PROXIES", "127.0.0.1")
    else:
        monkeypatch.delenv("TARGET87_TRUSTED_PROXIES", raising=False)
    served = make_site(demo_db, tmp_path / "site")
    with serve(served.app) as base, httpx.Client(base_url=base) as client:
        for i in range(12):
            answer = sign_in_form(
                client, "focal.npl", "wrong password", **{"X-Forwarded-For": f"198.51.100.{i}"}
            )
            assert answer.status_code in (401, 429)
        final = sign_in_form(client, "focal.npl", **{"X-Forwarded-For": "203.0.113.99"})
        assert final.status_code == 429 and "Retry-After" in final.headers
    with served.db() as s:
        addresses = set(s.execute(select(LoginAttempt.ip)).scalars())
    assert addresses == ({f"198.51.100.{i}" for i in range(5)} if trusted else {"127.0.0.1"})
    assert os.environ.get("TARGET87_TRUSTED_PROXIES") == ("127.0.0.1" if trusted else None)
    assert reporting.accounts.MAX_FAILURES == 5
