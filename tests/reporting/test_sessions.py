"""Signed session tokens and per-session CSRF tokens."""

from __future__ import annotations

from target87 import reporting
from target87.reporting.sessions import instance_secret, new_secret

from .conftest import actor, email

SECRET = "a test secret that is long enough to sign with"


def test_a_session_token_reads_back_and_a_tampered_one_does_not(db):
    user = reporting.find_user(db, email("focal.npl"))
    token = reporting.issue_session_token(SECRET, user)
    data = reporting.read_session_token(SECRET, token)
    assert data.user_id == user.id and data.epoch == user.auth_epoch
    assert reporting.session_user(db, data).email == user.email
    assert reporting.read_session_token(new_secret(), token) is None  # another instance's key
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert reporting.read_session_token(SECRET, forged) is None
    assert reporting.read_session_token(SECRET, "") is None
    assert reporting.read_session_token(SECRET, token, max_age=-1) is None  # expired


def test_a_role_change_or_disabling_ends_the_session(db):
    user = reporting.find_user(db, email("viewer.npl"))
    data = reporting.read_session_token(SECRET, reporting.issue_session_token(SECRET, user))
    reporting.set_role(db, actor(db, "admin"), user.email, "focal_point", "NPL")
    assert reporting.session_user(db, data) is None
    fresh = reporting.read_session_token(SECRET, reporting.issue_session_token(SECRET, user))
    assert reporting.session_user(db, fresh).role == "focal_point"
    reporting.set_active(db, actor(db, "admin"), user.email, False)
    assert reporting.session_user(db, fresh) is None


def test_csrf_tokens_are_per_session_and_checked():
    one = reporting.csrf_token(SECRET, "session-one")
    assert len(one) == 64 and one == reporting.csrf_token(SECRET, "session-one")
    assert one != reporting.csrf_token(SECRET, "session-two")
    assert reporting.check_csrf(SECRET, "session-one", one)
    assert not reporting.check_csrf(SECRET, "session-two", one)
    assert not reporting.check_csrf(new_secret(), "session-one", one)
    assert not reporting.check_csrf(SECRET, "session-one", None)
    assert not reporting.check_csrf(SECRET, "session-one", "")


def test_the_instance_secret_is_made_once_and_private(tmp_path):
    path = tmp_path / "keys" / "secret"
    first = instance_secret(path)
    assert len(first) >= 48 and instance_secret(path) == first
    assert path.stat().st_mode & 0o077 == 0
