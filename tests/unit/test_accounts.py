"""Accounts: Argon2id hashes, tokens kept only as digests, and the brakes on password guessing.

Time is simulated by moving LoginFailure.at back rather than by sleeping.
"""

import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, delete, func, select, text, update
from sqlalchemy.orm import Session

from app import accounts
from app.accounts import TooManyAttempts
from app.cli import upgrade_database
from app.db import Database
from app.models import ApiToken, LoginFailure, LoginSession, Role, User, utcnow

PASSWORD = "correct horse battery staple 7319"
PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")


@pytest.fixture(scope="module")
def _pg_url() -> Iterator[str]:
    base = os.environ.get("ORBAT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("ORBAT_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    schema = f"orbat_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    upgrade_database(url)
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def any_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated database on each backend, shared by the module and emptied after each test."""
    if request.param == "postgres":
        url = request.getfixturevalue("_pg_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('accounts') / 'accounts.db'}"
        upgrade_database(url)
    db = Database(url)
    yield db
    db.close()


@pytest.fixture
def s(any_db: Database) -> Iterator[Session]:
    with any_db.write_session() as session:
        yield session
        session.rollback()
    with any_db.write_session() as session:
        for model in (LoginFailure, LoginSession, ApiToken, User):
            session.execute(delete(model))
        session.commit()


def _alice(s: Session, password: str = PASSWORD) -> User:
    user = accounts.create_user(s, "alice", Role.editor, password)
    s.commit()
    return user


def _failures(s: Session, *, account: str | None = None, address: str | None = None) -> int:
    query = select(func.count(LoginFailure.id))
    if account is not None:
        query = query.where(LoginFailure.account == account)
    if address is not None:
        query = query.where(LoginFailure.address == address)
    return s.scalar(query) or 0


def _age_failures(s: Session, seconds: float) -> None:
    """Pretend `seconds` have passed since every failure so far."""
    for failure in s.scalars(select(LoginFailure)):
        failure.at -= dt.timedelta(seconds=seconds)
    s.commit()


def _retry_after(s: Session, name: str, password: str, address: str) -> int:
    with pytest.raises(TooManyAttempts) as braked:
        accounts.authenticate(s, name, password, address)
    s.commit()
    return braked.value.retry_after


# --- what is stored ---------------------------------------------------------------------------


def test_the_password_is_stored_as_argon2id_with_at_least_owasps_parameters(s):
    user = _alice(s)
    match = PHC.match(user.password_hash)
    assert match, user.password_hash
    memory, passes, lanes = (int(g) for g in match.groups())
    assert memory >= 19456
    assert passes >= 2
    assert lanes == 1
    assert PasswordHasher().verify(user.password_hash, PASSWORD)


def test_two_accounts_with_one_password_get_different_hashes(s):
    first = accounts.create_user(s, "alice", Role.editor, PASSWORD)
    second = accounts.create_user(s, "bob", Role.editor, PASSWORD)
    assert first.password_hash != second.password_hash


def test_no_password_token_or_session_key_is_written_to_the_database_file(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'secrets.db'}"
    upgrade_database(url)
    db = Database(url)
    with db.write_session() as session:
        user = accounts.create_user(session, "alice", Role.editor, PASSWORD)
        token = accounts.issue_token(session, user)
        key = accounts.open_session(session, user)
        session.commit()
    db.close()
    # The database file and whatever SQLite keeps beside it (WAL, shared memory).
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("secrets.db"))
    # The grep sees the rows: the account name and the token's digest are there.
    assert b"alice" in raw
    assert hashlib.sha256(token.encode()).hexdigest().encode() in raw
    for secret in (PASSWORD, token, key):
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw


def test_a_token_is_kept_as_a_digest_and_works_until_revoked(s):
    alice = _alice(s)
    token = accounts.issue_token(s, alice)
    s.commit()
    stored = s.scalars(select(ApiToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored
    found = accounts.user_for_token(s, token)
    assert found is not None and found.id == alice.id
    assert accounts.user_for_token(s, token + "x") is None
    assert accounts.revoke(s, alice) == 1
    s.commit()
    assert accounts.user_for_token(s, token) is None


def test_a_revoked_account_cannot_sign_in_with_its_right_password(s):
    alice = _alice(s)
    accounts.revoke(s, alice)
    s.commit()
    assert accounts.authenticate(s, "alice", PASSWORD, "192.0.2.1") is None


def test_short_and_overlong_passwords_are_refused_naming_the_field(s):
    for password in ("x" * (accounts.MIN_PASSWORD - 1), "x" * (accounts.MAX_PASSWORD + 1)):
        with pytest.raises(accounts.AccountError) as refused:
            accounts.create_user(s, "alice", Role.editor, password)
        assert refused.value.field == "password"
    assert s.scalar(select(func.count(User.id))) == 0


# --- sign-in and its brakes -------------------------------------------------------------------


def test_the_right_password_signs_in(s):
    alice = _alice(s)
    found = accounts.authenticate(s, "alice", PASSWORD, "192.0.2.1")
    assert found is not None and found.id == alice.id


def test_a_wrong_password_and_an_unknown_name_look_the_same_and_both_count(s):
    _alice(s)
    wrong_password = accounts.authenticate(s, "alice", "not the password", "192.0.2.1")
    unknown_name = accounts.authenticate(s, "nobody", "not the password", "192.0.2.2")
    s.commit()
    assert wrong_password is None and unknown_name is None
    assert _failures(s, account="alice") == 1
    assert _failures(s, account="nobody") == 1
    assert _failures(s, address="192.0.2.1") == 1 and _failures(s, address="192.0.2.2") == 1


def test_past_the_free_failures_each_one_doubles_the_wait(s):
    _alice(s)
    address = "198.51.100.7"
    for _ in range(accounts.FREE_FAILURES):
        assert accounts.authenticate(s, "alice", "wrong", address) is None
    s.commit()
    waits = []
    for _ in range(3):
        # Even the right password is refused while braked, and the refusal is not counted.
        counted = _failures(s, account="alice")
        waits.append(_retry_after(s, "alice", PASSWORD, address))
        assert _failures(s, account="alice") == counted
        _age_failures(s, waits[-1] + 1)
        assert accounts.authenticate(s, "alice", "wrong", address) is None
        s.commit()
    assert waits == [1, 2, 4]


def test_once_the_wait_has_passed_the_next_attempt_is_let_through(s):
    _alice(s)
    for _ in range(accounts.FREE_FAILURES):
        accounts.authenticate(s, "alice", "wrong", "198.51.100.7")
    s.commit()
    wait = _retry_after(s, "alice", PASSWORD, "198.51.100.7")
    # A client that waits the Retry-After it was given, plus a little, must get in.
    _age_failures(s, wait + 0.5)
    assert accounts.authenticate(s, "alice", PASSWORD, "198.51.100.7") is not None


def _insert_failures(s: Session, count: int, account: str, spread: dt.timedelta) -> None:
    """`count` failures for `account`, each from its own address, spread evenly from 50 minutes
    ago until `spread` ago."""
    now = utcnow()
    start = now - dt.timedelta(minutes=50)
    step = (dt.timedelta(minutes=50) - spread) / max(1, count - 1)
    s.add_all(
        LoginFailure(account=account, address=f"10.9.{i // 200}.{i % 200}", at=start + step * i)
        for i in range(count)
    )
    s.commit()


def test_a_hundred_failures_in_an_hour_lock_the_account_even_with_the_right_password(s):
    _alice(s)
    # The last failure was ten minutes ago, long past the doubling delay (at most five minutes):
    # only the hourly cap can still hold the account.
    _insert_failures(s, accounts.MAX_FAILURES, "alice", spread=dt.timedelta(minutes=10))
    wait = _retry_after(s, "alice", PASSWORD, "192.0.2.50")
    # Until the oldest failure (50 minutes ago) leaves the hour.
    assert 9 * 60 <= wait <= 11 * 60


def test_ninety_nine_old_enough_failures_do_not_lock_the_account(s):
    _alice(s)
    _insert_failures(s, accounts.MAX_FAILURES - 1, "alice", spread=dt.timedelta(minutes=10))
    assert accounts.authenticate(s, "alice", PASSWORD, "192.0.2.50") is not None


def test_failures_from_one_address_brake_other_account_names_from_it(s):
    _alice(s)
    guesser = "203.0.113.9"
    for i in range(accounts.FREE_FAILURES):
        assert accounts.authenticate(s, f"someone{i}", "wrong", guesser) is None
    s.commit()
    assert _failures(s, account="alice") == 0
    assert _retry_after(s, "alice", PASSWORD, guesser) >= 1
    # The same account from elsewhere is not held up by that address.
    assert accounts.authenticate(s, "alice", PASSWORD, "192.0.2.77") is not None


def test_a_hundred_failures_from_one_address_block_it_for_every_name(s):
    _alice(s)
    now = utcnow()
    s.add_all(
        LoginFailure(
            account=f"name{i}", address="203.0.113.10", at=now - dt.timedelta(minutes=50 - i / 5)
        )
        for i in range(accounts.MAX_FAILURES)
    )
    s.commit()
    assert _retry_after(s, "alice", PASSWORD, "203.0.113.10") >= 9 * 60


def test_a_successful_sign_in_clears_the_accounts_failures(s):
    _alice(s)
    for i in range(accounts.FREE_FAILURES - 1):
        accounts.authenticate(s, "alice", "wrong", f"192.0.2.{i + 1}")
    s.commit()
    assert _failures(s, account="alice") == accounts.FREE_FAILURES - 1
    assert accounts.authenticate(s, "alice", PASSWORD, "192.0.2.100") is not None
    s.commit()
    assert _failures(s, account="alice") == 0
    # The free failures are free again: without the reset the last of these would be braked.
    for i in range(accounts.FREE_FAILURES):
        assert accounts.authenticate(s, "alice", "wrong", f"192.0.2.{i + 10}") is None
        s.commit()


def test_failures_older_than_the_window_are_forgotten(s):
    _alice(s)
    _insert_failures(s, accounts.MAX_FAILURES, "alice", spread=dt.timedelta(seconds=0))
    assert _retry_after(s, "alice", PASSWORD, "198.51.100.8") >= 1
    s.execute(
        update(LoginFailure).values(at=utcnow() - accounts.FAILURE_WINDOW - dt.timedelta(seconds=5))
    )
    s.commit()
    assert accounts.authenticate(s, "alice", PASSWORD, "198.51.100.8") is not None


def test_fifty_failures_in_the_hour_brake_sign_in_rather_than_crash_it(s):
    # Past ~47 doublings the delay no longer fits a timedelta; the cap of five minutes must hold.
    _alice(s)
    _insert_failures(s, 50, "alice", spread=dt.timedelta(seconds=0))
    wait = _retry_after(s, "alice", PASSWORD, "192.0.2.60")
    assert 1 <= wait <= accounts.MAX_DELAY.total_seconds()
