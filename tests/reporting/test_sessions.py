"""Sessions held on the server: signed tokens that open nothing once their session ended
(sign-out, sign out everywhere, a password, role or status change, idle time, absolute end),
and per-session CSRF tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from target87 import reporting
from target87.reporting.models import UserSession, utcnow
from target87.reporting.sessions import instance_secret, new_secret

from .conftest import PASSWORD, actor, email

SECRET = "a test secret that is long enough to sign with"


def start(db, local: str, **options) -> reporting.SessionData:
    user = reporting.find_user(db, email(local))
    token = reporting.start_session(db, SECRET, user, "203.0.113.5", "pytest", **options)
    return reporting.read_session_token(SECRET, token)


def test_a_session_token_reads_back_and_a_tampered_one_does_not(db):
    user = reporting.find_user(db, email("focal.npl"))
    token = reporting.start_session(db, SECRET, user)
    data = reporting.read_session_token(SECRET, token)
    assert data.user_id == user.id and data.epoch == user.auth_epoch
    assert reporting.session_user(db, data).email == user.email
    assert reporting.read_session_token(new_secret(), token) is None  # another instance's key
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert reporting.read_session_token(SECRET, forged) is None
    assert reporting.read_session_token(SECRET, "") is None
    assert reporting.read_session_token(SECRET, token, max_age=-1) is None  # expired


def test_the_database_keeps_only_a_hash_of_the_session_id(db):
    data = start(db, "focal.npl")
    row = db.get(UserSession, reporting.sessions._key(data.sid))
    assert row is not None and data.sid not in row.id and len(row.id) == 64
    assert row.ip == "203.0.113.5" and row.user_agent == "pytest"


def test_a_signed_out_session_opens_nothing_even_with_its_valid_token(db):
    data = start(db, "focal.npl")
    assert reporting.session_user(db, data) is not None
    assert reporting.end_session(db, data)
    assert reporting.session_user(db, data) is None
    assert not reporting.end_session(db, data)  # already ended


def test_sign_out_everywhere_ends_every_session_of_the_account_only(db):
    one, two = start(db, "focal.npl"), start(db, "focal.npl")
    other = start(db, "viewer.npl")
    focal = reporting.find_user(db, email("focal.npl"))
    assert reporting.sign_out_everywhere(db, reporting.Actor(focal, "x"), focal.id) == 2
    assert reporting.session_user(db, one) is None and reporting.session_user(db, two) is None
    assert reporting.session_user(db, other) is not None
    viewer = reporting.find_user(db, email("viewer.npl"))
    with pytest.raises(reporting.Forbidden):  # a viewer cannot end another's sessions
        reporting.sign_out_everywhere(db, reporting.Actor(viewer, "x"), focal.id)


def test_a_role_change_disabling_or_new_password_ends_the_sessions(db):
    data = start(db, "viewer.npl")
    reporting.set_role(db, actor(db, "admin"), email("viewer.npl"), "focal_point", "NPL")
    assert reporting.session_user(db, data) is None
    fresh = start(db, "viewer.npl")
    assert reporting.session_user(db, fresh).role == "focal_point"
    reporting.set_active(db, actor(db, "admin"), email("viewer.npl"), False)
    assert reporting.session_user(db, fresh) is None
    reporting.set_active(db, actor(db, "admin"), email("viewer.npl"), True)
    again = start(db, "viewer.npl")
    reporting.set_password(db, actor(db, "admin"), email("viewer.npl"), "a new long password")
    assert reporting.session_user(db, again) is None
    ended = db.get(UserSession, reporting.sessions._key(again.sid))
    assert ended.ended_reason == "user.password"


def test_idle_and_absolute_timeouts(db):
    policy = reporting.SessionPolicy(idle=600, absolute=3600)
    now = utcnow()
    data = start(db, "focal.npl", policy=policy, now=now)
    assert reporting.session_user(db, data, policy, now + timedelta(seconds=590)) is not None
    # Used at 590 s: idle counts from then.
    assert reporting.session_user(db, data, policy, now + timedelta(seconds=1180)) is not None
    assert reporting.session_user(db, data, policy, now + timedelta(seconds=1800)) is None
    assert db.get(UserSession, reporting.sessions._key(data.sid)).ended_reason == "idle"
    busy = start(db, "focal.npl", policy=policy, now=now)
    for minute in range(0, 60, 5):  # used every five minutes: the absolute end still comes
        assert reporting.session_user(db, busy, policy, now + timedelta(minutes=minute))
    assert reporting.session_user(db, busy, policy, now + timedelta(minutes=61)) is None


def test_timeouts_cannot_be_switched_off():
    for idle, absolute in ((0, 3600), (600, 10**9), (7200, 3600)):
        with pytest.raises(ValueError):
            reporting.SessionPolicy(idle=idle, absolute=absolute)


def test_changing_ones_own_password_needs_the_current_one(db):
    focal = reporting.find_user(db, email("focal.npl"))
    me = reporting.Actor(focal, "203.0.113.5")
    with pytest.raises(reporting.ValidationFailed) as refused:
        reporting.set_password(db, me, focal.id, "a brand new password")
    assert refused.value.problems[0].field == "current_password"
    with pytest.raises(reporting.ValidationFailed):
        reporting.set_password(db, me, focal.id, "a brand new password", "not the password")

    reporting.set_password(db, me, focal.id, "a brand new password", PASSWORD)
    assert reporting.login(db, email("focal.npl"), "a brand new password", "203.0.113.5")


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
