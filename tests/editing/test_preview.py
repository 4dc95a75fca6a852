"""A reviewer previews the data with a change set applied; nobody else sees it, nothing is kept."""

import pytest
from fastapi.testclient import TestClient

from app import accounts
from app.main import create_app
from app.models import Role
from app.settings import Settings

DRAWDOWN = "ru-qamishli-drawdown"


@pytest.fixture
def world(seeded_copy):
    with seeded_copy.write_session() as s:
        carla = accounts.create_user(s, "carla", Role.contributor, "a long enough password")
        viewer = accounts.create_user(s, "vera", Role.viewer, "a long enough password")
        tokens = {"carla": accounts.issue_token(s, carla), "vera": accounts.issue_token(s, viewer)}
        s.commit()
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app, base_url="https://testserver") as client:
        answer = client.post(
            "/api/v1/changesets",
            json={
                "comment": "A day later",
                "operations": [
                    {
                        "action": "update",
                        "entity": "deployment",
                        "key": DRAWDOWN,
                        "values": {"end": "2026-01-29"},
                    }
                ],
            },
            headers={"Authorization": f"Bearer {tokens['carla']}"},
        )
        assert answer.status_code == 201
        yield client, tokens, answer.json()["id"]


def _end(client, headers=None, **params):
    answer = client.get("/api/v1/deployments", params=params, headers=headers or {})
    assert answer.status_code == 200, answer.text
    feature = next(f for f in answer.json()["features"] if f["properties"]["slug"] == DRAWDOWN)
    return feature["properties"]["end"]


def test_a_contributor_previews_the_change_and_the_public_data_stays_as_it_was(world):
    client, tokens, cs_id = world
    bearer = {"Authorization": f"Bearer {tokens['carla']}"}
    assert _end(client, bearer, preview=cs_id) == "2026-01-29"
    assert _end(client) == "2026-01-28"
    assert _end(client, bearer) == "2026-01-28"


def test_a_preview_is_refused_to_anonymous_readers_and_viewers(world):
    client, tokens, cs_id = world
    assert client.get("/api/v1/deployments", params={"preview": cs_id}).status_code == 401
    viewer = {"Authorization": f"Bearer {tokens['vera']}"}
    answer = client.get("/api/v1/deployments", params={"preview": cs_id}, headers=viewer)
    assert answer.status_code == 403


def test_an_unknown_change_set_in_preview_is_a_422_naming_the_parameter(world):
    client, tokens, _cs_id = world
    bearer = {"Authorization": f"Bearer {tokens['carla']}"}
    for value in ("999999", "abc"):
        answer = client.get("/api/v1/deployments", params={"preview": value}, headers=bearer)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["query", "preview"]


def test_the_previewed_map_page_says_it_is_a_preview(world):
    client, tokens, cs_id = world
    with client.app.state.db.write_session() as s:
        user = accounts.find_user(s, "carla")
        key = accounts.open_session(s, user)
        s.commit()
    client.cookies.set("__Host-orbat_session", key)
    page = client.get("/", params={"preview": cs_id})
    assert page.status_code == 200
    assert f"change set {cs_id} applied as if published" in page.text
    client.cookies.clear()
    assert "applied as if published" not in client.get("/").text
