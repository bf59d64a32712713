"""The sign-in and sign-out pages. The session itself lives on the server
(``reporting.sessions``); its cookie is HttpOnly, SameSite=Lax, and Secure over HTTPS."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from target87 import reporting
from target87.presentation import translator
from target87.web.site.forms import PRE_COOKIE, PostedForm, guard, sign_in_token
from target87.web.site.language import choose
from target87.web.site.render import render
from target87.web.site.visitors import (
    SESSION_COOKIE,
    CurrentVisitor,
    app_secret,
    client_ip,
    session_data,
    session_policy,
)


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


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
        reporting.end_session(v.db, session_data(request), "signed out")
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    response.headers["Clear-Site-Data"] = '"cookies"'
    return response
