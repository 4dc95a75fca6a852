"""Who is asking, and may they write: bearer tokens for programs, a session cookie for browsers.

Reading is public. A write needs an account with the right role; a write that rides on the
session cookie must also carry the session's CSRF token and come from this site's own pages
(`Origin`, or `Sec-Fetch-Site` where a browser sends no Origin), so another site cannot make a
signed-in editor's browser publish something.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app import accounts
from app.models import Role, User
from app.settings import Settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class AuthError(Exception):
    """401 (no usable credentials) or 403 (credentials without the right, or a forged request)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


@dataclass
class Caller:
    user: User
    # "token" or "session": only session callers need CSRF and origin checks.
    via: str
    csrf_token: str | None = None


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def caller_of(request: Request, session: Session) -> Caller | None:
    """The signed-in caller, or None; a malformed or unknown bearer token is a 401."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(401, "the Authorization header must be 'Bearer <token>'")
        user = accounts.user_for_token(session, token.strip())
        if user is None:
            raise AuthError(401, "this token is unknown or revoked")
        return Caller(user, "token")
    key = request.cookies.get(_settings(request).session_cookie)
    if key:
        signed_in = accounts.session_user(session, key)
        if signed_in is not None:
            return Caller(signed_in.user, "session", signed_in.csrf_token)
    return None


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        return urlsplit(origin).netloc == request.headers.get("host", "")
    fetch_site = request.headers.get("sec-fetch-site")
    return fetch_site == "same-origin"


async def check_browser_write(request: Request, caller: Caller) -> None:
    """A cookie-authenticated write must carry the CSRF token and come from our own pages."""
    if caller.via != "session" or request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise AuthError(403, "this request does not come from this site's own pages")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or sent != caller.csrf_token:
        raise AuthError(403, "the CSRF token is missing or wrong; reload the page and try again")


def get_write_session(request: Request) -> Iterator[Session]:
    """A session that takes the write lock up front (see app.db), for routes that change data."""
    with request.app.state.db.write_session() as session:
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def requires(role: Role):  # type: ignore[no-untyped-def]
    """A dependency that answers 401/403 unless the caller holds `role` (or a higher one)."""

    async def dependency(request: Request, session: WriteSessionDep) -> Caller:
        caller = caller_of(request, session)
        if caller is None:
            raise AuthError(401, "sign in or send a bearer token to do this")
        if not caller.user.may(role):
            raise AuthError(403, f"this needs the {role.value} role; you are {caller.user.role}")
        await check_browser_write(request, caller)
        return caller

    return dependency


ContributorDep = Annotated[Caller, Depends(requires(Role.contributor))]
EditorDep = Annotated[Caller, Depends(requires(Role.editor))]
AdminDep = Annotated[Caller, Depends(requires(Role.admin))]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
