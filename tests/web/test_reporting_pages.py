"""The national reporting pages over HTTP (TestClient on a real SQLite copy of the demo set):
signing in and its limits, the values form and its errors, optimistic locking, the Excel
template down and up, narratives, attachments, the review workflow by role up to the public
profile, the roadmap with its timeline, agreed indicators, accounts and the audit pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from target87 import reporting
from target87.presentation.charts import roadmap_gantt_spec
from target87.reporting.models import Action, Report
from target87.web.site.forms import PRE_COOKIE
from target87.web.site.visitors import SESSION_COOKIE
from tests.web import test_reporting_support as support
from tests.web.test_reporting_support import (
    CHLDEC_F,
    CHLDEC_M,
    CHLDEC_T,
    INSPECTIONS,
    csrf_of,
    email,
    fill_template,
    open_report,
    pdf_bytes,
    sign_in,
    template_row,
    version_of,
)

demo_db, site = support.demo_db, support.site  # fixtures


def stored(site, report_id: int) -> dict[str, tuple]:
    with site.db() as s:
        report = s.get(Report, report_id)
        return {reporting.Cell.of(v).field: (v.value, v.footnote) for v in report.values}


def test_signing_in_sets_a_signed_httponly_lax_cookie_and_signing_out_ends_it(site):
    client = site.client()
    form = client.get("/signin?next=/reporting/countries/NPL")
    assert form.status_code == 200 and "HttpOnly" in form.headers["set-cookie"]  # pre-session
    response = client.post(
        "/signin",
        data={
            "csrf": csrf_of(form.text),
            "email": email("focal.npl"),
            "password": "demo password 87",
            "next": "/reporting/countries/NPL",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/reporting/countries/NPL"
    cookie = next(c for c in response.headers.get_list("set-cookie") if SESSION_COOKIE in c)
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP here; over HTTPS it is Secure
    token = client.cookies.get(SESSION_COOKIE)
    assert reporting.read_session_token("another key", token) is None  # signed with our key
    page = client.get("/reporting")
    assert page.status_code == 200 and "Demo Focal Point, Nepal" in page.text
    out = client.post("/signout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert client.get("/reporting").headers["location"].startswith("/signin?next=")


def test_over_https_the_session_cookie_is_secure(site):
    client = site.client(base_url="https://testserver")
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "csrf": csrf_of(form.text),
            "email": email("viewer.npl"),
            "password": "demo password 87",
        },
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if SESSION_COOKIE in c)
    assert "Secure" in cookie


def test_wrong_passwords_then_the_rate_limit_answer_429_with_a_clear_message(site):
    client = site.client()
    token = csrf_of(client.get("/signin").text)
    attempt = {"csrf": token, "email": email("focal.npl"), "password": "not the password"}
    for _ in range(5):
        response = client.post("/signin", data=attempt)
        assert response.status_code == 401
        assert "The email or the password is wrong" in response.text
    response = client.post("/signin", data={**attempt, "password": "demo password 87"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in response.text
    assert SESSION_COOKIE not in client.cookies


def test_the_sign_in_form_refuses_a_post_without_its_token_and_never_leaves_the_site(site):
    client = site.client()
    data = {"email": email("admin"), "password": "demo password 87"}
    assert client.post("/signin", data=data).status_code == 403
    token = csrf_of(client.get("/signin").text)
    assert client.cookies.get(PRE_COOKIE)
    response = client.post("/signin", data={**data, "csrf": token, "next": "//evil.example/x"})
    assert response.headers["location"] == "/reporting"


def test_the_values_form_shows_each_error_next_to_its_field_and_saves_nothing(site):
    client = site.client("focal.npl")
    report_id = open_report(site, client)
    page = client.get(f"/reporting/reports/{report_id}")
    assert page.status_code == 200 and f'name="value:{CHLDEC_T}"' in page.text
    data = {
        "csrf": csrf_of(page.text),
        "version": version_of(page.text),
        f"value:{CHLDEC_T}": "15.3",
        f"value:{CHLDEC_F}": "sixteen",
        f"value:{CHLDEC_M}": "140",  # a percentage over 100
    }
    before = site.audit_count()
    response = client.post(f"/reporting/reports/{report_id}/values", data=data)
    assert response.status_code == 422
    assert "Nothing was saved" in response.text
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(
            r'<tr class="has-problem">.*?name="value:([^"]+)".*?</tr>', response.text, re.S
        )
    }
    assert set(rows) == {CHLDEC_F, CHLDEC_M}  # each problem sits in its own row
    assert "&#39;sixteen&#39; is not a number" in rows[CHLDEC_F]
    assert 'value="sixteen"' in rows[CHLDEC_F]  # what was typed is shown again
    assert stored(site, report_id) == {} and site.audit_count() == before
    data.update({f"value:{CHLDEC_F}": "16.1", f"value:{CHLDEC_M}": "14.6"})
    response = client.post(f"/reporting/reports/{report_id}/values", data=data)
    assert response.status_code == 303
    assert stored(site, report_id) == {
        CHLDEC_T: (15.3, None),
        CHLDEC_F: (16.1, None),
        CHLDEC_M: (14.6, None),
    }
    assert "Saved." in client.get(response.headers["location"]).text


def test_two_people_saving_the_same_draft_get_a_conflict_not_an_overwrite(site):
    focal, admin = site.client("focal.npl"), site.client("admin")
    report_id = open_report(site, focal)
    mine = focal.get(f"/reporting/reports/{report_id}").text
    theirs = admin.get(f"/reporting/reports/{report_id}").text
    saved = admin.post(
        f"/reporting/reports/{report_id}/values",
        data={"csrf": csrf_of(theirs), "version": version_of(theirs), f"value:{CHLDEC_T}": "12"},
    )
    assert saved.status_code == 303
    late = focal.post(
        f"/reporting/reports/{report_id}/values",
        data={"csrf": csrf_of(mine), "version": version_of(mine), f"value:{CHLDEC_T}": "15.3"},
    )
    assert late.status_code == 409
    assert "Someone else saved first" in late.text and "Demo Administrator" in late.text
    assert "<dd>15.3</dd>" in late.text  # the loser's entry is shown, not lost
    assert stored(site, report_id)[CHLDEC_T] == (12.0, None)
    assert f'name="version" value="{int(version_of(mine)) + 1}"' in late.text


def test_a_template_with_one_error_is_listed_by_sheet_row_column_and_the_draft_stays(site):
    client = site.client("focal.npl")
    report_id = open_report(site, client)
    page = client.get(f"/reporting/reports/{report_id}").text
    data = {"csrf": csrf_of(page), "version": version_of(page), f"value:{INSPECTIONS}": "900"}
    assert client.post(f"/reporting/reports/{report_id}/values", data=data).status_code == 303
    download = client.get(f"/reporting/reports/{report_id}/template.xlsx")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    values = {("SL_TLF_CHLDEC", "_T", "Y5T17"): 15.3, ("NAT_LAB_INSP", "_T", "_T"): "many"}
    bad = fill_template(download.content, values)
    row = template_row(download.content, ("NAT_LAB_INSP", "_T", "_T"))
    before = (stored(site, report_id), site.audit_count())
    page = client.get(f"/reporting/reports/{report_id}").text
    form = {"csrf": csrf_of(page), "version": version_of(page)}
    files = {"file": ("nepal 2024.xlsx", bad, "application/octet-stream")}
    response = client.post(f"/reporting/reports/{report_id}/template", data=form, files=files)
    assert response.status_code == 422
    assert "nothing in the draft changed" in response.text
    table = re.search(r'<table class="problem-table">.*?</table>', response.text, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", table.split("<tbody>")[1], re.S)
    assert cells[:3] == ["data", str(row), "value"]  # sheet, row, column of the one error
    assert (stored(site, report_id), site.audit_count()) == before
    good = fill_template(download.content, {**values, ("NAT_LAB_INSP", "_T", "_T"): 1180})
    files = {"file": ("nepal 2024.xlsx", good, "application/octet-stream")}
    response = client.post(f"/reporting/reports/{report_id}/template", data=form, files=files)
    assert response.status_code == 303
    assert stored(site, report_id) == {CHLDEC_T: (15.3, None), INSPECTIONS: (1180.0, None)}


def test_a_narrative_per_commitment_is_saved_and_a_stale_one_is_refused(site):
    client = site.client("focal.npl")
    report_id = open_report(site, client)
    with site.db() as s:
        first = reporting.roadmap(s, reporting.Actor.command_line(), "NPL")[0].id
    page = client.get(f"/reporting/reports/{report_id}").text
    url = f"/reporting/reports/{report_id}/narratives/{first}"
    data = {"csrf": csrf_of(page), "version": version_of(page), "text": "120 inspectors trained."}
    assert client.post(url, data=data).status_code == 303
    shown = client.get(f"/reporting/reports/{report_id}").text
    assert re.search(rf'id="narrative-{first}"[^>]*>120 inspectors trained\.</textarea>', shown)
    stale = client.post(url, data={**data, "text": "an older tab"})
    assert stale.status_code == 409 and "<dd>an older tab</dd>" in stale.text
    with site.db() as s:
        texts = reporting.narratives(s, reporting.Actor.command_line(), report_id)
    assert texts == {first: "120 inspectors trained."}


def test_attachments_are_size_limited_typed_by_content_and_always_downloaded(site, monkeypatch):
    client = site.client("focal.npl")
    report_id = open_report(site, client)
    page = client.get(f"/reporting/reports/{report_id}").text
    url = f"/reporting/reports/{report_id}/attachments"
    annex = pdf_bytes()
    sent = client.post(
        url, data={"csrf": csrf_of(page)}, files={"file": ("annex.pdf", annex, "text/html")}
    )
    assert sent.status_code == 303
    page = client.get(f"/reporting/reports/{report_id}").text
    (link,) = re.findall(r'href="(/reporting/attachments/\d+)" download>annex.pdf', page)
    got = client.get(link)
    assert got.content == annex and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith('attachment; filename="annex.pdf"')
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    html = b"<html><script>alert(1)</script></html>"
    refused = client.post(
        url, data={"csrf": csrf_of(page)}, files={"file": ("annex.pdf", html, "application/pdf")}
    )
    assert refused.status_code == 422 and "The file was not attached" in refused.text
    monkeypatch.setenv("TARGET87_MAX_ATTACHMENT_BYTES", str(len(annex) - 1))
    over = client.post(
        url, data={"csrf": csrf_of(page)}, files={"file": ("big.pdf", annex, "application/pdf")}
    )
    assert over.status_code == 422 and "over the limit" in over.text
    monkeypatch.setenv("TARGET87_MAX_ATTACHMENT_BYTES", "1000")
    huge = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    far = client.post(
        url, data={"csrf": csrf_of(page)}, files={"file": ("huge.pdf", huge, "application/pdf")}
    )
    assert far.status_code == 413 and "over the size limit" in far.text
    with site.db() as s:
        files = reporting.attachments(s, reporting.Actor.command_line(), report_id)
    assert [f.filename for f in files] == ["annex.pdf"]


def button(html: str, action: str) -> bool:
    return f'/{action}" class=' in html


def test_the_workflow_shows_each_role_its_buttons_and_ends_on_the_public_profile(site):
    focal, reviewer, public = site.client("focal.npl"), site.client("secretariat"), site.client()
    report_id = open_report(site, focal)
    url = f"/reporting/reports/{report_id}"
    page = focal.get(url).text
    entries = {
        f"value:{CHLDEC_T}": "15.3",
        f"value:{CHLDEC_F}": "16.1",
        f"value:{CHLDEC_M}": "14.6",
    }
    data = {"csrf": csrf_of(page), "version": version_of(page), **entries}
    assert focal.post(f"{url}/values", data=data).status_code == 303
    page = focal.get(url).text
    assert button(page, "submit") and not button(page, "approve")
    assert reviewer.get(url).text.count('name="value:') == 0  # no values form for reviewers
    submit = {"csrf": csrf_of(page), "version": version_of(page)}
    assert focal.post(f"{url}/submit", data=submit).status_code == 303
    page = reviewer.get(url).text
    assert button(page, "return") and button(page, "approve") and not button(page, "publish")
    refused = focal.post(f"{url}/approve", data={"csrf": site.token(focal)})
    assert refused.status_code == 403 and "may not review" in refused.text
    back = {"csrf": csrf_of(page), "version": version_of(page), "comment": " "}
    empty = reviewer.post(f"{url}/return", data=back)
    assert empty.status_code == 422 and "say what must change" in empty.text
    back["comment"] = "Girls' rate: give the survey in a footnote."
    assert reviewer.post(f"{url}/return", data=back).status_code == 303
    page = focal.get(url).text
    assert "Girls&#39; rate: give the survey in a footnote." in page
    data = {
        "csrf": csrf_of(page),
        "version": version_of(page),
        f"value:{CHLDEC_F}": "16.1",
        f"footnote:{CHLDEC_F}": "NCLS 2021",
    }
    assert focal.post(f"{url}/values", data=data).status_code == 303
    page = focal.get(url).text
    submit = {"csrf": csrf_of(page), "version": version_of(page)}
    assert focal.post(f"{url}/submit", data=submit).status_code == 303
    page = reviewer.get(url).text
    approve = {"csrf": csrf_of(page), "version": version_of(page)}
    assert reviewer.post(f"{url}/approve", data=approve).status_code == 303
    assert public.get("/countries/NPL").text.count("natrep_npl") == 0
    page = reviewer.get(url).text
    assert button(page, "publish")
    sdmx = reviewer.get(f"{url}/sdmx.csv")  # approved values, before publication
    assert sdmx.status_code == 200 and "attachment" in sdmx.headers["content-disposition"]
    publish = {"csrf": csrf_of(page), "version": version_of(page)}
    assert reviewer.post(f"{url}/publish", data=publish).status_code == 303
    profile = public.get("/countries/NPL").text
    source = f"natrep_npl_2024_{report_id}"
    assert re.search(rf"<td>2024</td>.*?<td>15\.3</td>.*?href=\"#src-{source}\"", profile, re.S)
    assert f'id="src-{source}"' in profile
    shown = public.get(url)
    assert shown.status_code == 200 and "15.3" in shown.text  # a published report is public
    assert "survey in a footnote" not in shown.text  # but not the review's exchanges
    assert public.get(f"{url}/audit").status_code == 303  # its trail is not


def test_the_roadmap_pages_edit_actions_with_errors_by_field_and_show_overdue_ones(site):
    client = site.client("focal.npl")
    page = client.get("/reporting/countries/NPL/roadmap").text
    made = client.post(
        "/reporting/countries/NPL/commitments",
        data={"csrf": csrf_of(page), "title": "Referral services (test)", "description": ""},
    )
    assert made.status_code == 303
    with site.db() as s:
        (commitment,) = [
            c
            for c in reporting.roadmap(s, reporting.Actor.command_line(), "NPL")
            if c.title == "Referral services (test)"
        ]
        cid = commitment.id
    form = client.get(f"/reporting/commitments/{cid}/actions/new").text
    fields = {
        "csrf": csrf_of(form),
        "title": "Open ten referral centres",
        "owner_institution": "Ministry of Women, Children and Senior Citizens",
        "start_date": "2024-03-01",
        "due_date": "2023-12-31",
        "budget_amount": "50000",
        "budget_currency": "EURO",
        "funded_share": "0.5",
        "status": "under_way",
        "progress_notes": "",
        "target_series_0": "NAT_CHLD_WDRN",
        "target_value_0": "lots",
        "target_year_0": "2026",
    }
    refused = client.post(f"/reporting/commitments/{cid}/actions", data=fields)
    assert refused.status_code == 422
    for field in ("due_date", "budget_currency", "target_value_0"):
        assert f'aria-describedby="f-{field}-problems"' in refused.text or (
            f'aria-describedby="{field}-problems"' in refused.text
        ), field
    assert 'value="Open ten referral centres"' in refused.text
    fields.update(due_date="2025-01-31", budget_currency="EUR", target_value_0="400")
    assert client.post(f"/reporting/commitments/{cid}/actions", data=fields).status_code == 303
    with site.db() as s:
        action = s.execute(select(Action).where(Action.commitment_id == cid)).scalar_one()
        aid, version = action.id, action.version
        assert [(t.series, t.target_value) for t in action.targets] == [("NAT_CHLD_WDRN", 400)]
    roadmap = client.get("/reporting/countries/NPL/roadmap").text
    row = re.search(rf'<tr id="a{aid}" class="overdue">.*?</tr>', roadmap, re.S)
    assert row and "overdue" in row.group(0)  # due 2025-01-31, under way: overdue today
    spec = re.search(r'data-target="chart-gantt">(.*?)</script>', roadmap, re.S).group(1)
    assert "Open ten referral centres" in spec
    edit = {**fields, "csrf": csrf_of(roadmap), "version": str(version), "status": "done"}
    assert client.post(f"/reporting/actions/{aid}", data=edit).status_code == 303
    stale = client.post(f"/reporting/actions/{aid}", data={**edit, "status": "dropped"})
    assert stale.status_code == 409 and "Someone else saved first" in stale.text
    roadmap = client.get("/reporting/countries/NPL/roadmap").text
    assert f'<tr id="a{aid}" >' in roadmap or f'<tr id="a{aid}">' in roadmap  # done: on time
    gone = client.post(
        f"/reporting/actions/{aid}/delete", data={"csrf": csrf_of(roadmap), "version": "2"}
    )
    assert gone.status_code == 303
    with site.db() as s:
        assert s.get(Action, aid) is None


def test_the_gantt_spec_draws_a_bar_per_dated_action_and_marks_the_overdue_ones():
    import pandas as pd

    rows = pd.DataFrame(
        [
            ("Train inspectors", "Kilns", "Labour", "2023-01-15", "2024-12-31", "under way", True),
            ("Register kilns", "Kilns", "Labour", "2022-06-01", "2023-06-30", "done", False),
        ],
        columns=["action", "commitment", "owner", "start", "due", "status", "overdue"],
    )
    labels = {
        "overdue": "overdue",
        "today": "today",
        "status": "Status",
        "statuses": ["planned", "under way", "done", "delayed", "dropped"],
    }
    spec = roadmap_gantt_spec(rows, "Timeline", "two actions", labels, date(2025, 5, 1))
    layers = {layer["name"]: layer for layer in spec["layer"]}
    data = {name: spec["datasets"][layer["data"]["name"]] for name, layer in layers.items()}
    assert [r["action"] for r in data["actions"]] == ["Train inspectors", "Register kilns"]
    assert layers["actions"]["encoding"]["x"]["field"] == "start"
    assert layers["actions"]["encoding"]["x2"]["field"] == "due"
    assert [r["action"] for r in data["overdue"]] == ["Train inspectors"]
    assert data["today"] == [{"today": "2025-05-01", "label": "today"}]
    assert spec["description"] == "two actions"


def test_the_secretariat_sets_the_agreed_indicators_and_focal_points_only_read_them(site):
    reviewer, focal = site.client("secretariat"), site.client("focal.npl")
    page = reviewer.get("/reporting/countries/NPL/indicators").text
    assert 'name="config"' in page and "SL_TLF_CHLDEC: _T/Y5T17 F/Y5T17 M/Y5T17" in page
    url = "/reporting/countries/NPL/indicators"
    config = "SL_TLF_CHLDEC: _T/Y5T17\nNAT_LAB_INSP\nNO_SUCH_SERIES"
    refused = reviewer.post(url, data={"csrf": csrf_of(page), "config": config})
    assert (
        refused.status_code == 422 and "no series matches &#39;NO_SUCH_SERIES&#39;" in refused.text
    )
    config = "SL_TLF_CHLDEC: _T/Y5T17\nNAT_LAB_INSP"
    assert reviewer.post(url, data={"csrf": csrf_of(page), "config": config}).status_code == 303
    with site.db() as s:
        agreed = {a.series: a.cells for a in reporting.agreed_indicators(s, "NPL")}
    assert agreed == {"NAT_LAB_INSP": [("_T", "_T")], "SL_TLF_CHLDEC": [("_T", "Y5T17")]}
    seen = focal.get(url)
    assert seen.status_code == 200 and 'name="config"' not in seen.text
    assert (
        focal.post(url, data={"csrf": site.token(focal), "config": "NAT_LAB_INSP"}).status_code
        == 403
    )
    series = reviewer.post(
        "/reporting/series",
        data={
            "csrf": csrf_of(page),
            "country": "NPL",
            "code": "NAT_CHLD_RESC",
            "name_en": "Children rescued",
            "name_fr": "Enfants secourus",
            "name_es": "Niños rescatados",
            "unit": "NUMBER",
            "direction": "higher_is_better",
        },
    )
    assert series.status_code == 303
    assert "NAT_CHLD_RESC" in reviewer.get(url + "?lang=es").text


def test_accounts_are_managed_by_administrators_and_a_disabled_account_is_signed_out(site):
    admin, focal = site.client("admin"), site.client("focal.uga")
    assert focal.get("/reporting/users").status_code == 403
    page = admin.get("/reporting/users").text
    made = admin.post(
        "/reporting/users",
        data={
            "csrf": csrf_of(page),
            "email": "focal.ken@example.org",
            "display_name": "Focal Point, Kenya",
            "password": "a long enough password",
            "role": "focal_point",
            "country": "KEN",
        },
    )
    assert made.status_code == 303
    short = admin.post(
        "/reporting/users",
        data={"csrf": csrf_of(page), "email": "x@example.org", "display_name": "X",
              "password": "short", "role": "viewer", "country": ""},
    )  # fmt: skip
    assert short.status_code == 422 and "at least 10 characters" in short.text
    assert focal.get("/reporting").status_code == 200
    uga = site.user("focal.uga").id
    off = admin.post(f"/reporting/users/{uga}/active", data={"csrf": csrf_of(page), "active": "no"})
    assert off.status_code == 303
    assert focal.get("/reporting").headers["location"].startswith("/signin")  # session ended
    new = sign_in(site, "admin")
    assert "Focal Point, Kenya" in new.get("/reporting/users").text


def test_the_audit_pages_list_every_change_with_who_and_from_where(site):
    client = site.client("focal.npl")
    report_id = open_report(site, client)
    page = client.get(f"/reporting/reports/{report_id}").text
    data = {"csrf": csrf_of(page), "version": version_of(page), f"value:{CHLDEC_T}": "15.3"}
    client.post(f"/reporting/reports/{report_id}/values", data=data)
    trail = client.get(f"/reporting/reports/{report_id}/audit")
    assert trail.status_code == 200
    assert "<code>report.create</code>" in trail.text and "<code>value.add</code>" in trail.text
    assert "testclient" in trail.text  # the client's address
    country = client.get("/reporting/countries/NPL/audit").text
    assert "<code>commitment.add</code>" in country and "<code>value.add</code>" in country
    assert site.client("viewer.npl").get(f"/reporting/reports/{report_id}/audit").status_code == 403


@pytest.mark.parametrize(
    ("lang", "words"), [("fr", "Valeurs des indicateurs"), ("es", "Hoja de ruta")]
)
def test_the_reporting_pages_speak_the_readers_language(site, lang, words):
    client = site.client("focal.npl")
    report_id = open_report(site, client)
    page = client.get(f"/reporting/reports/{report_id}?lang={lang}").text
    roadmap = client.get("/reporting/countries/NPL/roadmap").text  # the cookie keeps it
    assert f'<html lang="{lang}">' in page and words in page + roadmap


def test_every_text_key_the_reporting_templates_use_exists():
    from target87.presentation.messages import MESSAGES
    from target87.presentation.rendering import TEMPLATES

    folder = TEMPLATES / "reporting"
    used = {
        key
        for path in folder.glob("*.html")
        for key in re.findall(r"""\bt\(\s*["'](\w+)["']\s*\)""", path.read_text())
    }
    assert len(used) > 100 and used <= set(MESSAGES), sorted(used - set(MESSAGES))
