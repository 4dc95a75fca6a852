"""The map's endpoints on the bundled dataset: what a user asks, and typos they make."""

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from app import queries
from app.io import geojson


def sites_of(collection: dict, actor: str | None = None) -> set[str]:
    found = set()
    for feature in collection["features"]:
        for deployment in feature["properties"]["deployments"]:
            if actor is None or deployment["actor"] == actor:
                found.add(feature["properties"]["site"]["slug"])
    return found


def active_sites(collection: dict, actor: str) -> set[str]:
    return {
        feature["properties"]["site"]["slug"]
        for feature in collection["features"]
        for d in feature["properties"]["deployments"]
        if d["actor"] == actor and d["status"] == "active"
    }


def snapshot(client: TestClient, **params) -> dict:
    response = client.get("/api/v1/snapshot", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body


def test_russia_in_june_2025_holds_qamishli_hmeimim_and_tartus(client: TestClient) -> None:
    body = snapshot(client, date="2025-06-01", actor="russia")
    assert "qamishli-airport" in active_sites(body, "russia")
    # The coastal bases were drawing down after Dec 2024, but Russia was still there.
    assert {"hmeimim", "tartus"} <= sites_of(body, "russia")


def test_russia_in_february_2026_has_left_qamishli_but_not_hmeimim(client: TestClient) -> None:
    body = snapshot(client, date="2026-02-10", actor="russia")
    assert "qamishli-airport" not in sites_of(body, "russia")
    assert "hmeimim" in sites_of(body, "russia")


def test_no_russian_air_group_at_hmeimim_before_september_2015(client: TestClient) -> None:
    body = snapshot(client, date="2014-06-01", actor="russia")
    assert "hmeimim" not in sites_of(body)


def qamishli_statuses(client: TestClient, date: str) -> set[str]:
    return {
        d["status"]
        for f in snapshot(client, date=date, actor="russia")["features"]
        if f["properties"]["site"]["slug"] == "qamishli-airport"
        for d in f["properties"]["deployments"]
    }


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-01-22", {"active"}),
        ("2026-01-23", {"drawdown"}),
        ("2026-01-25", {"drawdown"}),
        ("2026-01-27", {"drawdown"}),
        ("2026-01-28", set()),
    ],
)
def test_qamishli_draws_down_from_23_january_until_the_last_plane_on_the_27th(
    client: TestClient, date: str, expected: set[str]
) -> None:
    assert qamishli_statuses(client, date) == expected


@pytest.mark.parametrize("date", ["2025-06-01", "2026-01-25"])
def test_sdf_filter_never_returns_a_russian_force(client: TestClient, date: str) -> None:
    body = snapshot(client, date=date, actor="sdf")
    actors = {d["actor"] for f in body["features"] for d in f["properties"]["deployments"]}
    assert actors == {"sdf"}, "the SDF holds Qamishli airport on these dates, Russia must not show"
    assert "qamishli-airport" in sites_of(body)


def test_qamishli_airport_passes_from_the_sdf_to_damascus_in_february_2026(
    client: TestClient,
) -> None:
    body = snapshot(client, date="2026-02-10")
    holders = {
        d["actor"]
        for f in body["features"]
        if f["id"] == "qamishli-airport"
        for d in f["properties"]["deployments"]
    }
    assert holders == {"syrian-government"}


def test_repeated_actor_filter_returns_both(client: TestClient) -> None:
    body = snapshot(client, date="2020-06-01", actor=["russia", "turkey"])
    actors = {d["actor"] for f in body["features"] for d in f["properties"]["deployments"]}
    assert actors == {"russia", "turkey"}


def test_snapshot_is_geojson_with_longitude_first(client: TestClient) -> None:
    body = snapshot(client, date="2025-06-01", actor="russia")
    hmeimim = next(f for f in body["features"] if f["id"] == "hmeimim")
    lon, lat = hmeimim["geometry"]["coordinates"]
    assert 35.5 < lon < 36.5 and 35 < lat < 36


