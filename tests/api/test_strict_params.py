"""Query parameters mean one thing only: ISO dates, one value where one is taken, plain numbers.

Each refusal is a 422 naming the parameter, so a caller can tell which part of the URL to fix.
"""

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.deps import BBOX_PATTERN, ISO_DATE_PATTERN
from app.main import create_app
from app.settings import Settings


def check_refused(client: TestClient, path: str, params: dict | list, name: str) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"][0]["loc"] == ["query", name]
    assert body["message"].startswith(f"{name}: ")
    return body


NOT_ISO_DATES = [
    "0",  # pydantic: 1970-01-01
    "86400",  # pydantic: seconds since 1970
    "1735689600",
    "2020-01-01T00:00:00",
    "2020-01-01T23:00:00+05:00",
    "2020-01-01T00:00:00Z",
    "20200101",
    "2020-1-1",
    " 2020-01-01",
    "2020-01-01 ",
    "2020-01-01\n",
    "+2020-01-01",
    "٢٠٢٠-٠١-٠١",  # Arabic-Indic digits: Python's \d would take them
    "0000-01-01",
    "2021-02-29",
    "",
]

DATE_PARAMETERS = [
    ("/api/v1/snapshot", "date"),
    ("/api/v1/movements", "start"),
    ("/api/v1/events", "end"),
    ("/api/v1/timeline", "start"),
    ("/export/deployments.csv", "date"),
    ("/export/events.geojson", "start"),
]


@pytest.mark.parametrize(("path", "name"), DATE_PARAMETERS)
@pytest.mark.parametrize("value", NOT_ISO_DATES)
def test_a_date_that_is_not_yyyy_mm_dd_is_refused_naming_the_parameter(
    client: TestClient, path: str, name: str, value: str
) -> None:
    check_refused(client, path, {name: value}, name)


@pytest.mark.parametrize("value", ["2020-02-29", "0001-01-01", "9999-12-31", "2026-01-27"])
def test_a_real_iso_date_is_accepted_from_the_first_day_to_the_last(
    client: TestClient, value: str
) -> None:
    assert client.get("/api/v1/snapshot", params={"date": value}).status_code == 200
    assert client.get("/api/v1/events", params={"start": value, "end": value}).status_code == 200


def test_the_schema_states_the_date_rule_the_server_applies(client: TestClient) -> None:
    parameter = next(
        p
        for p in client.get("/openapi.json").json()["paths"]["/api/v1/snapshot"]["get"][
            "parameters"
        ]
        if p["name"] == "date"
    )
    assert {"type": "string", "format": "date", "pattern": ISO_DATE_PATTERN} in parameter["schema"][
        "anyOf"
    ]
    # Shape alone is the pattern's job; whether the day exists is `format: date`'s.
    shaped = [v for v in NOT_ISO_DATES if re.fullmatch(ISO_DATE_PATTERN, v)]
    assert shaped == ["2021-02-29"]


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/api/v1/snapshot", [("date", "2020-01-01"), ("date", "2021-01-01")], "date"),
        # The same value twice is refused too: the rule is about the URL, not its meaning.
        ("/api/v1/snapshot", [("date", "2020-01-01"), ("date", "2020-01-01")], "date"),
        ("/api/v1/snapshot", [("bbox", "35,32,42,37"), ("bbox", "0,0,1,1")], "bbox"),
        ("/api/v1/timeline", [("bucket", "day"), ("bucket", "year")], "bucket"),
        ("/api/v1/movements", [("end", "2026-01-01"), ("end", "2026-02-01")], "end"),
        ("/export/deployments.csv", [("date", "2025-01-01"), ("date", "2026-01-01")], "date"),
        ("/export/events.csv", [("start", "2025-01-01"), ("start", "2019-01-01")], "start"),
    ],
)
def test_a_repeated_single_valued_parameter_is_refused_not_last_one_wins(
    client: TestClient, path: str, params: list, name: str
) -> None:
    body = check_refused(client, path, params, name)
    assert "given 2 times" in body["message"]


