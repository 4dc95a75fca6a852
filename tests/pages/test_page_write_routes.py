"""Every form route that writes refuses anonymous visitors and viewer accounts, and writes nothing.

The routes are read from the app itself, so a new form route is covered the day it is added.
"""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import accounts, changesets
from app.main import create_app
from app.models import ChangeComment, ChangeOperation, ChangeSet, RecordChange, Role, User
from app.settings import Settings

ORIGIN = {"Origin": "https://testserver"}
PASSWORD = "a long enough password"
# Sign-in and sign-out are open by design: they change no data.
OPEN = {"/login", "/logout"}


def page_write_routes(app) -> list[str]:
    found: list[str] = []

    def walk(routes) -> None:
        for route in routes:
            methods = getattr(route, "methods", None)
            nested = getattr(route, "routes", None) or getattr(
                getattr(route, "original_router", None), "routes", None
            )
            if methods is None and nested:
                walk(nested)
            elif methods and methods - {"GET", "HEAD"} and not route.path.startswith("/api/"):
                found.append(route.path)

    walk(app.router.routes)
    return sorted(set(found) - OPEN)


def fill(path: str, change_set_id: int) -> str:
    values = {
        "entity": "deployment",
        "key": "ru-qamishli-drawdown",
        "name": "carla",
        "change_set_id": str(change_set_id),
        "position": "1",
    }
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], path)


@pytest.fixture
def world(seeded_copy):
    with seeded_copy.write_session() as s:
        carla = accounts.create_user(s, "carla", Role.contributor, PASSWORD)
        accounts.create_user(s, "vera", Role.viewer, PASSWORD)
        cs = changesets.create_change_set(s, carla, "A day later")
        changesets.add_operation(
            s, cs, carla, "update", "deployment", "ru-qamishli-drawdown", {"end": "2026-01-29"}
        )
        changesets.propose(s, cs, carla)
        s.commit()
        cs_id = cs.id
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app, base_url="https://testserver") as client:
        yield client, cs_id, seeded_copy


def counts(db) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (ChangeSet, ChangeOperation, ChangeComment, RecordChange, User)
        )


def form(path: str) -> dict[str, str]:
    return {
        "comment": "x",
        "text": "x",
        "reason": "x",
        "name": "mallory",
        "role": "admin",
        "password": PASSWORD,
        "action": "revoke",
        "record-end": "2026-02-01",
    }


def test_the_route_list_is_read_from_the_app(world):
    client, _cs_id, _db = world
    routes = page_write_routes(client.app)
    for expected in (
        "/changesets/{change_set_id:int}/publish",
        "/propose/{entity}/{key}",
        "/import",
    ):
        assert expected in routes


def test_anonymous_form_posts_are_sent_to_sign_in_and_write_nothing(world):
    client, cs_id, db = world
    before = counts(db)
    for path in page_write_routes(client.app):
        answer = client.post(
            fill(path, cs_id), data=form(path), headers=ORIGIN, follow_redirects=False
        )
        assert answer.status_code in (303, 401), path
        if answer.status_code == 303:
            assert answer.headers["location"].startswith("/login"), path
    assert counts(db) == before


def test_a_viewer_account_is_refused_every_form_post_and_writes_nothing(world):
    client, cs_id, db = world
    signed = client.post(
        "/login",
        data={"name": "vera", "password": PASSWORD},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert signed.status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/about").text).group(1)
    before = counts(db)
    for path in page_write_routes(client.app):
        answer = client.post(
            fill(path, cs_id),
            data={**form(path), "csrf_token": token},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert answer.status_code == 403, path
    assert counts(db) == before
