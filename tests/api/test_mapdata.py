"""The map's year index agrees with the general API: the same sites, forces, doubts and records,
read from a fraction of the bytes."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from app.map_index import EPOCH

DATES = [
    "2015-09-30",
    "2019-10-22",
    "2019-10-29",
    "2019-10-30",
    "2024-12-08",
    "2024-12-18",
    "2025-06-01",
    "2026-01-22",
    "2026-01-28",
    "2026-02-10",
]


def day(iso: str) -> int:
    return (dt.date.fromisoformat(iso) - EPOCH).days


def get(client: TestClient, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def present_in_index(year: dict, catalogue: dict, iso: str) -> dict[str, dict]:
    """What the map computes for a day: deployment slug -> its flags on that day."""
    on = day(iso)
    d = year["deployments"]
    site_slug = dict(zip(catalogue["sites"]["id"], catalogue["sites"]["slug"], strict=True))
    found = {}
    for i, start in enumerate(d["start"]):
        until = d["until"][i]
        if start <= on and (until is None or on < until):
            end = d["end"][i]
            found[d["slug"][i]] = {
                "site": site_slug[d["site"][i]],
                "uncertain": on < d["sure_from"][i] or (end is not None and on >= end),
                "low": bool(d["low"][i]),
                "disputed": bool(d["disputed"][i]),
            }
    return found


@pytest.mark.parametrize("iso", DATES)
def test_a_year_of_the_index_answers_every_day_as_the_snapshot_does(
    client: TestClient, iso: str
) -> None:
    catalogue = get(client, "/api/v1/map/catalogue")
    year = get(client, f"/api/v1/map/years/{iso[:4]}")
    assert year["version"] == catalogue["version"]
    shown = present_in_index(year, catalogue, iso)
    snapshot = get(client, "/api/v1/snapshot", date=iso)
    expected = {
        d["slug"]: {
            "site": feature["id"],
            "uncertain": d["dates_uncertain"],
            "low": d["confidence"] == "low",
            "disputed": d["disputed"],
        }
        for feature in snapshot["features"]
        for d in feature["properties"]["deployments"]
    }
    assert expected, f"the bundled data holds deployments on {iso}"
    assert shown == expected


def test_the_catalogue_names_every_site_force_and_actor_once(client: TestClient) -> None:
    catalogue = get(client, "/api/v1/map/catalogue")
    sites = get(client, "/api/v1/sites", limit=10000)["features"]
    assert sorted(catalogue["sites"]["slug"]) == sorted(f["properties"]["slug"] for f in sites)
    forces = get(client, "/api/v1/forces", limit=10000)
    assert sorted(catalogue["forces"]["slug"]) == sorted(f["slug"] for f in forces)
    actor_of = dict(zip(catalogue["actors"]["id"], catalogue["actors"]["slug"], strict=True))
    force_actor = {
        slug: actor_of[actor_id]
        for slug, actor_id in zip(
            catalogue["forces"]["slug"], catalogue["forces"]["actor"], strict=True
        )
    }
    assert force_actor == {f["slug"]: f["actor"] for f in forces}


@pytest.mark.parametrize("year", [2019, 2024, 2026])
def test_a_year_holds_the_movements_and_events_the_general_api_lists(
    client: TestClient, year: int
) -> None:
    index = get(client, f"/api/v1/map/years/{year}")
    period = {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    movements = get(client, "/api/v1/movements", **period)["features"]
    events = get(client, "/api/v1/events", **period)["features"]
    assert sorted(index["movements"]["slug"]) == sorted(f["id"] for f in movements)
    assert sorted(index["events"]["slug"]) == sorted(f["id"] for f in events)
    assert movements or events, f"the bundled data has records in {year}"
    low = dict(zip(index["movements"]["slug"], index["movements"]["low"], strict=True))
    for feature in movements:
        assert low[feature["id"]] == (feature["properties"]["confidence"] == "low")


def test_a_site_card_brings_the_sources_the_index_leaves_out(client: TestClient) -> None:
    feature = get(client, "/api/v1/map/sites/qamishli-airport", date="2026-01-10")
    deployments = feature["properties"]["deployments"]
    assert "ru-qamishli-active" in {d["slug"] for d in deployments}
    assert all(d["citations"] for d in deployments)
    only = get(client, "/api/v1/map/sites/qamishli-airport", date="2026-01-10", actor="russia")
    assert {d["actor"] for d in only["properties"]["deployments"]} == {"russia"}


def test_movement_and_event_cards_carry_their_sources(client: TestClient) -> None:
    index = get(client, "/api/v1/map/years/2026")
    movement = get(client, f"/api/v1/map/movements/{index['movements']['slug'][0]}")
    event = get(client, f"/api/v1/map/events/{index['events']['slug'][0]}")
    assert movement["properties"]["citations"]
    assert event["properties"]["citations"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/v1/map/years/0", 422, "year"),
        ("/api/v1/map/years/twenty", 422, "year"),
        ("/api/v1/map/sites/qamishli-airport", 422, "date"),
        ("/api/v1/map/sites/qamishli-airport?date=2026-02-30", 422, "date"),
        ("/api/v1/map/sites/no-such-site?date=2026-01-01", 404, None),
        ("/api/v1/map/movements/no-such-move", 404, None),
        ("/api/v1/map/catalogue?actor=russia", 422, "actor"),
    ],
)
def test_bad_map_requests_are_refused_by_name(
    client: TestClient, path: str, status: int, field: str | None
) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    if field:
        assert field in response.text


def test_the_index_is_cached_by_data_version(client: TestClient) -> None:
    first = client.get("/api/v1/map/years/2026")
    tag = first.headers["etag"]
    again = client.get("/api/v1/map/years/2026", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""


def readable(year: dict, catalogue: dict) -> dict[str, tuple]:
    """A year's deployments by slug, with ids turned into slugs (ids differ between databases)."""
    site = dict(zip(catalogue["sites"]["id"], catalogue["sites"]["slug"], strict=True))
    force = dict(zip(catalogue["forces"]["id"], catalogue["forces"]["slug"], strict=True))
    d = year["deployments"]
    return {
        slug: (
            site[d["site"][i]],
            force[d["force"][i]],
            d["status"][i],
            d["start"][i],
            d["sure_from"][i],
            d["end"][i],
            d["until"][i],
            d["low"][i],
            d["disputed"][i],
        )
        for i, slug in enumerate(d["slug"])
    }