def test_filters_that_take_a_list_may_repeat(client: TestClient) -> None:
    both = client.get("/api/v1/snapshot", params=[("actor", "russia"), ("actor", "sdf")])
    assert both.status_code == 200
    actors = {d["actor"] for f in both.json()["features"] for d in f["properties"]["deployments"]}
    assert actors <= {"russia", "sdf"}
    kinds = [("kind", "agreement"), ("kind", "ceasefire")]
    assert client.get("/api/v1/events", params=kinds).status_code == 200


@pytest.mark.parametrize(
    "bbox",
    [
        "1e1,30,40,40",  # float() takes an exponent
        "+35,30,40,40",
        " 35,30,40,40",
        "35,30,40,inf",
        "nan,30,40,40",
        "3_5,30,40,40",  # float() takes digit separators
        "٣٥,30,40,40",
        "35.,30,40,40",
        ".5,30,40,40",
        "",
        "35,30,40,40,",
    ],
)
def test_a_bbox_must_be_four_plain_decimals(client: TestClient, bbox: str) -> None:
    check_refused(client, "/api/v1/snapshot", {"bbox": bbox}, "bbox")
    assert not re.fullmatch(BBOX_PATTERN, bbox)


@pytest.mark.parametrize("bbox", ["35.5,32,42.5,37.5", "-180,-90,180,90", "-3.5,0,-1.25,0.5"])
def test_a_plain_decimal_bbox_is_accepted_and_matches_the_schema(
    client: TestClient, bbox: str
) -> None:
    assert client.get("/api/v1/snapshot", params={"bbox": bbox}).status_code == 200
    assert re.fullmatch(BBOX_PATTERN, bbox)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/snapshot", {"date": "yesterday"}),  # pydantic's own error
        ("/api/v1/snapshot", {"bbox": "1,2,3"}),  # our BadParameter
        ("/api/v1/snapshot", {"actor": "russa"}),  # an unknown slug
        ("/api/v1/snapshot", {"actr": "russia"}),  # an unknown parameter
        ("/export/deployments.csv", {"date": "2026-01-01", "start": "2025-01-01"}),
    ],
)
def test_every_422_item_has_loc_msg_and_type_as_the_schema_declares(
    client: TestClient, path: str, params: dict
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    declared = client.get("/openapi.json").json()["components"]["schemas"]["ErrorItem"]
    assert set(declared["required"]) == {"loc", "msg", "type"}
    for item in response.json()["detail"]:
        assert isinstance(item["loc"], list) and item["loc"][0] == "query"
        assert isinstance(item["msg"], str) and item["msg"]
        assert isinstance(item["type"], str) and item["type"]


def test_a_405_names_every_method_the_path_takes(seeded_url: str) -> None:
    app = create_app(Settings(database_url=seeded_url, remote_tiles=False))

    # Two routes for one path, as a list-and-create API has them.
    @app.get("/api/v1/notes/{key}")
    def read_notes(key: str) -> list:
        return []

    @app.post("/api/v1/notes/{key}")
    def add_note(key: str) -> dict:
        return {}

    with TestClient(app) as test_client:
        assert test_client.delete("/api/v1/notes/a").headers["allow"] == "GET, POST"
        assert test_client.delete("/api/v1/actors").headers["allow"] == "GET"


def test_a_json_body_that_is_not_utf_8_is_a_422_like_any_malformed_json(seeded_url: str) -> None:
    app = create_app(Settings(database_url=seeded_url, remote_tiles=False))

    class Note(BaseModel):
        text: str

    @app.post("/api/v1/notes")
    def add_note(note: Note) -> dict:
        return {"text": note.text}

    with TestClient(app) as test_client:
        for body in (b"\xff\xfe{}", b"{not json"):
            response = test_client.post(
                "/api/v1/notes", content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == 422, body
            assert response.json()["detail"][0]["type"] == "json_invalid"
