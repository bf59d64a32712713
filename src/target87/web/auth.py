"""Who is asking: the signed session cookie, CSRF tokens, and the sign-in and sign-out pages.

The cookie holds ``reporting.issue_session_token``'s signed token (HttpOnly, SameSite=Lax,
Secure over HTTPS). Every unsafe request to a reporting route passes ``guard`` first (a router
dependency, so a new route cannot forget it): the body size is bounded, the form is parsed
once, and its ``csrf`` field must be the session's token (the sign-in form uses a token tied
to a random pre-session cookie instead). Roles are not decided here: the pages pass the
``Actor`` to the reporting functions, and ``reporting.permissions`` decides.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from target87 import reporting
from target87.reporting.attachments import max_attachment_bytes
from target87.reporting.models import User
from target87.reporting.sessions import SessionData
from target87.web.lang import choose, translator
from target87.web.pages import render

SESSION_COOKIE = "t87_session"
PRE_COOKIE = "t87_pre"  # random id of a visitor who has not signed in: the sign-in form's CSRF
SECRET_ENV = "TARGET87_SECRET_KEY"
SECRET_FILE = "instance-secret.key"
FORM_MARGIN = 1024 * 1024  # room for the other fields of a form carrying a file
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


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


class Refused(HTTPException):
    """A request refused before any page code ran; ``detail`` is a message key (i18n)."""


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


def _session_data(request: Request) -> SessionData | None:
    secret = app_secret(request.app)
    return reporting.read_session_token(secret, request.cookies.get(SESSION_COOKIE))


def visitor(request: Request) -> Iterator[Visitor]:
    """FastAPI dependency: one database session per request, closed after the response."""
    with Session(request.app.state.engine) as db:
        data = _session_data(request)
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
        data = _session_data(request)
        user = reporting.session_user(db, data, session_policy(request.app))
        if user is None:
            return None, None
        db.refresh(user)  # loaded before the session closes: the page reads it afterwards
        db.expunge(user)
        return user, reporting.csrf_token(app_secret(request.app), data.sid)


def _pre_session_id(request: Request) -> str | None:
    value = request.cookies.get(PRE_COOKIE)
    return value if value and len(value) >= 16 else None


def sign_in_token(request: Request, response: Response | None = None) -> str:
    """The sign-in form's CSRF token; sets the pre-session cookie on ``response`` if needed."""
    pre = _pre_session_id(request) or getattr(request.state, "pre_id", None)
    if pre is None:
        pre = secrets.token_urlsafe(24)
        request.state.pre_id = pre
    if response is not None and request.cookies.get(PRE_COOKIE) != pre:
        response.set_cookie(
            PRE_COOKIE, pre, httponly=True, samesite="strict", secure=_https(request), path="/"
        )
    return reporting.csrf_token(app_secret(request.app), "signin:" + pre)


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


_WRITE_SLOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def write_slot() -> asyncio.Semaphore:
    """One write at a time per worker process (per event loop). SQLite takes one writer at a
    time anyway; a save is ~0.1 s of CPU, and a dozen of them in threads at once would starve
    the light public requests of the same process of the GIL. Waiting here costs nothing: it
    is on the event loop, before a thread is taken."""
    loop = asyncio.get_running_loop()
    slot = _WRITE_SLOTS.get(loop)
    if slot is None:
        slot = _WRITE_SLOTS[loop] = asyncio.Semaphore(1)
    return slot


async def guard(request: Request) -> AsyncIterator[None]:
    """Router dependency: for every unsafe method, a bounded body and a valid CSRF token; the
    request then holds the worker's write slot until its handler has run."""
    if request.method in SAFE_METHODS:
        yield
        return
    same_origin(request)
    await _checked_form(request)
    async with write_slot():
        yield


ORIGINS_ENV = "TARGET87_ALLOWED_ORIGINS"


