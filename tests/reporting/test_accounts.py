"""Accounts: argon2 hashes, field errors, audited role changes, login and its rate limit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting.accounts import MAX_FAILURES, WINDOW, retry_after
from target87.reporting.models import User

from .conftest import PASSWORD, actor, audit, email


def test_retry_after_by_hand():
    now = datetime(2026, 1, 1, 12, 0, 0)
    minutes = [timedelta(minutes=m) for m in (14, 10, 6, 3, 1)]
    assert retry_after([now - m for m in minutes[1:]], now) == 0  # four failures: not locked
    # Five failures in 15 minutes: locked until the oldest (14 min ago) leaves the window.
    assert retry_after([now - m for m in minutes], now) == 60
    # A sixth, 20 minutes ago, is outside the window and does not count.
    assert retry_after([now - m for m in minutes] + [now - timedelta(minutes=20)], now) == 60
    # Six inside: the lock lasts until the second oldest leaves (two must go).
    six = [now - m for m in minutes] + [now - timedelta(minutes=12)]
    assert retry_after(six, now) == 3 * 60
    assert MAX_FAILURES == 5 and timedelta(minutes=15) == WINDOW


def test_a_new_account_has_an_argon2id_hash_and_an_audit_event(db):
    admin = actor(db, "admin")
    user = reporting.create_user(
        db, admin, " New.Person@Example.org ", "New Person", "a long passphrase", "viewer", "npl"
    )
    assert user.email == "new.person@example.org" and user.country == "NPL"
    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, "a long passphrase")  # independent check
    (event,) = audit(db, action="user.create", user_id=admin.user.id)
    assert event.after_data["role"] == "viewer" and event.ip == "192.0.2.10"
    assert "hash" not in event.after and "passphrase" not in event.after


def test_account_fields_are_checked_and_named(db):
    admin = actor(db, "admin")
    with pytest.raises(reporting.ValidationFailed) as info:
        reporting.create_user(db, admin, email("focal.npl"), " ", "short", "focal_point", None)
    assert {(p.field, p.rule) for p in info.value.problems} == {
        ("email", "format"),  # exists already
        ("display_name", "required"),
        ("password", "password"),
        ("country", "required"),
    }
    with pytest.raises(reporting.ValidationFailed) as info:
        reporting.create_user(db, admin, "x@y.org", "X", "long enough!", "secretariat", "ATLANTIS")
    assert [p.field for p in info.value.problems] == ["country", "country"]
    assert db.execute(select(func.count()).select_from(User)).scalar() == 5


def test_only_an_admin_manages_accounts(db):
    for who in ("secretariat", "focal.npl", None):
        with pytest.raises(reporting.Forbidden):
            reporting.create_user(db, actor(db, who), "z@y.org", "Z", "long enough!", "admin")
        with pytest.raises(reporting.Forbidden):
            reporting.set_role(db, actor(db, who), email("viewer.npl"), "admin")


def test_role_and_active_changes_are_audited_and_end_sessions(db):
    admin = actor(db, "admin")
    viewer = reporting.find_user(db, email("viewer.npl"))
    epoch = viewer.auth_epoch
    reporting.set_role(db, admin, viewer.email, "focal_point", "NPL")
    reporting.set_active(db, admin, viewer.email, False)
    events = audit(db, entity_type="user", entity_id=str(viewer.id))
    assert [e.action for e in events][-2:] == ["user.role", "user.disable"]
    assert (
        events[-2].before_data["role"] == "viewer"
        and events[-2].after_data["role"] == "focal_point"
    )
    assert events[-1].before_data["active"] is True and events[-1].after_data["active"] is False
    assert all(e.country == "NPL" for e in events)
    assert viewer.auth_epoch == epoch + 2
    with pytest.raises(reporting.ValidationFailed, match="your own account"):
        reporting.set_active(db, admin, admin.user.email, False)


def test_login_right_wrong_and_disabled(db):
    user = reporting.login(db, email("focal.npl"), PASSWORD, "198.51.100.1")
    assert user.role == "focal_point"
    with pytest.raises(reporting.LoginFailed, match="the email or the password is wrong"):
        reporting.login(db, email("focal.npl"), "wrong password", "198.51.100.1")
    with pytest.raises(reporting.LoginFailed):
        reporting.login(db, "nobody@example.org", PASSWORD, "198.51.100.1")
    reporting.set_active(db, actor(db, "admin"), email("focal.uga"), False)
    with pytest.raises(reporting.LoginFailed):  # the same message: nothing to learn
        reporting.login(db, email("focal.uga"), PASSWORD, "198.51.100.1")


@pytest.mark.slow
def test_rate_limit_is_per_email_and_ip_and_survives_a_restart(rep_url):
    from target87 import store

    who, ip, now = email("focal.npl"), "203.0.113.7", datetime(2030, 1, 1, 9, 0)
    engine = store.make_engine(rep_url)
    with Session(engine) as s:
        for minute in range(MAX_FAILURES):
            with pytest.raises(reporting.LoginFailed):
                reporting.login(s, who, "wrong password", ip, now + timedelta(minutes=minute))
    engine.dispose()  # a restart: nothing kept in memory
    engine = store.make_engine(rep_url)
    later = now + timedelta(minutes=5)
    with Session(engine) as s:
        with pytest.raises(reporting.RateLimited) as info:  # even with the right password
            reporting.login(s, who, PASSWORD, ip, later)
        assert info.value.retry_after == 10 * 60
        # Another address, or another account from this address, is not locked.
        assert reporting.login(s, who, PASSWORD, "203.0.113.8", later).email == who
        with pytest.raises(reporting.LoginFailed):
            reporting.login(s, email("viewer.npl"), "wrong password", ip, later)
        # When the first failure leaves the window, the right password works again.
        assert reporting.login(s, who, PASSWORD, ip, now + WINDOW).email == who
    engine.dispose()
