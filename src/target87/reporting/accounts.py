"""Accounts: create, change role, disable, set password, and log in with rate limits.

Passwords are hashed with argon2id (argon2-cffi's default profile, RFC 9106). Login failures
are rows of ``login_attempt``, so the limits hold across restarts and between workers:

* one account from one address: ``MAX_FAILURES`` within ``WINDOW``, then a wait until the
  oldest leaves the window;
* one account from any address (many machines guessing one password): after ``MAX_FAILURES``
  since its last success, each failure doubles the wait (``FIRST_WAIT`` up to
  ``LONGEST_WAIT``). An address the account signed in from within ``KNOWN_FOR`` is spared this
  limit, so a stranger cannot lock the owner out from their usual computer;
* one address, any account (one machine guessing many accounts): ``ADDRESS_FAILURES`` within
  ``WINDOW``, then doubling waits.

The address is the connection's, or the one a proxy the administrator names forwards (the
web layer decides, never a header from anyone). Role, country, active and password changes
write an audit event in their own transaction, bump ``auth_epoch`` and end the account's
sessions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from target87.reporting.audit import record
from target87.reporting.errors import (
    FieldProblem,
    LoginFailed,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from target87.reporting.locking import writing
from target87.reporting.models import COUNTRY_ROLES, ROLES, LoginAttempt, User, utcnow
from target87.reporting.permissions import Actor, require
from target87.reporting.sessions import end_sessions
from target87.store.models import Area

MAX_FAILURES = 5  # per account and address within WINDOW; per account before waits grow
ADDRESS_FAILURES = 20  # per address, across accounts, before waits grow
WINDOW = timedelta(minutes=15)
ACCOUNT_MEMORY = timedelta(hours=24)  # failures of an account counted since its last success
KNOWN_FOR = timedelta(days=30)  # an address the account signed in from lately
FIRST_WAIT = timedelta(seconds=15)
LONGEST_WAIT = timedelta(minutes=15)
MIN_PASSWORD = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HASHER = PasswordHasher()
# Verified against when the email is unknown, so that an unknown address takes as long.
_DUMMY_HASH = HASHER.hash("not a password of anyone")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def retry_after(failures: Sequence[datetime], now: datetime) -> int:
    """Seconds until a login may be tried again (0: now), given the times of the failures
    since the last success. Locked while ``MAX_FAILURES`` of them fall within ``WINDOW``."""
    recent = sorted(t for t in failures if now - t < WINDOW)
    if len(recent) < MAX_FAILURES:
        return 0
    # The lock lifts when enough of the oldest failures leave the window.
    release = recent[len(recent) - MAX_FAILURES] + WINDOW
    return max(1, int((release - now).total_seconds() + 0.999))


def _check_fields(
    session: Session,
    *,
    email: str | None = None,
    display_name: str | None = None,
    password: str | None = None,
    role: str | None = None,
    country: str | None = None,
) -> list[FieldProblem]:
    problems = []
    if email is not None:
        if not EMAIL.match(email):
            problems.append(FieldProblem("email", f"{email!r} is not an email address"))
        elif session.execute(select(User.id).where(User.email == email)).first():
            problems.append(FieldProblem("email", f"an account for {email} exists already"))
    if display_name is not None and not display_name.strip():
        problems.append(FieldProblem("display_name", "a name is required", "required"))
    if password is not None and len(password) < MIN_PASSWORD:
        problems.append(
            FieldProblem("password", f"at least {MIN_PASSWORD} characters are required", "password")
        )
    if role is not None:
        if role not in ROLES:
            problems.append(FieldProblem("role", f"{role!r} is not one of {', '.join(ROLES)}"))
        elif role in COUNTRY_ROLES and not country:
            problems.append(FieldProblem("country", f"a {role} belongs to one country", "required"))
        elif role not in COUNTRY_ROLES and country:
            problems.append(FieldProblem("country", f"a {role} works for every country"))
    if country:
        area = session.get(Area, country)
        if area is None or area.kind != "country":
            problems.append(FieldProblem("country", f"{country!r} is not a country code (ISO3)"))
    return problems


def find_user(session: Session, email_or_id: str | int) -> User:
    if isinstance(email_or_id, int):
        user = session.get(User, email_or_id)
    else:
        email = normalise_email(email_or_id)
        user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no account {email_or_id!r}")
    return user


def create_user(
    session: Session,
    actor: Actor,
    email: str,
    display_name: str,
    password: str,
    role: str,
    country: str | None = None,
) -> User:
    require(actor, "manage_users")
    email, country = normalise_email(email), (country or "").strip().upper() or None
    fields = dict(email=email, display_name=display_name, password=password, role=role)
    if problems := _check_fields(session, **fields, country=country):
        raise ValidationFailed(problems)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=HASHER.hash(password),
        role=role,
        country=country,
        active=True,
        created_at=utcnow(),
        auth_epoch=0,
    )
    with writing(session):
        session.add(user)
        session.flush()
        after = user.as_dict()
        record(session, actor, "user.create", "user", user.id, country=country, after=after)
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    require(actor, "manage_users")
    return list(session.execute(select(User).order_by(User.email)).scalars())


def _change(session: Session, actor: Actor, user: User, action: str, **changes) -> User:
    """Apply ``changes`` with their audit event; the account's sessions end (all of them:
    a new password, role or status takes effect at once, on every device)."""
    before = user.as_dict()
    with writing(session):
        for name, value in changes.items():
            setattr(user, name, value)
        user.auth_epoch += 1
        end_sessions(session, user.id, action)
        after = user.as_dict()
        country = after["country"] or before["country"]
        record(session, actor, action, "user", user.id, country=country, before=before, after=after)
    return user


def set_role(
    session: Session, actor: Actor, email_or_id: str | int, role: str, country: str | None = None
) -> User:
    require(actor, "manage_users")
    user = find_user(session, email_or_id)
    country = (country or "").strip().upper() or None
    if problems := _check_fields(session, role=role, country=country):
        raise ValidationFailed(problems)
    return _change(session, actor, user, "user.role", role=role, country=country)


def set_active(session: Session, actor: Actor, email_or_id: str | int, active: bool) -> User:
    require(actor, "manage_users")
    user = find_user(session, email_or_id)
    if not active and actor.user is not None and actor.user.id == user.id:
        raise ValidationFailed([FieldProblem("active", "you cannot disable your own account")])
    action = "user.enable" if active else "user.disable"
    return _change(session, actor, user, action, active=active)


def set_password(
    session: Session,
    actor: Actor,
    email_or_id: str | int,
    password: str,
    current_password: str | None = None,
) -> User:
    """An admin sets anyone else's password; a user sets their own only by giving the current
    one (a session left open on a shared computer must not be enough to take the account)."""
    user = find_user(session, email_or_id)
    own = actor.user is not None and actor.user.id == user.id
    if not own:
        require(actor, "manage_users")
    problems = _check_fields(session, password=password)
    if own and not _verify(user.password_hash, current_password or ""):
        problems.insert(0, FieldProblem("current_password", "the current password is not right"))
    if problems:
        raise ValidationFailed(problems)
    # The event says that the password changed, never what it is (no hash in the trail).
    return _change(session, actor, user, "user.password", password_hash=HASHER.hash(password))


def sign_out_everywhere(session: Session, actor: Actor, email_or_id: str | int) -> int:
    """End every session of an account (its own user, or an administrator); how many ended."""
    user = find_user(session, email_or_id)
    if not (actor.user is not None and actor.user.id == user.id):
        require(actor, "manage_users")
    with writing(session):
        ended = end_sessions(session, user.id, "signed out everywhere")
        record(
            session, actor, "user.sign_out", "user", user.id, country=user.country,
            after={"sessions_ended": ended},
        )  # fmt: skip
    return ended


def login(
    session: Session, email: str, password: str, ip: str | None, now: datetime | None = None
) -> User:
    """The account for ``email`` if ``password`` is right and it is active; else
    ``LoginFailed`` (never saying which), or ``RateLimited`` while a limit holds (module
    docstring: per account and address, per account across addresses with a growing wait
    that a known address is spared, and per address across accounts). A refused attempt is
    not checked, so it neither counts nor reveals anything."""
    email, ip, now = normalise_email(email), ip or "unknown", now or utcnow()
    if wait := login_wait(session, email, ip, now):
        session.rollback()
        raise RateLimited(wait)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password) and bool(
        user and user.active
    )
    with writing(session):
        session.add(LoginAttempt(email=email, ip=ip, at=now, succeeded=ok))
        if ok:
            # Failures before a success no longer count; keep the table small.
            session.execute(
                delete(LoginAttempt).where(
                    LoginAttempt.email == email,
                    ~LoginAttempt.succeeded,
                    LoginAttempt.at < now,
                )
            )
            if HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = HASHER.hash(password)
    if not ok:
        raise LoginFailed()
    return user


def login_wait(session: Session, email: str, ip: str, now: datetime) -> int:
    """Seconds before ``email`` may try to sign in from ``ip`` (0: now)."""
    a = LoginAttempt

    def failures(*where) -> list[datetime]:
        return list(session.execute(select(a.at).where(~a.succeeded, *where)).scalars())

    # This account from this address: MAX_FAILURES in WINDOW (a typo-prone user's limit).
    same = failures(a.email == email, a.ip == ip, a.at > now - WINDOW)
    waits = [retry_after(same, now)]
    # This address, whatever the account: one machine guessing many accounts.
    waits.append(growing_wait(failures(a.ip == ip, a.at > now - WINDOW), now, ADDRESS_FAILURES))
    # This account, whatever the address: many machines guessing one account. An address the
    # account signed in from lately is spared, so a stranger cannot lock its owner out.
    known = session.execute(
        select(a.id).where(a.email == email, a.ip == ip, a.succeeded, a.at > now - KNOWN_FOR)
    ).first()
    if not known:
        waits.append(
            growing_wait(failures(a.email == email, a.at > now - ACCOUNT_MEMORY), now, MAX_FAILURES)
        )
    return max(waits)


def growing_wait(failures: Sequence[datetime], now: datetime, allowed: int) -> int:
    """Seconds to wait after ``failures`` (0: none): ``allowed`` failures are free, then each
    one more doubles the wait after the latest, from ``FIRST_WAIT`` up to ``LONGEST_WAIT``."""
    if len(failures) < allowed:
        return 0
    extra = min(len(failures) - allowed, 16)
    wait = min(FIRST_WAIT * 2**extra, LONGEST_WAIT)
    release = max(failures) + wait
    return max(0, math.ceil((release - now).total_seconds()))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
