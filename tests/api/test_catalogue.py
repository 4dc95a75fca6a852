"""Catalogues, one site's history, exports, health and the OpenAPI document."""

import csv
import io

import pytest
from fastapi.testclient import TestClient


def test_actors_include_the_two_syrian_governments(client: TestClient) -> None:
    actors = {a["slug"]: a for a in client.get("/api/v1/actors").json()}
    assert {"russia", "sdf", "united-states", "turkey"} <= set(actors)
    assert {"assad-government", "syrian-government"} <= set(actors)
    assert all(a["color"].startswith("#") for a in actors.values())


def test_sites_are_geojson_and_aliases_are_kept(client: TestClient) -> None:
    body = client.get("/api/v1/sites").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) >= 20
    hmeimim = next(f for f in body["features"] if f["id"] == "hmeimim")
    assert "Khmeimim" in hmeimim["properties"]["aliases"]


def test_site_history_tells_qamishli_from_start_to_drawdown(client: TestClient) -> None:
    response = client.get("/api/v1/sites/qamishli-airport")
    assert response.status_code == 200
    russian = [
        d for d in response.json()["properties"]["deployments"] if d["force"] == "ru-qamishli-group"
    ]
    assert russian[0]["start"] == "2019-11-14" and russian[0]["status"] == "active"
    drawdown = next(d for d in russian if d["status"] == "drawdown")
    # The last aircraft left on 27 Jan: present part of that day, so the first day absent is 28.
    assert drawdown["end"] == "2026-01-28"
    assert len(drawdown["citations"]) >= 2, "the disagreeing sources are both kept"


def test_unknown_site_is_404_naming_the_slug(client: TestClient) -> None:
    response = client.get("/api/v1/sites/atlantis")
    assert response.status_code == 404
    assert "atlantis" in response.json()["detail"]


def test_forces_filter_by_actor(client: TestClient) -> None:
    forces = client.get("/api/v1/forces", params={"actor": "turkey"}).json()
    assert forces and {f["actor"] for f in forces} == {"turkey"}


def test_sources_have_grades_and_back_records(client: TestClient) -> None:
    sources = client.get("/api/v1/sources").json()
    assert sources and all(s["reliability"] in "ABCDEF" for s in sources)
    assert sum(s["citation_count"] for s in sources) > 50


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/snapshot",
        "/api/v1/movements",
        "/api/v1/events",
        "/api/v1/timeline",
        "/api/v1/sites",
        "/api/v1/sites/{slug}",
        "/api/v1/actors",
        "/api/v1/forces",
        "/api/v1/sources",
    ):
        assert path in paths


@pytest.mark.parametrize("kind", ["deployments", "movements", "events"])
def test_csv_export_is_a_download_with_a_header(client: TestClient, kind: str) -> None:
    response = client.get(f"/export/{kind}.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="{kind}.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and "slug" in rows[0]


def test_deployment_export_with_a_date_is_the_snapshot(client: TestClient) -> None:
    response = client.get(
        "/export/deployments.csv", params={"date": "2026-02-10", "actor": "russia"}
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    sites = {r["site"] for r in rows}
    assert "hmeimim" in sites and "qamishli-airport" not in sites
    assert {r["actor"] for r in rows} == {"russia"}
    assert all(r["start_time_precision"] in {"1", "2", "3", "4"} for r in rows)


def test_geojson_export_carries_start_and_end(client: TestClient) -> None:
    response = client.get("/export/movements.geojson", params={"actor": "russia"})
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert features and all("start" in f["properties"] for f in features)


def test_unknown_export_format_is_422(client: TestClient) -> None:
    assert client.get("/export/events.xlsx").status_code == 422


def test_unknown_page_is_an_html_404_but_unknown_api_path_is_json(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "/no-such-page" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/json")


def test_sources_catalogue_names_originals_and_links(client: TestClient) -> None:
    sources = {s["slug"]: s for s in client.get("/api/v1/sources").json()}
    reprint = sources["reuters-moscowtimes-a91782"]
    assert reprint["original"] == "reuters-2026-01-26"
    assert reprint["url"].startswith("https://")
    assert sources["reuters-2026-01-26"]["original"] is None
    assert sources["reuters-2026-01-26"]["description"]
    assert {"archive_url", "description", "original"} <= set(reprint)


def test_citations_in_the_api_carry_stance_and_the_original_they_relay(
    client: TestClient,
) -> None:
    site = client.get("/api/v1/sites/qamishli-airport").json()["properties"]
    drawdown = next(d for d in site["deployments"] if d["slug"] == "ru-qamishli-drawdown")
    stances = {c["stance"] for c in drawdown["citations"]}
    assert {"supports", "disputes"} <= stances
    assert drawdown["disputed"] and drawdown["disputing_count"] >= 1
    relayed = [c for c in drawdown["citations"] if c["original"]]
    assert relayed and all(c["original_publisher"] for c in relayed)
    supporting = [c for c in drawdown["citations"] if c["stance"] == "supports"]
    originals = {c["original"] or c["source"] for c in supporting}
    assert drawdown["independent_sources"] == len(originals) < len(supporting)