def same_origin(request: Request) -> None:
    """A second layer under the CSRF token: an unsafe request whose ``Origin`` (or, when a
    browser sends none, ``Referer``) names another site is refused. The site is the request's
    own host (a proxy must pass the Host header on), or one of the origins listed in
    ``TARGET87_ALLOWED_ORIGINS``. A request with neither header (a script, an old browser)
    still needs its CSRF token."""
    origin = request.headers.get("origin")
    if origin is None and (referer := request.headers.get("referer")):
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin is None:
        return
    allowed = {o.strip().rstrip("/") for o in os.environ.get(ORIGINS_ENV, "").split(",") if o}
    host = request.headers.get("host", "").lower()
    if origin != "null" and (urlsplit(origin).netloc.lower() == host or origin in allowed):
        return
    raise Refused(403, "cross_site_refused")


async def _checked_form(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise Refused(411, "form_length_missing")
    if int(length) > max_attachment_bytes() + FORM_MARGIN:
        raise Refused(413, "upload_too_large")
    form = await request.form(max_files=2, max_fields=4000)
    request.state.form = form
    secret = app_secret(request.app)
    sent = form.get("csrf")
    sent = sent if isinstance(sent, str) else None
    if request.url.path == "/signin":
        pre = _pre_session_id(request)
        ok = pre is not None and reporting.check_csrf(secret, "signin:" + pre, sent)
    else:
        data = _session_data(request)
        # Signing out without a session (it expired) has nothing to protect.
        ok = (data is None and request.url.path == "/signout") or (
            data is not None and reporting.check_csrf(secret, data.sid, sent)
        )
    if not ok:
        raise Refused(403, "csrf_failed")


def posted(request: Request) -> FormData:
    """The form ``guard`` parsed and checked."""
    return request.state.form


CurrentVisitor = Annotated[Visitor, Depends(visitor)]
PostedForm = Annotated[FormData, Depends(posted)]


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/reporting"


def to_sign_in(request: Request) -> RedirectResponse:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(path, safe='')}", status_code=303)


router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request, v: CurrentVisitor, next: str = "/reporting"):
    if v.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _sign_in_form(request, next)


def _sign_in_form(
    request: Request, next: str, error: str | None = None, email: str = "", status: int = 200
) -> HTMLResponse:
    changed = request.query_params.get("done") == "password_changed"
    response = render(
        request,
        "reporting/signin.html",
        status_code=status,
        done="done_password" if changed else None,
        next=safe_next(next),
        error=error,
        email=email,
        csrf=sign_in_token(request),
    )
    sign_in_token(request, response)
    return response


@router.post("/signin")
def sign_in(request: Request, form: PostedForm, v: CurrentVisitor):
    t = translator(choose(request)[0])
    email, password = str(form.get("email") or ""), str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""))
    try:
        user = reporting.login(v.db, email, password, client_ip(request))
    except reporting.RateLimited as exc:
        minutes = max(1, round(exc.retry_after / 60))
        response = _sign_in_form(
            request, next_path, t("signin_rate_limited").format(minutes=minutes), email, 429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except reporting.LoginFailed:
        return _sign_in_form(request, next_path, t("signin_failed"), email, 401)
    policy = session_policy(request.app)
    agent = request.headers.get("user-agent")
    token = reporting.start_session(
        v.db, app_secret(request.app), user, client_ip(request), agent, policy
    )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=policy.absolute,
        httponly=True,
        samesite="lax",
        secure=_https(request),
        path="/",
    )
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/signout")
def sign_out(request: Request, form: PostedForm, v: CurrentVisitor) -> RedirectResponse:
    """End this session on the server (the cookie alone opens nothing any more), or with
    ``everywhere`` every session of the account, then forget the cookie."""
    if v.user is not None and form.get("everywhere"):
        with reporting.writing(v.db):
            reporting.end_sessions(v.db, v.user.id, "signed out everywhere")
    else:
        reporting.end_session(v.db, _session_data(request), "signed out")
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    response.headers["Clear-Site-Data"] = '"cookies"'
    return response
