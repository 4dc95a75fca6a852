"""Accounts, for admins: who may propose, publish and manage, and the means to lock someone out.

The same operations as `orbat user` on the server, for an admin in the browser. Passwords are set
here only when an account is created; tokens are issued on the server, where they can be shown once
to the person at the terminal rather than passed through a page.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import accounts
from app.auth import AdminDep, WriteSessionDep
from app.models import ApiToken, Role, User
from app.pages.render import _render

router = APIRouter()


def _page(
    request: Request,
    session: Session,
    *,
    error: str | None = None,
    field: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    users = list(session.scalars(select(User).order_by(User.name)))
    tokens = dict(
        session.execute(
            select(ApiToken.user_id, func.count())
            .where(ApiToken.revoked_at.is_(None))
            .group_by(ApiToken.user_id)
        ).all()
    )
    return _render(
        request,
        "admin_accounts.html",
        {
            "title": "Accounts",
            "nav": "admin",
            "users": users,
            "tokens": tokens,
            "roles": [r.value for r in Role],
            "error": error,
            "field": field,
            "done": done,
        },
        status_code=status_code,
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
def read_accounts(
    request: Request, session: WriteSessionDep, _caller: AdminDep, done: str | None = None
) -> HTMLResponse:
    messages = {"created": "Account created.", "changed": "Account changed."}
    return _page(request, session, done=messages.get(done or ""))


@router.post("/admin/accounts", response_class=HTMLResponse)
def create_account(
    request: Request,
    session: WriteSessionDep,
    _caller: AdminDep,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "contributor",
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if role not in {r.value for r in Role}:
        return _page(
            request, session, error=f"role: {role!r} is not a role", field="role", status_code=422
        )
    try:
        accounts.create_user(session, name.strip(), Role(role), password)
    except accounts.AccountError as exc:
        session.rollback()
        return _page(request, session, error=str(exc), field=exc.field, status_code=422)
    session.commit()
    return RedirectResponse("/admin/accounts?done=created", status_code=303)


@router.post("/admin/accounts/{name}", response_class=HTMLResponse)
def change_account(
    request: Request,
    session: WriteSessionDep,
    caller: AdminDep,
    name: str,
    action: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    user = accounts.find_user(session, name)
    if user is None:
        return _page(request, session, error=f"no account named {name!r}", status_code=404)
    if user.id == caller.user.id and action in {"revoke", "role"}:
        # The last admin locking themselves out would leave nobody to undo it from a browser.
        return _page(
            request,
            session,
            error="you cannot revoke or demote your own account here; use `orbat user`",
            status_code=409,
        )
    if action == "revoke":
        accounts.revoke(session, user)
    elif action == "enable":
        user.active = True
    elif action == "role" and role in {r.value for r in Role}:
        user.role = role
    else:
        return _page(
            request,
            session,
            error=f"action: {action!r} is not understood",
            field="action",
            status_code=422,
        )
    session.commit()
    return RedirectResponse("/admin/accounts?done=changed", status_code=303)
