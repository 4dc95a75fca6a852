"""Accounts: password hashing, API tokens, browser sessions and the brakes on password guessing.

Secrets are never stored as given: passwords as Argon2id hashes, tokens and session keys as
SHA-256 digests (they are long random strings, so a fast digest is enough and lets a lookup be an
index search).
"""

import datetime as dt
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.models import ApiToken, LoginFailure, LoginSession, Role, User, utcnow

# OWASP's minimum for Argon2id: 19 MiB of memory, two passes, one lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SESSION_LIFETIME = dt.timedelta(days=14)
# Guessing brakes: failures counted over an hour; past FREE_FAILURES each one doubles the wait.
FAILURE_WINDOW = dt.timedelta(hours=1)
MAX_FAILURES = 100
FREE_FAILURES = 3
MAX_DELAY = dt.timedelta(minutes=5)
# Checked when the account does not exist, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = HASHER.hash("not a real password, only a timing match")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise AccountError(
            "name", "use 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", f"must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password", f"must be at most {MAX_PASSWORD} characters long")
    return password


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def create_user(session: Session, name: str, role: Role, password: str) -> User:
    check_name(name)
    check_password(password)
    if find_user(session, name) is not None:
        raise AccountError("name", f"an account named {name!r} already exists")
    user = User(name=name, role=role.value, password_hash=HASHER.hash(password), active=True)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    check_password(password)
    user.password_hash = HASHER.hash(password)
    end_sessions(session, user)


def issue_token(session: Session, user: User) -> str:
    """A new API token; the caller shows it once, since only its digest is kept."""
    token = "orbat_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token)))
    session.flush()
    return token


def end_sessions(session: Session, user: User) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def revoke(session: Session, user: User) -> int:
    """Lock an account out: its tokens and sessions stop working and it cannot sign in."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    end_sessions(session, user)
    user.active = False
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    return row.user


@dataclass
class SignedIn:
    user: User
    csrf_token: str


def open_session(session: Session, user: User) -> str:
    """Start a browser session; returns the cookie value."""
    key = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            key_hash=_digest(key),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    session.flush()
    return key


def session_user(session: Session, key: str) -> SignedIn | None:
    row = session.scalar(select(LoginSession).where(LoginSession.key_hash == _digest(key)))
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return SignedIn(row.user, row.csrf_token)


def close_session(session: Session, key: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.key_hash == _digest(key)))


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")


def _wait(session: Session, column: Any, value: str, now: dt.datetime) -> int:
    """Seconds before another attempt is allowed for this account name or address."""
    since = now - FAILURE_WINDOW
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            column == value,
            LoginFailure.at > since,
        )
    ).one()
    if not count:
        return 0
    if count >= MAX_FAILURES:
        oldest: dt.datetime = (
            session.scalar(
                select(func.min(LoginFailure.at)).where(column == value, LoginFailure.at > since)
            )
            or now
        )
        return max(1, int((oldest + FAILURE_WINDOW - now).total_seconds()) + 1)
    if count < FREE_FAILURES:
        return 0
    # The exponent is capped before it is used: 2**50 seconds overflows a timedelta.
    seconds = min(2 ** min(count - FREE_FAILURES, 20), MAX_DELAY.total_seconds())
    remaining = (last + dt.timedelta(seconds=seconds) - now).total_seconds()
    return max(0, math.ceil(remaining))


def authenticate(session: Session, name: str, password: str, address: str) -> User | None:
    """The account for these credentials, or None; raises TooManyAttempts while braked.

    The caller commits either way, so failures are counted even when sign-in is refused.
    """
    now = utcnow()
    account = name.strip().lower()[:200]
    wait = max(
        _wait(session, LoginFailure.account, account, now),
        _wait(session, LoginFailure.address, address, now),
    )
    if wait:
        raise TooManyAttempts(wait)
    user = find_user(session, name.strip())
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password[:MAX_PASSWORD])
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        session.add(LoginFailure(account=account, address=address[:64], at=now))
        session.flush()
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    session.execute(delete(LoginFailure).where(LoginFailure.account == account))
    return user
