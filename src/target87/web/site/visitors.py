"""Who is asking: the instance's signing key, the signed session cookie, and the person it
stands for (``reporting.session_user`` decides whether the session still stands: it lives on
the server). Roles are not decided here: pages pass the ``Actor`` to the reporting functions,
and ``reporting.permissions`` decides."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting.models import User
from target87.reporting.sessions import SessionData

SESSION_COOKIE = "t87_session"
SECRET_ENV = "TARGET87_SECRET_KEY"
SECRET_FILE = "instance-secret.key"


def app_secret(app) -> str:
    """The instance's signing key: ``app.state.secret``, else ``TARGET87_SECRET_KEY``, else a
    key file in the data folder (created on first use and shared by every worker)."""
    secret = getattr(app.state, "secret", None) or os.environ.get(SECRET_ENV)
    if not secret:
        path = data_dir(app) / SECRET_FILE
        try:
            secret = reporting.instance_secret(path)
        except FileExistsError:  # another worker created it between the check and the create
            secret = path.read_text(encoding="utf-8").strip()
    app.state.secret = secret
    return secret


IDLE_ENV = "TARGET87_SESSION_IDLE_MINUTES"
HOURS_ENV = "TARGET87_SESSION_HOURS"


def session_policy(app) -> reporting.SessionPolicy:
    """How long sessions last: ``app.state.session_policy``, else the environment (minutes
    idle, hours in all), else the defaults (30 minutes idle, 8 hours)."""
    policy = getattr(app.state, "session_policy", None)
    if policy is None:
        default = reporting.SessionPolicy()
        idle = float(os.environ.get(IDLE_ENV) or default.idle / 60)
        hours = float(os.environ.get(HOURS_ENV) or default.absolute / 3600)
        policy = app.state.session_policy = reporting.SessionPolicy(
            idle=int(idle * 60), absolute=int(hours * 3600)
        )
    return policy


def data_dir(app) -> Path:
    """Where attachments and the key file live: ``app.state.data_dir`` or the default."""
    folder = getattr(app.state, "data_dir", None)
    return Path(folder) if folder else reporting.default_data_dir()


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@dataclass
class Visitor:
    """The request's database session, the signed-in user (None: the public) and the token
    its forms must carry."""

    db: Session
    user: User | None
    actor: reporting.Actor
    session: SessionData | None
    csrf: str | None


def session_data(request: Request) -> SessionData | None:
    secret = app_secret(request.app)
    return reporting.read_session_token(secret, request.cookies.get(SESSION_COOKIE))


def visitor(request: Request) -> Iterator[Visitor]:
    """FastAPI dependency: one database session per request, closed after the response."""
    with Session(request.app.state.engine) as db:
        data = session_data(request)
        user = reporting.session_user(db, data, session_policy(request.app))
        if user is None:
            data = None
        csrf = reporting.csrf_token(app_secret(request.app), data.sid) if data else None
        yield Visitor(db, user, reporting.Actor(user, client_ip(request)), data, csrf)


def signed_in(request: Request) -> tuple[User | None, str | None]:
    """(user, CSRF token) of the request's session, (None, None) for the public: the header
    of every page shows the account and its sign-out form."""
    if not request.cookies.get(SESSION_COOKIE):
        return None, None
    with Session(request.app.state.engine) as db:
        data = session_data(request)
        user = reporting.session_user(db, data, session_policy(request.app))
        if user is None:
            return None, None
        db.refresh(user)  # loaded before the session closes: the page reads it afterwards
        db.expunge(user)
        return user, reporting.csrf_token(app_secret(request.app), data.sid)


CurrentVisitor = Annotated[Visitor, Depends(visitor)]
