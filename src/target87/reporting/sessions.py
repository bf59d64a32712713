"""Signed session tokens and CSRF tokens: pure functions the web layer calls.

A session token is signed (itsdangerous, HMAC-SHA1 over a salted key) and carries the user
id, the user's ``auth_epoch`` and a random session id; it expires after ``max_age`` seconds.
A role change, a disabled account or a new password bump the epoch, so older tokens stop
working. The CSRF token is an HMAC of the session id: per session, unguessable without the
secret, and checked in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from target87.reporting.models import User

SESSION_MAX_AGE = 8 * 3600
_SALT = "target87.session"


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


def issue_session_token(secret: str, user: User) -> str:
    data = {"u": user.id, "e": user.auth_epoch, "s": secrets.token_urlsafe(18)}
    return _serializer(secret).dumps(data)


def read_session_token(
    secret: str, token: str | None, max_age: int = SESSION_MAX_AGE
) -> SessionData | None:
    """The token's content, or None when it is missing, forged, altered or expired."""
    if not token:
        return None
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
        return SessionData(int(data["u"]), int(data["e"]), str(data["s"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None  # SignatureExpired is a BadSignature


def session_user(session: Session, data: SessionData | None) -> User | None:
    """The signed-in user, or None (the public) when the token no longer stands."""
    if data is None:
        return None
    user = session.get(User, data.user_id)
    if user is None or not user.active or user.auth_epoch != data.epoch:
        return None
    return user


def csrf_token(secret: str, sid: str) -> str:
    return hmac.new(secret.encode(), b"target87.csrf:" + sid.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: str, sid: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(secret, sid), str(token))
