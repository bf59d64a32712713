"""The signed-in person's own account: who they are, the sessions open in their name (with
"sign out everywhere"), and the change of their password, which needs the current one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from target87 import reporting
from target87.web.reporting.render import by_field, done, guarded, page
from target87.web.site.auth import to_sign_in
from target87.web.site.forms import PostedForm, guard
from target87.web.site.visitors import CurrentVisitor, Visitor

router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])


def _account_page(request: Request, v: Visitor, status: int = 200, **extra):
    sessions = reporting.open_sessions(v.db, v.user.id)
    return page(
        request,
        v,
        "reporting/account.html",
        status,
        sessions=sessions,
        current=lambda row: reporting.is_current(row, v.session),
        problems=extra.pop("problems", {}),
        **extra,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, v: CurrentVisitor):
    if v.user is None:
        return to_sign_in(request)
    return _account_page(request, v)


@router.post("/account/password")
def change_password(request: Request, form: PostedForm, v: CurrentVisitor):
    """A new password ends every session, this one too: the person signs in again with it."""
    if v.user is None:
        return to_sign_in(request)

    def act():
        try:
            reporting.set_password(
                v.db,
                v.actor,
                v.user.id,
                str(form.get("password") or ""),
                current_password=str(form.get("current_password") or ""),
            )
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            return _account_page(request, v, 422, problems=by_field(exc.problems))
        return done("/signin", "password_changed")

    return guarded(act, request, v)
