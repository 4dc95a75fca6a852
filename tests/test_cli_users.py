"""`orbat user ...`: accounts made and locked from the command line, never a secret in argv."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import Database
from app.main import create_app
from app.models import ApiToken, User
from app.settings import Settings

PASSWORD = "correct horse battery staple 7319"


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database made by `orbat db upgrade`; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("cli") / "x.db"
    result = CliRunner().invoke(cli, ["db", "upgrade", "--database-url", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def url(upgraded: Path, tmp_path: Path) -> str:
    shutil.copyfile(upgraded, tmp_path / "x.db")
    return f"sqlite:///{tmp_path / 'x.db'}"


def orbat(url: str, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, [*args, "--database-url", url], input=stdin)


def _users(url: str) -> list[tuple[str, str, bool]]:
    db = Database(url)
    with db.session() as s:
        rows = [(u.name, u.role, u.active) for u in s.scalars(select(User).order_by(User.name))]
    db.close()
    return rows


@pytest.fixture
def api(url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=url, remote_tiles=False))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_create_reads_the_password_from_stdin_and_makes_the_account(url):
    result = orbat(url, "user", "create", "alice", "--role", "editor", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "alice" in result.stdout
    assert PASSWORD not in result.output
    assert _users(url) == [("alice", "editor", True)]


def test_the_password_read_from_stdin_is_the_one_that_signs_in(url):
    from app import accounts

    orbat(url, "user", "create", "alice", "--role", "editor", stdin=PASSWORD + "\n")
    db = Database(url)
    with db.write_session() as s:
        assert accounts.authenticate(s, "alice", PASSWORD, "127.0.0.1") is not None
        # The line ending is not part of the password.
        assert accounts.authenticate(s, "alice", PASSWORD + "\n", "127.0.0.2") is None
    db.close()


def test_a_short_password_is_refused_naming_password_and_nothing_is_created(url):
    result = orbat(url, "user", "create", "alice", stdin="short\n")
    assert result.exit_code != 0
    assert "password" in result.output
    assert _users(url) == []


def test_an_empty_stdin_is_refused_and_nothing_is_created(url):
    result = orbat(url, "user", "create", "alice", stdin="")
    assert result.exit_code != 0
    assert "password" in result.output
    assert _users(url) == []


def test_a_bad_account_name_is_refused_naming_name(url):
    result = orbat(url, "user", "create", "al ice", stdin=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "name" in result.output
    assert _users(url) == []


def test_a_duplicate_name_is_refused_and_the_first_account_is_untouched(url):
    assert (
        orbat(url, "user", "create", "alice", "--role", "editor", stdin=PASSWORD + "\n").exit_code
        == 0
    )
    again = orbat(url, "user", "create", "alice", "--role", "admin", stdin="another password 42\n")
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert _users(url) == [("alice", "editor", True)]


def test_there_is_no_password_option(url):
    result = orbat(url, "user", "create", "alice", "--password", PASSWORD, stdin=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "No such option" in result.output
    assert _users(url) == []


def test_a_printed_token_authenticates_and_revoke_makes_it_401(url, api):
    orbat(url, "user", "create", "alice", "--role", "contributor", stdin=PASSWORD + "\n")
    issued = orbat(url, "user", "token", "alice")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert token.startswith("orbat_") and " " not in token
    headers = {"Authorization": f"Bearer {token}"}
    me = api.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    assert me.json() == {"name": "alice", "role": "contributor", "via": "token"}

    revoked = orbat(url, "user", "revoke", "alice")
    assert revoked.exit_code == 0, revoked.output
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    assert _users(url) == [("alice", "contributor", False)]


def test_a_token_for_an_unknown_or_revoked_account_is_refused(url):
    assert orbat(url, "user", "token", "nobody").exit_code != 0
    orbat(url, "user", "create", "alice", stdin=PASSWORD + "\n")
    orbat(url, "user", "revoke", "alice")
    refused = orbat(url, "user", "token", "alice")
    assert refused.exit_code != 0
    assert "revoked" in refused.output
    db = Database(url)
    with db.session() as s:
        assert s.scalar(select(func.count(ApiToken.id))) == 0
    db.close()


def test_enable_lets_a_revoked_account_back_in_but_its_old_tokens_stay_dead(url, api):
    orbat(url, "user", "create", "alice", stdin=PASSWORD + "\n")
    old = orbat(url, "user", "token", "alice").stdout.strip()
    orbat(url, "user", "revoke", "alice")
    assert orbat(url, "user", "enable", "alice").exit_code == 0
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    new = orbat(url, "user", "token", "alice").stdout.strip()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_role_changes_what_the_account_may_do(url, api):
    orbat(url, "user", "create", "alice", "--role", "viewer", stdin=PASSWORD + "\n")
    token = orbat(url, "user", "token", "alice").stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 403
    assert orbat(url, "user", "role", "alice", "contributor").exit_code == 0
    assert api.get("/api/v1/me", headers=headers).status_code == 200


def test_list_shows_name_role_and_state_but_never_a_hash_or_token(url):
    orbat(url, "user", "create", "alice", "--role", "editor", stdin=PASSWORD + "\n")
    orbat(url, "user", "create", "bob", "--role", "viewer", stdin=PASSWORD + "\n")
    token = orbat(url, "user", "token", "alice").stdout.strip()
    orbat(url, "user", "revoke", "bob")
    listing = orbat(url, "user", "list")
    assert listing.exit_code == 0, listing.output
    lines = {line.split()[0]: line.split() for line in listing.stdout.splitlines() if line.strip()}
    assert lines["alice"][1:3] == ["editor", "active"]
    assert lines["bob"][1:3] == ["viewer", "revoked"]
    db = Database(url)
    with db.session() as s:
        secrets = list(s.scalars(select(User.password_hash)))
        secrets += list(s.scalars(select(ApiToken.token_hash)))
    db.close()
    for secret in [PASSWORD, token, *secrets]:
        assert secret not in listing.output
    assert "$argon2" not in listing.output


def test_the_user_commands_work_on_postgresql(postgres_url):
    assert orbat(postgres_url, "db", "upgrade").exit_code == 0
    created = orbat(postgres_url, "user", "create", "alice", "--role", "editor", stdin=PASSWORD)
    assert created.exit_code == 0, created.output
    assert orbat(postgres_url, "user", "create", "alice", stdin=PASSWORD).exit_code != 0
    token = orbat(postgres_url, "user", "token", "alice").stdout.strip()
    app = create_app(Settings(database_url=postgres_url, remote_tiles=False))
    with TestClient(app, base_url="https://testserver") as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert orbat(postgres_url, "user", "revoke", "alice").exit_code == 0
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    listing = orbat(postgres_url, "user", "list").stdout
    assert listing.split()[:3] == ["alice", "editor", "revoked"]
