"""Request bodies past settings.max_body_bytes are refused with 413, and nothing is written."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import accounts
from app.db import Database
from app.main import create_app
from app.models import ChangeSet, Role
from app.settings import Settings

LIMIT = 4096


@pytest.fixture
def api(seeded_copy: Database) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with seeded_copy.write_session() as s:
        user = accounts.create_user(s, "carla", Role.contributor, "a long enough password")
        token = accounts.issue_token(s, user)
        s.commit()
    app = create_app(
        Settings(database_url=seeded_copy.url, remote_tiles=False, max_body_bytes=LIMIT)
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with TestClient(app, base_url="https://testserver") as client:
        yield client, headers


def _change_sets(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(ChangeSet.id))) or 0


def _body(comment_length: int) -> bytes:
    return json.dumps({"comment": "x" * comment_length}).encode()


def _in_chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_body_over_the_limit_with_its_content_length_is_refused_413(api, seeded_copy):
    client, headers = api
    before = _change_sets(seeded_copy)
    body = _body(LIMIT)
    assert len(body) > LIMIT
    answer = client.post("/api/v1/changesets", content=body, headers=headers)
    assert answer.status_code == 413, answer.text
    assert str(LIMIT) in answer.json()["message"]
    assert _change_sets(seeded_copy) == before


def test_a_chunked_body_over_the_limit_is_refused_413(api, seeded_copy):
    client, headers = api
    before = _change_sets(seeded_copy)
    answer = client.post("/api/v1/changesets", content=_in_chunks(_body(LIMIT)), headers=headers)
    # No Content-Length was sent: the limit had to be found while reading the stream.
    assert "content-length" not in answer.request.headers
    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert answer.status_code == 413, answer.text
    assert _change_sets(seeded_copy) == before


def test_a_body_under_the_limit_is_accepted_with_or_without_content_length(api, seeded_copy):
    client, headers = api
    before = _change_sets(seeded_copy)
    body = _body(LIMIT - 100)
    assert len(body) <= LIMIT
    assert client.post("/api/v1/changesets", content=body, headers=headers).status_code == 201
    chunked = client.post("/api/v1/changesets", content=_in_chunks(body), headers=headers)
    assert chunked.status_code == 201, chunked.text
    assert _change_sets(seeded_copy) == before + 2