def test_postgres_serves_the_same_year_index(client: TestClient, postgres_url: str) -> None:
    from app.cli import load
    from app.main import create_app
    from app.settings import Settings
    from tests.conftest import DATASET, migrated_database

    database = migrated_database(postgres_url)
    try:
        load(database, DATASET)
    finally:
        database.close()
    with TestClient(create_app(Settings(database_url=postgres_url))) as pg:
        for year in (2019, 2025, 2026):
            on_pg, on_sqlite = (
                readable(get(c, f"/api/v1/map/years/{year}"), get(c, "/api/v1/map/catalogue"))
                for c in (pg, client)
            )
            assert on_pg == on_sqlite
            assert on_pg, f"the bundled data has deployments in {year}"
        card = get(pg, "/api/v1/map/sites/qamishli-airport", date="2026-01-10")
        assert card["properties"]["deployments"]


def test_a_compressed_year_reads_the_same_as_a_plain_one(client: TestClient) -> None:
    import gzip
    import json

    plain = client.get("/api/v1/map/years/2026", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for _ in range(2):  # built, then from the cache
        packed = client.get("/api/v1/map/years/2026", headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        # httpx undoes the encoding; the bytes on the wire are smaller than the JSON.
        assert json.loads(packed.content) == plain.json()
        assert len(gzip.compress(plain.content)) < len(plain.content)


def test_a_started_server_prepares_the_first_view_before_anyone_asks(seeded_url: str) -> None:
    import time

    from app.api.answers import cache_of
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url=seeded_url, remote_tiles=False))
    with TestClient(app) as started:
        cache = cache_of(app)
        version = started.get("/api/v1/map/catalogue").headers["etag"]
        wanted = [
            (int(version.strip('W/"d')), path, "")
            for path in (
                "/api/v1/map/years/2026",
                "/api/v1/map/years/2025",
            )
        ]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(cache.get(k) is None for k in wanted):
            time.sleep(0.05)
        for key in wanted:
            kept = cache.get(key)
            assert kept is not None, key
            # What was prepared is byte for byte what the endpoint sends.
            plain = started.get(key[1], headers={"Accept-Encoding": "identity"})
            assert plain.content == kept
            assert cache.get((*key, "gzip")) is not None
