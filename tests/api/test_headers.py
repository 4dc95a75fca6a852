"""Every answer carries the security headers: pages, JSON, files, and every kind of error."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.headers import content_security_policy, tile_origin
from app.main import create_app
from app.settings import Settings

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def directives(policy: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in policy.split(";"))
    return {name: value for name, value in pairs}


def assert_secured(headers: dict[str, str] | object) -> dict[str, str]:
    for name, value in EXPECTED.items():
        assert headers[name] == value, name  # type: ignore[index]
    policy = directives(headers["content-security-policy"])  # type: ignore[index]
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    return policy


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/", 200, "text/html"),
        ("GET", "/sites/hmeimim", 200, "text/html"),
        ("GET", "/api/v1/actors", 200, "application/json"),
        ("GET", "/export/events.csv", 200, "text/csv"),
        ("GET", "/export/events.geojson", 200, "application/geo+json"),
        ("GET", "/static/css/app.css", 200, "text/css"),
        ("GET", "/static/js/main.js", 200, "text/javascript"),
        ("GET", "/openapi.json", 200, "application/json"),
        ("GET", "/docs", 200, "text/html"),
        ("GET", "/healthz", 200, "application/json"),
        ("GET", "/no-such-page", 404, "text/html"),
        ("GET", "/api/v1/sites/atlantis", 404, "application/json"),
        ("GET", "/static/no-such-file.js", 404, ""),
        ("POST", "/api/v1/actors", 405, "application/json"),
        ("GET", "/api/v1/snapshot?date=yesterday", 422, "application/json"),
        ("GET", "/api/v1/snapshot?actr=russia", 422, "application/json"),
    ],
)
def test_every_kind_of_answer_carries_the_security_headers(
    client: TestClient, method: str, path: str, status: int, kind: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers.get("content-type", "").startswith(kind)
    assert_secured(response.headers)


@pytest.fixture
def failing_app(seeded_url: str) -> Iterator[TestClient]:
    app: FastAPI = create_app(Settings(database_url=seeded_url, remote_tiles=False))

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_an_unhandled_error_is_a_plain_500_with_the_headers(failing_app: TestClient) -> None:
    response = failing_app.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "a bug" not in response.text
    assert_secured(response.headers)


def test_the_headers_replace_rather_than_repeat_one_a_route_set(seeded_url: str) -> None:
    app = create_app(Settings(database_url=seeded_url, remote_tiles=False))

    @app.get("/api/v1/framed")
    def framed() -> object:
        from fastapi.responses import JSONResponse

        return JSONResponse({}, headers={"X-Frame-Options": "ALLOWALL"})

    with TestClient(app) as test_client:
        response = test_client.get("/api/v1/framed")
    assert response.headers.get_list("x-frame-options") == ["DENY"]


def test_scripts_are_never_inline_but_chart_bars_may_set_style_attributes(
    client: TestClient,
) -> None:
    policy = assert_secured(client.get("/").headers)
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-inline" not in policy["style-src"]
    assert policy["style-src-attr"] == "'unsafe-inline'"
    assert "worker-src" not in policy


def test_only_redoc_may_write_style_elements_and_start_a_blob_worker(client: TestClient) -> None:
    redoc = assert_secured(client.get("/redoc").headers)
    assert redoc["style-src-elem"] == "'self' 'unsafe-inline'"
    assert redoc["worker-src"] == "'self' blob:"
    for path in ("/docs", "/", "/api/v1/actors"):
        policy = directives(client.get(path).headers["content-security-policy"])
        assert "style-src-elem" not in policy and "worker-src" not in policy, path


def test_offline_maps_allow_no_remote_images(client: TestClient) -> None:
    policy = directives(client.get("/").headers["content-security-policy"])
    assert policy["img-src"] == "'self' data:"


def test_remote_tiles_allow_images_from_the_tile_server_only(seeded_url: str) -> None:
    settings = Settings(
        database_url=seeded_url,
        remote_tiles=True,
        tile_url="https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png",
    )
    with TestClient(create_app(settings)) as test_client:
        policy = directives(test_client.get("/").headers["content-security-policy"])
    assert policy["img-src"] == "'self' data: https://*.tiles.example.org"
    assert policy["connect-src"] == "'self'"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://127.0.0.1:9/{z}/{x}/{y}.png", "http://127.0.0.1:9"),
    ],
)
def test_the_tile_origin_is_the_tile_urls_scheme_host_and_port(url: str, origin: str) -> None:
    assert tile_origin(url) == origin


@pytest.mark.parametrize(
    "url", ["tiles/{z}/{x}/{y}.png", "ftp://tiles.example/{z}.png", "https://a.{s}.example/{z}.png"]
)
def test_a_tile_url_csp_cannot_express_is_refused_at_start_up(url: str) -> None:
    with pytest.raises(ValueError, match="tile_url"):
        content_security_policy(Settings(remote_tiles=True, tile_url=url))
