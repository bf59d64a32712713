"""``target87 users`` and ``target87 reporting``, run in-process against a real database."""

from __future__ import annotations

import os

os.environ["COLUMNS"] = "200"  # Rich reads the width once; wide enough that cells do not wrap

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from target87 import reporting, store
from target87.cli import app

from .conftest import CHLDEC_T, actor, audit, draft, email

runner = CliRunner()
SECRET = "a secret of the new admin"


def run(url: str, *args: str, input: str | None = None):
    return runner.invoke(app, ["--database-url", url, *args], input=input)


def test_users_add_list_set_role_disable_and_password(rep_url):
    added = run(rep_url, "users", "add", "Boss@Example.org", "--name", "Boss", "--role", "admin",
                "--password-stdin", input=SECRET + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Account created: boss@example.org (admin, all)" in added.output
    assert SECRET not in added.output
    prompted = run(rep_url, "users", "add", "v@example.org", "--name", "V", "--role", "viewer",
                   "--country", "KEN", input=f"{SECRET}\n{SECRET}\n")  # fmt: skip
    assert prompted.exit_code == 0, prompted.output
    assert SECRET not in prompted.output  # the prompt never echoes
    listed = run(rep_url, "users", "list")
    assert "boss@example.org" in listed.output and "viewer" in listed.output
    assert SECRET not in listed.output and "argon2" not in listed.output
    assert run(rep_url, "users", "set-role", "v@example.org", "focal_point", "--country",
               "KEN").exit_code == 0  # fmt: skip
    assert run(rep_url, "users", "disable", "v@example.org").exit_code == 0
    changed = run(rep_url, "users", "set-password", "boss@example.org", "--password-stdin",
                  input="another long secret\n")  # fmt: skip
    assert changed.exit_code == 0, changed.output
    engine = store.make_engine(rep_url)
    with Session(engine) as s:
        assert reporting.login(s, "boss@example.org", "another long secret", "127.0.0.1")
        user = reporting.find_user(s, "v@example.org")
        assert (user.role, user.country, user.active) == ("focal_point", "KEN", False)
        events = audit(s, entity_type="user", entity_id=str(user.id))
        assert [e.action for e in events] == ["user.create", "user.role", "user.disable"]
        assert {e.actor for e in events} == {"command line"}
    engine.dispose()


def test_refusals_exit_2_naming_the_field(rep_url):
    short = run(rep_url, "users", "add", "x@example.org", "--name", "X", "--role", "focal_point",
                "--password-stdin", input="short\n")  # fmt: skip
    assert short.exit_code == 2
    assert "password" in short.output and "country" in short.output
    assert run(rep_url, "users", "disable", "nobody@example.org").exit_code == 2


def test_demo_refuses_to_run_twice(rep_url):
    again = run(rep_url, "reporting", "demo")
    assert again.exit_code == 2 and "exist already" in again.output


def test_demo_on_a_fresh_database_and_the_sdmx_export(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    made = run(url, "reporting", "demo", "--password-stdin", input="one demo password\n")
    assert made.exit_code == 0, made.output
    assert email("focal.npl") in made.output and "one demo password" not in made.output
    engine = store.make_engine(url)
    with Session(engine) as s:
        report = draft(s, {CHLDEC_T: "15.3"})
        report = reporting.submit(s, actor(s, "focal.npl"), report.id, report.version)
        report_id = reporting.approve(s, actor(s, "secretariat"), report.id, report.version).id
    engine.dispose()
    out = tmp_path / "npl.csv"
    exported = run(url, "reporting", "export-sdmx", str(report_id), "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert "1 observation(s) written" in exported.output
    assert ",N,SL_TLF_CHLDEC,524,_T,Y5T17," in out.read_text(encoding="utf-8")


def test_the_secretariat_sets_agreed_indicators_and_national_series_from_the_cli(rep_url):
    defined = run(rep_url, "reporting", "national-series", "NAT_CLI_INSP",
                  "--name-en", "Labour inspections carried out",
                  "--name-fr", "Inspections du travail réalisées",
                  "--name-es", "Inspecciones laborales realizadas",
                  "--unit", "NUMBER", "--direction", "higher_is_better")  # fmt: skip
    assert defined.exit_code == 0, defined.output
    agreed = run(rep_url, "reporting", "agree", "KEN", "SL_TLF_CHLDEC", "VC_HTF_DETV*",
                 "NAT_CLI_INSP")  # fmt: skip
    assert agreed.exit_code == 0, agreed.output
    assert "VC_HTF_DETVFL" in agreed.output and "NAT_CLI_INSP" in agreed.output
    engine = store.make_engine(rep_url)
    with Session(engine) as s:
        held = {a.series for a in reporting.agreed_indicators(s, "KEN")}
    engine.dispose()
    assert {"SL_TLF_CHLDEC", "VC_HTF_DETV", "NAT_CLI_INSP"} <= held
    refused = run(rep_url, "reporting", "agree", "KEN", "NO_SUCH_SERIES")
    assert refused.exit_code == 2 and "no series matches 'NO_SUCH_SERIES'" in refused.output


def test_users_sign_out_ends_every_session_of_the_account(rep_url):
    engine = store.make_engine(rep_url)
    with Session(engine) as s:
        user = reporting.find_user(s, email("focal.npl"))
        tokens = [reporting.start_session(s, SECRET, user) for _ in range(2)]
    ended = run(rep_url, "users", "sign-out", email("focal.npl"))
    assert ended.exit_code == 0, ended.output
    assert f"2 session(s) of {email('focal.npl')} ended." in ended.output
    with Session(engine) as s:
        for token in tokens:
            assert reporting.session_user(s, reporting.read_session_token(SECRET, token)) is None
        events = audit(s, entity_type="user", entity_id=str(user.id))
        assert events[-1].action == "user.sign_out" and events[-1].actor == "command line"
    engine.dispose()