def test_every_snapshot_deployment_carries_its_citations(client: TestClient) -> None:
    body = snapshot(client, date="2026-01-25")
    for feature in body["features"]:
        for d in feature["properties"]["deployments"]:
            supporting = [c for c in d["citations"] if c["stance"] == "supports"]
            assert d["citation_count"] == len(supporting) >= 1, d["slug"]
            assert d["independent_sources"] <= d["citation_count"]
            assert d["best_reliability"] in "ABCDEF"
            assert d["confidence"] in {"high", "medium", "low"}


def test_bbox_keeps_only_the_coast(client: TestClient) -> None:
    body = snapshot(client, date="2025-06-01", actor="russia", bbox="35.5,34.5,36.5,36")
    assert sites_of(body) == {"hmeimim", "tartus"}


def test_movements_in_early_2026_include_qamishli_to_hmeimim(client: TestClient) -> None:
    response = client.get(
        "/api/v1/movements", params={"start": "2026-01-01", "end": "2026-02-28", "actor": "russia"}
    )
    assert response.status_code == 200
    lines = [
        f
        for f in response.json()["features"]
        if f["properties"]["from_site"] == "qamishli-airport"
        and f["properties"]["to_site"] == "hmeimim"
    ]
    assert lines and lines[0]["geometry"]["type"] == "LineString"
    (from_lon, _), (to_lon, _) = lines[0]["geometry"]["coordinates"]
    assert from_lon > 41 and to_lon < 36.5


def test_events_in_early_2026_include_the_ceasefire_extension(client: TestClient) -> None:
    response = client.get("/api/v1/events", params={"start": "2026-01-01", "end": "2026-02-28"})
    assert response.status_code == 200
    events = {f["properties"]["slug"]: f["properties"] for f in response.json()["features"]}
    extension = events["ceasefire-extension-2026-01-24"]
    assert extension["kind"] == "ceasefire" and extension["citations"]


def test_events_filter_by_kind(client: TestClient) -> None:
    response = client.get("/api/v1/events", params={"kind": "ceasefire"})
    kinds = {f["properties"]["kind"] for f in response.json()["features"]}
    assert kinds == {"ceasefire"}


def test_deployments_returns_intervals_with_start_and_end(client: TestClient) -> None:
    response = client.get("/api/v1/deployments", params={"actor": "russia"})
    assert response.status_code == 200
    rows = {f["properties"]["slug"]: f["properties"] for f in response.json()["features"]}
    qamishli = sorted(
        (p for p in rows.values() if p["force"] == "ru-qamishli-group"), key=lambda p: p["start"]
    )
    assert [(p["status"], p["start"]) for p in qamishli] == [
        ("active", "2019-11-14"),
        ("drawdown", "2026-01-23"),
    ]
    assert qamishli[0]["end"] == qamishli[1]["start"] == qamishli[0]["present_until"]
    assert rows["ru-hmeimim-drawdown"]["end"] is None
    assert rows["ru-hmeimim-drawdown"]["present_until"] is None
    assert {p["actor"] for p in rows.values()} == {"russia"}


def test_deployments_within_a_range_leave_out_what_ended_before_it(client: TestClient) -> None:
    response = client.get(
        "/api/v1/deployments", params={"start": "2026-02-01", "end": "2026-02-28"}
    )
    slugs = {f["properties"]["slug"] for f in response.json()["features"]}
    assert "ru-hmeimim-drawdown" in slugs
    assert "ru-qamishli-active" not in slugs and "ru-qamishli-drawdown" not in slugs


