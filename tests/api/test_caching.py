"""Public reads carry the data version as ETag: unchanged answers cost a 304, writes expire them."""

import pytest
from fastapi.testclient import TestClient

from app import accounts, changesets
from app.main import create_app
from app.models import Role
from app.settings import Settings


@pytest.fixture
def client(seeded_copy):
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app, base_url="https://testserver") as c:
        yield c, seeded_copy


def test_a_repeated_read_with_its_etag_answers_304_without_a_body(client):
    c, _db = client
    first = c.get("/api/v1/snapshot", params={"date": "2026-01-25"})
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert "no-cache" in first.headers["cache-control"]
    again = c.get("/api/v1/snapshot", params={"date": "2026-01-25"}, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag


def test_publishing_a_change_expires_the_etag(client):
    c, db = client
    tag = c.get("/api/v1/deployments").headers["etag"]
    with db.write_session() as s:
        carla = accounts.create_user(s, "carla", Role.contributor, "a long enough password")
        eddie = accounts.create_user(s, "eddie", Role.editor, "a long enough password")
        cs = changesets.create_change_set(s, carla, "A day later")
        changesets.add_operation(
            s, cs, carla, "update", "deployment", "ru-qamishli-drawdown", {"end": "2026-01-29"}
        )
        changesets.propose(s, cs, carla)
        changesets.publish(s, cs, eddie)
        s.commit()
    fresh = c.get("/api/v1/deployments", headers={"If-None-Match": tag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != tag
    ends = {f["properties"]["slug"]: f["properties"]["end"] for f in fresh.json()["features"]}
    assert ends["ru-qamishli-drawdown"] == "2026-01-29"


def test_large_answers_are_compressed_for_clients_that_accept_it(client):
    c, _db = client
    answer = c.get("/api/v1/deployments", headers={"Accept-Encoding": "gzip"})
    assert answer.headers.get("content-encoding") == "gzip"
    assert "Accept-Encoding" in answer.headers.get("vary", "")
    plain = c.get("/api/v1/deployments", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == answer.json()


def test_previews_and_signed_in_listings_carry_no_shared_etag(client):
    c, _db = client
    assert "etag" not in c.get("/api/v1/changesets").headers
    assert "etag" not in c.get("/about").headers
