"""Who may call what: an authorization matrix generated from /openapi.json, plus CSRF and origin.

Every write operation in the schema (POST/PUT/PATCH/DELETE) and every read that declares a 401
(proposals are not public) is called as nobody, with a made-up token, as a viewer, a contributor
and an editor. A route added later without an auth dependency fails here on its own: the matrix
comes from the schema, not from a list kept by hand. It runs on SQLite and, when
ORBAT_TEST_POSTGRES_URL names a server, on PostgreSQL.
"""

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete, func, select, text

from app import accounts, changesets
from app.cli import load, upgrade_database
from app.db import Database
from app.main import create_app
from app.models import (
    ChangeComment,
    ChangeOperation,
    ChangeSet,
    LoginFailure,
    RecordChange,
    Role,
    User,
)
from app.settings import Settings
from tests.conftest import DATASET

BASE_URL = "https://testserver"
COOKIE = "__Host-orbat_session"
PASSWORD = "a long enough password"
DRAWDOWN = "ru-qamishli-drawdown"
WRITE_METHODS = {"post", "put", "patch", "delete"}
PUBLISH = ("POST", "/api/v1/changesets/{change_set_id}/publish")


def _schema() -> dict[str, Any]:
    # No request touches the database: the URL only has to parse.
    app = create_app(Settings(database_url="sqlite://", remote_tiles=False))
    answer = TestClient(app, base_url=BASE_URL).get("/openapi.json")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


SCHEMA = _schema()
COMPONENTS: dict[str, Any] = SCHEMA.get("components", {}).get("schemas", {})


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    operation: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def protected_routes(schema: dict[str, Any]) -> list[Route]:
    """Every write, and every read that says it may answer 401."""
    routes = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            writes = method in WRITE_METHODS
            guarded_read = method == "get" and "401" in operation.get("responses", {})
            if writes or guarded_read:
                routes.append(Route(method.upper(), path, operation))
    return routes


ROUTES = protected_routes(SCHEMA)
WRITE_ROUTES = [r for r in ROUTES if r.method.lower() in WRITE_METHODS]