def test_timeline_counts_follow_the_actor_filter(client: TestClient) -> None:
    everyone = client.get("/api/v1/timeline", params={"bucket": "year"}).json()
    russia = client.get("/api/v1/timeline", params={"bucket": "year", "actor": "russia"}).json()
    total = sum(b["total"] for b in everyone["buckets"])
    russian = sum(b["total"] for b in russia["buckets"])
    assert 0 < russian < total
    assert all(b["bucket"].endswith("-01-01") for b in everyone["buckets"])
    assert everyone["span"][0] <= "2015-09-30"


@pytest.mark.parametrize(
    ("path", "params", "field", "fragment"),
    [
        ("/api/v1/snapshot", {"date": "2026-02-30"}, "date", "valid date"),
        ("/api/v1/snapshot", {"date": "yesterday"}, "date", "valid date"),
        ("/api/v1/snapshot", {"date": "2025-06-01", "actor": "russa"}, "actor", "'russa'"),
        ("/api/v1/snapshot", {"bbox": "35,34,36"}, "bbox", "four numbers"),
        ("/api/v1/snapshot", {"bbox": "35,34,x,36"}, "bbox", "not a number"),
        ("/api/v1/snapshot", {"bbox": "35,94,36,95"}, "bbox", "latitudes"),
        ("/api/v1/snapshot", {"bbox": "36,34,35,36"}, "bbox", "west must not exceed east"),
        ("/api/v1/movements", {"start": "2026-03-01", "end": "2026-01-01"}, "start", "after end"),
        ("/api/v1/movements", {"actor": "nobody"}, "actor", "'nobody'"),
        ("/api/v1/events", {"start": "2026-13-01"}, "start", "valid date"),
        ("/api/v1/events", {"kind": "ceasfire"}, "kind", "'ceasfire'"),
        ("/api/v1/timeline", {"bucket": "fortnight"}, "bucket", "day"),
        ("/api/v1/deployments", {"start": "2026-03-01", "end": "2026-01-01"}, "start", "after"),
        ("/api/v1/forces", {"actor": "rusia"}, "actor", "'rusia'"),
        ("/export/events.csv", {"start": "2026-03-01", "end": "2026-01-01"}, "start", "after"),
        ("/export/deployments.geojson", {"actor": "x"}, "actor", "'x'"),
        ("/api/v1/snapshot", {"actr": "russia"}, "actr", "unknown parameter"),
        (
            "/export/deployments.csv",
            {"date": "2026-01-01", "start": "2025-01-01"},
            "date",
            "either",
        ),
        ("/api/v1/sites/hmeimim", {"date": "2025-01-01"}, "date", "unknown parameter"),
        ("/export/movements.csv", {"bbox": "35,34,36,36"}, "bbox", "takes: actor, end, start"),
    ],
)
def test_bad_input_answers_422_naming_the_parameter(
    client: TestClient, path: str, params: dict, field: str, fragment: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"][0]["loc"][-1] == field
    assert body["message"].startswith(f"{field}: ")
    assert fragment in body["message"]


def test_a_month_precision_end_shows_through_that_month_as_uncertain(client: TestClient) -> None:
    sarrin = [
        d
        for f in snapshot(client, date="2024-12-10", actor="russia")["features"]
        if f["id"] == "sarrin"
        for d in f["properties"]["deployments"]
    ]
    assert sarrin and all(d["end_precision"] == "month" for d in sarrin)
    assert all(d["dates_uncertain"] for d in sarrin)
    assert "sarrin" not in sites_of(snapshot(client, date="2025-01-01", actor="russia"))
    hmeimim = [
        d
        for f in snapshot(client, date="2024-12-10", actor="russia")["features"]
        if f["id"] == "hmeimim"
        for d in f["properties"]["deployments"]
    ]
    assert hmeimim and not any(d["dates_uncertain"] for d in hmeimim)


def test_events_and_movements_carry_the_sites_geo_precision(client: TestClient) -> None:
    events = client.get("/api/v1/events", params={"start": "2019-10-01", "end": "2019-11-30"})
    located = [f["properties"] for f in events.json()["features"] if f["geometry"]]
    assert located and all(p["geo_precision"] in {1, 2, 3} for p in located)
    moves = client.get("/api/v1/movements", params={"actor": "russia"}).json()["features"]
    assert all(m["properties"]["from_geo_precision"] in {1, 2, 3} for m in moves)


# The snapshot and movements answers are built from plain rows for speed; the record builders in
# app.io.geojson (used by the exports and pages) are the reference they must match field for field.


@pytest.fixture(scope="module")
def seeded_session(seeded_url: str):
    from app.db import Database

    database = Database(seeded_url)
    with database.session() as session:
        yield session
    database.close()


def as_json(value: object) -> object:
    return json.loads(json.dumps(value))


@pytest.mark.parametrize(
    "date", ["1980-06-01", "2015-10-01", "2019-11-20", "2024-12-10", "2026-01-25", "2026-02-10"]
)
def test_snapshot_answer_matches_the_record_builders_field_for_field(
    client: TestClient, seeded_session, date: str
) -> None:
    on = dt.date.fromisoformat(date)
    deployments = queries.state_at(seeded_session, on)
    citations = queries.citations_for(seeded_session, deployment=[d.id for d in deployments])
    expected = geojson.feature_collection(
        geojson.snapshot_features(deployments, citations, on), date=date
    )
    assert deployments, "pick dates with something present"
    assert snapshot(client, date=date) == as_json(expected)


def test_snapshot_cites_relayed_and_disputing_sources_as_the_builders_do(
    client: TestClient, seeded_session
) -> None:
    answers = [snapshot(client, date=d) for d in ("2019-11-20", "2026-01-25")]
    citations = [
        c
        for body in answers
        for f in body["features"]
        for d in f["properties"]["deployments"]
        for c in d["citations"]
    ]
    # Without these the field-for-field comparison above would not cover relays and disputes.
    assert any(c["original"] for c in citations)
    assert any(c["stance"] == "disputes" for c in citations)


def test_movements_answer_matches_the_record_builders_field_for_field(
    client: TestClient, seeded_session
) -> None:
    start, end = dt.date(2010, 1, 1), dt.date(2026, 12, 31)
    movements = queries.movements_between(seeded_session, start, end)
    citations = queries.citations_for(seeded_session, movement=[m.id for m in movements])
    expected = geojson.feature_collection(geojson.movement_feature(m, citations) for m in movements)
    response = client.get("/api/v1/movements", params={"start": str(start), "end": str(end)})
    assert response.status_code == 200
    assert len(movements) > 5
    assert response.json() == as_json(expected)


def test_snapshot_of_a_day_with_nothing_present_is_an_empty_collection(client: TestClient) -> None:
    body = snapshot(client, date="1900-01-01")
    assert body == {"type": "FeatureCollection", "date": "1900-01-01", "features": []}


def test_a_cached_snapshot_gives_way_to_the_data_after_a_write(seeded_copy) -> None:
    from sqlalchemy import delete, select

    from app.main import create_app
    from app.models import Citation, Deployment
    from app.records import bump_data_version
    from app.settings import Settings

    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    params = {"date": "2026-02-10", "actor": "russia"}
    with TestClient(app) as client:
        before = snapshot(client, **params)
        assert snapshot(client, **params) == before  # now answered from the cache
        slugs = {d["slug"] for f in before["features"] for d in f["properties"]["deployments"]}
        gone = sorted(slugs)[0]
        with seeded_copy.write_session() as writer:
            deployment_id = writer.scalar(select(Deployment.id).where(Deployment.slug == gone))
            writer.execute(delete(Citation).where(Citation.deployment_id == deployment_id))
            writer.execute(delete(Deployment).where(Deployment.id == deployment_id))
            bump_data_version(writer)
            writer.commit()
        after = snapshot(client, **params)
    assert gone not in {
        d["slug"] for f in after["features"] for d in f["properties"]["deployments"]
    }
