"""Admins manage accounts in the browser; nobody else can reach the page."""

import re

import pytest
from fastapi.testclient import TestClient

from app import accounts
from app.main import create_app
from app.models import Role
from app.settings import Settings

ORIGIN = {"Origin": "https://testserver"}
PASSWORD = "a long enough password"


@pytest.fixture
def client(seeded_copy):
    with seeded_copy.write_session() as s:
        accounts.create_user(s, "ada", Role.admin, PASSWORD)
        accounts.create_user(s, "eddie", Role.editor, PASSWORD)
        s.commit()
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app, base_url="https://testserver") as c:
        yield c


def sign_in(client, name):
    answer = client.post(
        "/login", data={"name": name, "password": PASSWORD}, headers=ORIGIN, follow_redirects=False
    )
    assert answer.status_code == 303


def csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_admin_creates_an_account_that_can_then_sign_in(client):
    sign_in(client, "ada")
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and "eddie" in page.text
    answer = client.post(
        "/admin/accounts",
        data={
            "name": "carla",
            "role": "contributor",
            "password": PASSWORD,
            "csrf_token": csrf(page.text),
        },
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    client.cookies.clear()
    sign_in(client, "carla")
    assert client.get("/api/v1/me").json()["role"] == "contributor"


def test_a_short_password_is_refused_naming_the_field_and_nothing_is_created(client):
    sign_in(client, "ada")
    page = client.get("/admin/accounts")
    answer = client.post(
        "/admin/accounts",
        data={
            "name": "carla",
            "role": "editor",
            "password": "short",
            "csrf_token": csrf(page.text),
        },
        headers=ORIGIN,
    )
    assert answer.status_code == 422
    assert "password: must be at least 10 characters" in answer.text
    assert "carla" not in client.get("/admin/accounts").text


def test_an_admin_revokes_an_editor_who_can_no_longer_sign_in(client):
    sign_in(client, "ada")
    page = client.get("/admin/accounts")
    answer = client.post(
        "/admin/accounts/eddie",
        data={"action": "revoke", "csrf_token": csrf(page.text)},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    client.cookies.clear()
    refused = client.post("/login", data={"name": "eddie", "password": PASSWORD}, headers=ORIGIN)
    assert refused.status_code == 401


def test_an_editor_cannot_open_or_use_the_accounts_page(client):
    sign_in(client, "eddie")
    assert client.get("/admin/accounts").status_code == 403
    token = csrf(client.get("/review").text)
    answer = client.post(
        "/admin/accounts",
        data={"name": "mallory", "role": "admin", "password": PASSWORD, "csrf_token": token},
        headers=ORIGIN,
    )
    assert answer.status_code == 403
    client.cookies.clear()
    assert client.get("/admin/accounts", follow_redirects=False).status_code == 303
