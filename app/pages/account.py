"""Signing in and out. The answer to a failed sign-in never says which half was wrong."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import accounts
from app.auth import (
    AuthError,
    WriteSessionDep,
    caller_of,
    check_browser_write,
    client_address,
    same_origin,
)
from app.pages.render import _render, _settings

router = APIRouter()

WRONG = "That name and password do not match an active account."


def _safe_next(value: str | None) -> str:
    """Only a path on this site, so a crafted link cannot send a fresh sign-in elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login", response_class=HTMLResponse)
def read_login(request: Request, next: str | None = None) -> HTMLResponse:
    return _render(
        request,
        "login.html",
        {"title": "Sign in", "next": _safe_next(next), "error": None, "name": ""},
    )


@router.post("/login", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: WriteSessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    context = {"title": "Sign in", "next": _safe_next(next), "name": name}
    if not same_origin(request):
        # Without this, another site could sign a visitor in to an account of its choosing.
        return _render(
            request,
            "login.html",
            {**context, "error": "This sign-in did not come from this site's own page."},
            status_code=403,
        )
    try:
        user = accounts.authenticate(session, name, password, client_address(request))
    except accounts.TooManyAttempts as exc:
        session.commit()
        response = _render(
            request,
            "login.html",
            {
                **context,
                "error": "Too many failed sign-ins for this account or from this address;"
                f" try again in {exc.retry_after} seconds.",
            },
            status_code=429,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if user is None:
        session.commit()
        return _render(request, "login.html", {**context, "error": WRONG}, status_code=401)
    key = accounts.open_session(session, user)
    session.commit()
    settings = _settings(request)
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    redirect.set_cookie(
        settings.session_cookie,
        key,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=not settings.plain_http,
        httponly=True,
        samesite="lax",
    )
    return redirect


@router.post("/logout")
async def sign_out(request: Request, session: WriteSessionDep) -> Response:
    settings = _settings(request)
    caller = caller_of(request, session)
    if caller is None:
        return RedirectResponse("/", status_code=303)
    if caller.via != "session":
        raise AuthError(403, "sign-out is for browser sessions")
    await check_browser_write(request, caller)
    accounts.close_session(session, request.cookies.get(settings.session_cookie, ""))
    session.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        settings.session_cookie,
        path="/",
        secure=not settings.plain_http,
        httponly=True,
        samesite="lax",
    )
    return response