# --- building a minimally valid request from the schema -------------------------------------


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(schema: dict[str, Any]) -> Any:
    """The smallest value the schema accepts, as far as this API's schemas go."""
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_resolve(s) for s in schema[key]]
            usable = [s for s in options if s.get("type") != "null"] or options
            return example(usable[0])
    if "allOf" in schema:
        return example(schema["allOf"][0])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example(properties.get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        if schema.get("format") == "date":
            return "2026-01-01"
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    return None


def _site_description() -> str:
    return f"Matrix test {uuid.uuid4().hex[:8]}"


# Bodies that must make sense to the engine, not only to the schema.
BODIES: dict[str, Callable[[], Any]] = {
    "/api/v1/changesets": lambda: {"comment": "Authorization matrix", "operations": []},
    "/api/v1/changesets/{change_set_id}/operations": lambda: {
        "action": "update",
        "entity": "site",
        "key": "hmeimim",
        "values": {"description": _site_description()},
    },
    "/api/v1/changesets/{change_set_id}/comments": lambda: {"text": "Looks right to me."},
    "/api/v1/changesets/{change_set_id}/reject": lambda: {"reason": "Not sourced well enough."},
}

# The change set a route is called on: (state, author). Anything else gets the contributor's draft.
TARGETS: dict[str, tuple[str, str]] = {
    "/publish": ("proposed", "carla"),
    # Someone else's proposal: a contributor may not reject it, an editor may.
    "/reject": ("proposed", "erin"),
    "/comments": ("proposed", "carla"),
    "/revert": ("published", "carla"),
}

# What a contributor gets: drafting, proposing and commenting work; reviewing does not.
CONTRIBUTOR_EXPECTS: dict[tuple[str, str], int] = {
    ("GET", "/api/v1/changesets"): 200,
    ("POST", "/api/v1/changesets"): 201,
    ("GET", "/api/v1/changesets/{change_set_id}"): 200,
    ("POST", "/api/v1/changesets/{change_set_id}/operations"): 201,
    ("DELETE", "/api/v1/changesets/{change_set_id}/operations/{position}"): 200,
    ("POST", "/api/v1/changesets/{change_set_id}/propose"): 200,
    ("POST", "/api/v1/changesets/{change_set_id}/comments"): 201,
    ("POST", "/api/v1/changesets/{change_set_id}/reject"): 403,
    PUBLISH: 403,
    ("POST", "/api/v1/changesets/{change_set_id}/revert"): 403,
    ("GET", "/api/v1/me"): 200,
}
# What an editor gets where the answer is certain; elsewhere any 2xx/4xx but never 5xx.
EDITOR_EXPECTS: dict[tuple[str, str], int] = {
    PUBLISH: 200,
    ("POST", "/api/v1/changesets/{change_set_id}/reject"): 200,
    ("POST", "/api/v1/changesets/{change_set_id}/revert"): 201,
    ("GET", "/api/v1/me"): 200,
}


# --- the world: a seeded database with one account per role ---------------------------------


@dataclass
class World:
    app: FastAPI
    client: TestClient
    db: Database
    ids: dict[str, int]
    tokens: dict[str, str]

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def user(self, session: Any, name: str) -> User:
        user = session.get(User, self.ids[name])
        assert user is not None
        return user

    def change_set(self, state: str, author: str) -> int:
        """A change set by `author` with one update, brought to `state` through the engine."""
        with self.db.write_session() as s:
            writer = self.user(s, author)
            cs = changesets.create_change_set(s, writer, f"Matrix target ({state})")
            changesets.add_operation(
                s,
                cs,
                writer,
                "update",
                "deployment",
                DRAWDOWN,
                {"strength": f"matrix {uuid.uuid4().hex[:8]}"},
            )
            if state in ("proposed", "published"):
                changesets.propose(s, cs, writer)
            if state == "published":
                changesets.publish(s, cs, self.user(s, "erin"))
            s.commit()
            return cs.id

    def counts(self) -> tuple[int, ...]:
        with self.db.session() as s:
            return tuple(
                s.scalar(select(func.count()).select_from(model)) or 0
                for model in (ChangeSet, ChangeOperation, ChangeComment, RecordChange)
            )

    def browser(self, name: str) -> tuple[TestClient, str]:
        """A client holding `name`'s session cookie, and that session's CSRF token."""
        with self.db.write_session() as s:
            key = accounts.open_session(s, self.user(s, name))
            s.commit()
            signed_in = accounts.session_user(s, key)
        assert signed_in is not None and signed_in.csrf_token
        return TestClient(self.app, base_url=BASE_URL, cookies={COOKIE: key}), signed_in.csrf_token


ACCOUNTS = [
    ("vera", Role.viewer),
    ("carla", Role.contributor),
    ("eddie", Role.editor),
    ("erin", Role.editor),
]


def _sqlite_url(seeded_url: str, folder: Path) -> str:
    target = folder / "matrix.db"
    shutil.copyfile(Path(seeded_url.removeprefix("sqlite:///")), target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def postgres_module_url() -> Iterator[str]:
    """Like conftest's postgres_url, but one schema for the whole module (seeding takes ~2 s)."""
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
    seeding = Database(url)
    load(seeding, DATASET)
    seeding.close()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, seeded_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_module_url")
    else:
        url = _sqlite_url(seeded_url, tmp_path_factory.mktemp("authz"))
    app = create_app(Settings(database_url=url, remote_tiles=False))
    db: Database = app.state.db
    ids: dict[str, int] = {}
    tokens: dict[str, str] = {}
    with db.write_session() as s:
        for name, role in ACCOUNTS:
            user = accounts.create_user(s, name, role, PASSWORD)
            ids[name] = user.id
            tokens[name] = accounts.issue_token(s, user)
        s.commit()
    with TestClient(app, base_url=BASE_URL) as client:
        yield World(app, client, db, ids, tokens)


@dataclass
class Prepared:
    """A call to one route, its change set already made: counting rows after this is fair."""

    method: str
    url: str
    kwargs: dict[str, Any]

    def send(self, client: TestClient, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        return client.request(self.method, self.url, headers=headers, **self.kwargs)


def prepare(world: World, route: Route) -> Prepared:
    """`route` with its path filled in (a real change set) and a minimal valid body."""
    target = None
    if "{change_set_id}" in route.path:
        state, author = next(
            (t for suffix, t in TARGETS.items() if route.path.endswith(suffix)),
            ("draft", "carla"),
        )
        target = world.change_set(state, author)
    url = route.path
    query: dict[str, Any] = {}
    for parameter in route.operation.get("parameters", []):
        name = parameter["name"]
        value = target if name == "change_set_id" else example(parameter.get("schema", {}))
        if parameter["in"] == "path":
            url = url.replace("{" + name + "}", str(value))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[name] = value
    assert "{" not in url, f"{route.id}: a path parameter was left unfilled: {url}"
    kwargs: dict[str, Any] = {"params": query}
    content = route.operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = BODIES.get(route.path)
        kwargs["json"] = body() if body else example(content["application/json"]["schema"])
    elif content:
        media, spec = next(iter(content.items()))
        schema = _resolve(spec["schema"])
        fields = {n: example(schema["properties"][n]) for n in schema.get("required", [])}
        binary = {
            n
            for n, p in schema.get("properties", {}).items()
            if _resolve(p).get("format") == "binary" or "contentMediaType" in _resolve(p)
        }
        kwargs["data"] = {n: v for n, v in fields.items() if n not in binary}
        if media.startswith("multipart/"):
            kwargs["files"] = {n: (f"{n}.bin", b"x", "application/octet-stream") for n in binary}
    return Prepared(route.method, url, kwargs)


def _ids(routes: list[Route]) -> list[str]:
    return [r.id for r in routes]


# --- the matrix -------------------------------------------------------------------------------


def test_the_matrix_covers_every_route_we_know_needs_an_account():
    found = {r.key for r in ROUTES}
    assert ROUTES, "no protected route found in /openapi.json: the matrix would test nothing"
    assert PUBLISH in found
    missing = set(CONTRIBUTOR_EXPECTS) - found
    assert not missing, f"known protected routes absent from the schema: {sorted(missing)}"
    # Every write in the schema is in the matrix, whatever it declares about 401.
    writes = {
        (m.upper(), p) for p, ops in SCHEMA["paths"].items() for m in ops if m in WRITE_METHODS
    }
    assert writes and writes <= found


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_without_credentials_a_protected_route_answers_401_and_writes_nothing(world, route):
    prepared = prepare(world, route)
    before = world.counts()
    answer = prepared.send(world.client, {})
    assert answer.status_code == 401, answer.text
    assert answer.headers.get("www-authenticate") == "Bearer"
    assert world.counts() == before


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_an_unknown_bearer_token_answers_401_and_writes_nothing(world, route):
    prepared = prepare(world, route)
    before = world.counts()
    answer = prepared.send(world.client, {"Authorization": "Bearer orbat_" + "guess" * 8})
    assert answer.status_code == 401, answer.text
    assert world.counts() == before


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_a_viewer_token_answers_403_and_writes_nothing(world, route):
    prepared = prepare(world, route)
    before = world.counts()
    answer = prepared.send(world.client, world.bearer("vera"))
    assert answer.status_code == 403, answer.text
    assert world.counts() == before


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_a_contributor_may_draft_propose_and_comment_but_not_review_or_revert(world, route):
    answer = prepare(world, route).send(world.client, world.bearer("carla"))
    expected = CONTRIBUTOR_EXPECTS.get(route.key)
    if expected is None:
        # A route added since this table was written: at least signed in and no server error.
        assert answer.status_code < 500 and answer.status_code != 401, answer.text
    else:
        assert answer.status_code == expected, answer.text


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_an_editor_is_let_in_everywhere_and_never_gets_a_server_error(world, route):
    answer = prepare(world, route).send(world.client, world.bearer("eddie"))
    assert 200 <= answer.status_code < 500 and answer.status_code != 401, answer.text
    expected = EDITOR_EXPECTS.get(route.key)
    if expected is not None:
        assert answer.status_code == expected, answer.text


def test_a_contributor_may_withdraw_their_own_proposal(world):
    # The reject route's summary: "Reject a proposed change set with a reason (or withdraw
    # one's own)", and it admits contributors.
    cs_id = world.change_set("proposed", "carla")
    answer = world.client.post(
        f"/api/v1/changesets/{cs_id}/reject", json={"reason": ""}, headers=world.bearer("carla")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "rejected"


# --- cookies: CSRF token and origin ----------------------------------------------------------


def _draft(client: TestClient, headers: dict[str, str]):
    return client.post("/api/v1/changesets", json={"comment": "From the browser"}, headers=headers)


def test_a_cookie_write_without_the_csrf_header_is_refused(world):
    browser, _csrf = world.browser("carla")
    before = world.counts()
    answer = _draft(browser, {"Origin": BASE_URL})
    assert answer.status_code == 403, answer.text
    assert "CSRF" in answer.json()["message"]
    assert world.counts() == before


def test_a_cookie_write_with_a_wrong_csrf_token_is_refused(world):
    browser, csrf = world.browser("carla")
    before = world.counts()
    answer = _draft(browser, {"Origin": BASE_URL, "X-CSRF-Token": csrf[::-1]})
    assert answer.status_code == 403, answer.text
    assert world.counts() == before


def test_a_cookie_write_from_another_site_is_refused_even_with_the_csrf_token(world):
    browser, csrf = world.browser("carla")
    before = world.counts()
    answer = _draft(browser, {"Origin": "https://evil.example", "X-CSRF-Token": csrf})
    assert answer.status_code == 403, answer.text
    assert world.counts() == before


def test_a_cookie_write_with_neither_origin_nor_fetch_site_is_refused(world):
    browser, csrf = world.browser("carla")
    before = world.counts()
    answer = _draft(browser, {"X-CSRF-Token": csrf})
    assert answer.status_code == 403, answer.text
    assert world.counts() == before


def test_a_cross_site_fetch_without_origin_is_refused(world):
    browser, csrf = world.browser("carla")
    answer = _draft(browser, {"Sec-Fetch-Site": "cross-site", "X-CSRF-Token": csrf})
    assert answer.status_code == 403, answer.text


def test_a_cookie_write_with_the_csrf_token_from_this_origin_succeeds(world):
    browser, csrf = world.browser("carla")
    answer = _draft(browser, {"Origin": BASE_URL, "X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text
    assert answer.json()["author"] == "carla"


def test_sec_fetch_site_same_origin_stands_in_for_a_missing_origin(world):
    browser, csrf = world.browser("carla")
    answer = _draft(browser, {"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text


def test_a_cookie_read_needs_no_csrf_token(world):
    browser, _csrf = world.browser("carla")
    answer = browser.get("/api/v1/me")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"name": "carla", "role": "contributor", "via": "session"}


def test_a_bearer_token_write_needs_no_csrf_token_nor_origin(world):
    answer = _draft(world.client, world.bearer("carla"))
    assert answer.status_code == 201, answer.text


def test_a_viewers_session_cannot_write_even_with_a_valid_csrf_token(world):
    browser, csrf = world.browser("vera")
    answer = _draft(browser, {"Origin": BASE_URL, "X-CSRF-Token": csrf})
    assert answer.status_code == 403, answer.text


# --- revoked accounts and public reading -----------------------------------------------------


def test_a_revoked_accounts_token_and_session_answer_401(world):
    name = f"gone{uuid.uuid4().hex[:6]}"
    with world.db.write_session() as s:
        user = accounts.create_user(s, name, Role.editor, PASSWORD)
        token = accounts.issue_token(s, user)
        key = accounts.open_session(s, user)
        s.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/v1/me", headers=headers).status_code == 200
    with world.db.write_session() as s:
        user = s.scalar(select(User).where(User.name == name))
        assert user is not None
        accounts.revoke(s, user)
        s.commit()
    assert world.client.get("/api/v1/me", headers=headers).status_code == 401
    before = world.counts()
    assert _draft(world.client, headers).status_code == 401
    browser = TestClient(world.app, base_url=BASE_URL, cookies={COOKIE: key})
    assert browser.get("/api/v1/me").status_code == 401
    assert world.counts() == before


@pytest.mark.parametrize("path", ["/api/v1/snapshot", "/api/v1/changes", "/", "/about"])
def test_published_data_and_public_pages_are_readable_anonymously(world, path):
    answer = world.client.get(path)
    assert answer.status_code == 200, answer.text[:500]


def test_a_change_set_is_not_readable_anonymously(world):
    cs_id = world.change_set("proposed", "carla")
    answer = world.client.get(f"/api/v1/changesets/{cs_id}")
    assert answer.status_code == 401, answer.text
    assert "matrix" not in answer.text
    listing = world.client.get("/api/v1/changesets")
    assert listing.status_code == 401, listing.text


# --- signing in through the /login page ------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def fresh(world: World) -> Iterator[TestClient]:
    """A browser with no cookie yet; sign-in failures are wiped so tests do not brake each other."""

    def wipe() -> None:
        with world.db.write_session() as s:
            s.execute(delete(LoginFailure))
            s.commit()

    wipe()
    yield TestClient(world.app, base_url=BASE_URL)
    wipe()


def _sign_in(client: TestClient, name: str, password: str, origin: str | None = BASE_URL):
    headers = {"Origin": origin} if origin else {}
    return client.post(
        "/login",
        data={"name": name, "password": password, "next": "/about"},
        headers=headers,
        follow_redirects=False,
    )


def test_signing_in_sets_a_secure_host_only_session_cookie(world, fresh):
    answer = _sign_in(fresh, "carla", PASSWORD)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/about"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes
    assert "domain" not in attributes
    assert "Path=/;" in cookie + ";"
    assert fresh.get("/api/v1/me").json() == {
        "name": "carla",
        "role": "contributor",
        "via": "session",
    }


def test_a_signed_in_page_carries_the_csrf_token_that_lets_the_browser_write(world, fresh):
    assert _sign_in(fresh, "carla", PASSWORD).status_code == 303
    page = fresh.get("/")
    assert page.status_code == 200
    found = CSRF_FIELD.search(page.text)
    assert found, "no csrf_token field on a signed-in page"
    csrf = found.group(1)
    before = world.counts()
    assert _draft(fresh, {"Origin": BASE_URL}).status_code == 403
    assert world.counts() == before
    answer = _draft(fresh, {"Origin": BASE_URL, "X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text


def test_a_wrong_password_and_an_unknown_name_get_the_same_login_answer(world, fresh):
    wrong = _sign_in(fresh, "carla", "not the password at all")
    unknown = _sign_in(fresh, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "set-cookie" not in wrong.headers and "set-cookie" not in unknown.headers
    message = "do not match an active account"
    assert message in wrong.text and message in unknown.text
    assert fresh.get("/api/v1/me").status_code == 401


def test_a_sign_in_posted_from_another_site_is_refused(world, fresh):
    for origin in ("https://evil.example", None):
        answer = _sign_in(fresh, "carla", PASSWORD, origin=origin)
        assert answer.status_code == 403, origin
        assert "set-cookie" not in answer.headers
    assert fresh.get("/api/v1/me").status_code == 401


def test_repeated_failed_sign_ins_are_braked_with_retry_after(world, fresh):
    for _ in range(accounts.FREE_FAILURES):
        assert _sign_in(fresh, "eddie", "not the password at all").status_code == 401
    braked = _sign_in(fresh, "eddie", PASSWORD)
    assert braked.status_code == 429, braked.text
    assert int(braked.headers["retry-after"]) >= 1
    assert "set-cookie" not in braked.headers


def test_signing_out_ends_the_session_and_needs_the_csrf_token(world, fresh):
    assert _sign_in(fresh, "carla", PASSWORD).status_code == 303
    found = CSRF_FIELD.search(fresh.get("/").text)
    assert found
    refused = fresh.post("/logout", headers={"Origin": BASE_URL}, follow_redirects=False)
    assert refused.status_code == 403
    assert fresh.get("/api/v1/me").status_code == 200
    out = fresh.post(
        "/logout",
        data={"csrf_token": found.group(1)},
        headers={"Origin": BASE_URL},
        follow_redirects=False,
    )
    assert out.status_code == 303, out.text
    assert fresh.get("/api/v1/me").status_code == 401
