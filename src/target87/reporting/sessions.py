"""Sessions held on the server, their signed cookie tokens, and CSRF tokens.

A session is a row of ``user_session`` (``models.UserSession``): it ends at sign-out, by "sign
out everywhere", when the account's password, role or active flag changes, after ``idle``
without a request, and at its absolute end, whatever the cookie says. The cookie carries a
token signed with the instance's secret (itsdangerous, HMAC over a salted key) holding the
user id, the user's ``auth_epoch`` and a random session id; the row keeps only the sha256 of
that id. A token is honoured only while its row stands, so a cookie replayed after sign-out
opens nothing. The CSRF token is an HMAC of the session id: per session, unguessable without
the secret, and checked in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from target87.reporting.locking import writing
from target87.reporting.models import User, UserSession, utcnow

SESSION_MAX_AGE = 8 * 3600  # seconds: the absolute end of a session, whatever its activity
SESSION_IDLE = 30 * 60  # seconds without a request after which a session ends
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often
_SALT = "target87.session"


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last (seconds). The defaults are the safe choice; an instance may set
    shorter or, within reason, longer ones (``TARGET87_SESSION_IDLE_MINUTES``,
    ``TARGET87_SESSION_HOURS``)."""

    idle: int = SESSION_IDLE
    absolute: int = SESSION_MAX_AGE

    def __post_init__(self) -> None:
        if not 60 <= self.idle <= self.absolute <= 7 * 24 * 3600:
            raise ValueError(
                f"session timeouts out of range: idle {self.idle} s must be at least 60 s and "
                f"at most the absolute {self.absolute} s, itself at most 7 days"
            )


@dataclass(frozen=True)
class SessionData:
    user_id: int
    epoch: int
    sid: str


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def instance_secret(path: Path) -> str:
    """The instance's secret key, read from ``path`` or created there (owner-only file)."""
    path = Path(path)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    secret = new_secret()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secret)
    return secret


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start_session(
    db: Session,
    secret: str,
    user: User,
    ip: str | None = None,
    user_agent: str | None = None,
    policy: SessionPolicy | None = None,
    now: datetime | None = None,
) -> str:
    """Open a session for ``user`` (committed) and return its signed cookie token."""
    policy, now = policy or SessionPolicy(), now or utcnow()
    sid = secrets.token_urlsafe(24)
    with writing(db):
        db.add(
            UserSession(
                id=_key(sid),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(seconds=policy.absolute),
                ip=(ip or "")[:64] or None,
                user_agent=(user_agent or "")[:200] or None,
            )
        )
    return _serializer(secret).dumps({"u": user.id, "e": user.auth_epoch, "s": sid})


def read_session_token(
    secret: str, token: str | None, max_age: int = SESSION_MAX_AGE
) -> SessionData | None:
    """The token's content, or None when it is missing, forged, altered or expired. The
    session's row decides the rest (:func:`session_user`)."""
    if not token:
        return None
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
        return SessionData(int(data["u"]), int(data["e"]), str(data["s"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None  # SignatureExpired is a BadSignature


def session_user(
    db: Session,
    data: SessionData | None,
    policy: SessionPolicy | None = None,
    now: datetime | None = None,
) -> User | None:
    """The signed-in user, or None (the public) when the session no longer stands: ended,
    idle too long, past its absolute end, or its account disabled or changed since."""
    if data is None:
        return None
    policy, now = policy or SessionPolicy(), now or utcnow()
    row = db.get(UserSession, _key(data.sid))
    if row is None or row.user_id != data.user_id or row.ended_at is not None:
        return None
    if now >= row.expires_at:
        _end(db, row, "expired", now)
        return None
    if now - row.last_seen_at > timedelta(seconds=policy.idle):
        _end(db, row, "idle", now)
        return None
    user = db.get(User, data.user_id)
    if user is None or not user.active or user.auth_epoch != data.epoch:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with writing(db):
            row.last_seen_at = now
    return user


def _end(db: Session, row: UserSession, reason: str, now: datetime) -> None:
    with writing(db):
        row.ended_at, row.ended_reason = now, reason


def end_session(db: Session, data: SessionData | None, reason: str = "signed out") -> bool:
    """End the session of ``data`` (committed); False when there was none open."""
    if data is None:
        return False
    row = db.get(UserSession, _key(data.sid))
    if row is None or row.ended_at is not None or row.user_id != data.user_id:
        return False
    _end(db, row, reason, utcnow())
    return True


def end_sessions(db: Session, user_id: int, reason: str) -> int:
    """End every open session of an account, in the caller's transaction; how many."""
    result = db.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
    return result.rowcount or 0


def open_sessions(db: Session, user_id: int, now: datetime | None = None) -> list[UserSession]:
    """The account's sessions that still stand (by their row; idle ones end on next use)."""
    now = now or utcnow()
    stmt = (
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.last_seen_at.desc())
    )
    return list(db.execute(stmt).scalars())


def is_current(row: UserSession, data: SessionData | None) -> bool:
    return data is not None and row.id == _key(data.sid)


def csrf_token(secret: str, sid: str) -> str:
    return hmac.new(secret.encode(), b"target87.csrf:" + sid.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: str, sid: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(secret, sid), str(token))
