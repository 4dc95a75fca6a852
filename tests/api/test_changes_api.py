"""GET /api/v1/compare and /api/v1/compare.csv: two dates compared, as JSON and as a file.

(Not /api/v1/changes: that path is the published edit history.)
"""

import csv
import io

import pytest
from fastapi.testclient import TestClient

QAMISHLI = {"from": "2026-01-01", "to": "2026-02-10", "actor": "russia"}


def test_russia_leaving_qamishli_airport_comes_with_its_sources(client: TestClient) -> None:
    response = client.get("/api/v1/compare", params=QAMISHLI)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["actors"], body["swapped"]) == (
        "2026-01-01",
        "2026-02-10",
        ["russia"],
        False,
    )
    assert body["counts"]["left"] == 2 and body["total"] == len(body["changes"])
    helicopters = next(
        c
        for c in body["changes"]
        if c["kind"] == "left"
        and c["site"] == "qamishli-airport"
        and c["force"] == "ru-qamishli-group"
    )
    assert helicopters["before"]["statuses"] == ["active"] and helicopters["after"] is None
    assert "left Qamishli International Airport" in helicopters["summary"]
    drawdown = next(d for d in helicopters["deployments"] if d["slug"] == "ru-qamishli-drawdown")
    sources = {c["source"]: c for c in drawdown["citations"]}
    assert sources, "a change must carry the citations a reader can check it by"
    some = next(iter(sources.values()))
    assert {"title", "publisher", "url", "stance", "reliability", "credibility"} <= set(some)
    assert any(m["to_site"] == "hmeimim" for m in helicopters["movements"])


def test_every_change_names_its_site_force_and_actor_and_is_sorted_by_site(
    client: TestClient,
) -> None:
    body = client.get("/api/v1/compare", params={"from": "2026-01-01", "to": "2026-02-10"}).json()
    names = [c["site_name"].casefold() for c in body["changes"]]
    assert names == sorted(names)
    assert {c["actor"] for c in body["changes"]} >= {"russia", "sdf", "united-states"}
    assert sum(body["counts"].values()) == body["total"] > 0


def test_the_later_date_first_is_answered_in_time_order_and_says_so(client: TestClient) -> None:
    backward = client.get(
        "/api/v1/compare", params={**QAMISHLI, "from": "2026-02-10", "to": "2026-01-01"}
    ).json()
    forward = client.get("/api/v1/compare", params=QAMISHLI).json()
    assert backward["swapped"] is True
    assert (backward["from"], backward["to"]) == ("2026-01-01", "2026-02-10")
    assert backward["changes"] == forward["changes"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"to": "2026-02-10"}, "from"),
        ({"from": "2026-01-01"}, "to"),
        ({"from": "1 Jan 2026", "to": "2026-02-10"}, "from"),
        ({"from": "2026-01-01", "to": "2026-02-30"}, "to"),
        ({**QAMISHLI, "actor": "russa"}, "actor"),
        ({**QAMISHLI, "date": "2026-01-01"}, "date"),
        ([("from", "2026-01-01"), ("from", "2026-01-02"), ("to", "2026-02-10")], "from"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/compare", "/api/v1/compare.csv"])
def test_bad_input_is_refused_naming_the_parameter(
    client: TestClient, path: str, params: dict | list, name: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"][0]["loc"] == ["query", name]
    assert body["message"].startswith(f"{name}: ")


def test_the_csv_has_one_row_per_change_with_source_urls(client: TestClient) -> None:
    response = client.get("/api/v1/compare.csv", params=QAMISHLI)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="changes-2026-01-01-to-2026-02-10-russia.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = client.get("/api/v1/compare", params=QAMISHLI).json()
    assert len(rows) == expected["total"]
    helicopters = next(r for r in rows if r["force"] == "ru-qamishli-group")
    assert helicopters["kind"] == "left" and helicopters["site"] == "qamishli-airport"
    assert helicopters["status_before"] == "active" and helicopters["status_after"] == ""
    urls = helicopters["source_urls"].split(" | ")
    assert len(urls) > 1 and all(u.startswith("http") for u in urls)
    assert any("shafaq.com" in u for u in urls)


def test_the_csv_name_carries_every_actor_chosen(client: TestClient) -> None:
    response = client.get(
        "/api/v1/compare.csv",
        params=[
            ("from", "2026-02-10"),
            ("to", "2026-01-01"),
            ("actor", "sdf"),
            ("actor", "russia"),
        ],
    )
    assert response.headers["content-disposition"].endswith(
        'filename="changes-2026-01-01-to-2026-02-10-russia-sdf.csv"'
    )


def test_the_schema_lists_both_operations_with_their_parameters(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    # The JSON answers a window of changes; the CSV is the whole file.
    for path, window in (("/api/v1/compare", {"limit", "offset"}), ("/api/v1/compare.csv", set())):
        parameters = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert set(parameters) == {"from", "to", "actor"} | window
        assert parameters["from"]["required"] and parameters["to"]["required"]


def test_changes_come_a_window_at_a_time_with_the_total_and_next_link(client: TestClient) -> None:
    everything = client.get("/api/v1/compare", params={"from": "2026-01-01", "to": "2026-02-10"})
    whole = everything.json()
    assert whole["total"] >= 3 and whole["next"] is None and "link" not in everything.headers
    first = client.get(
        "/api/v1/compare", params={"from": "2026-01-01", "to": "2026-02-10", "limit": 2}
    )
    assert first.status_code == 200, first.text
    assert first.headers["x-total-count"] == str(whole["total"])
    window = first.json()
    assert (window["total"], window["offset"], window["limit"]) == (whole["total"], 0, 2)
    assert window["changes"] == whole["changes"][:2]
    # The counts are the whole comparison's, not the window's.
    assert window["counts"] == whole["counts"]
    assert first.headers["link"] == f'<{window["next"]}>; rel="next"'
    # Following the links walks every change once, in order; the last window has no next.
    walked, following = list(window["changes"]), window["next"]
    while following:
        answer = client.get(following)
        assert answer.headers["x-total-count"] == str(whole["total"])
        walked += answer.json()["changes"]
        following = answer.json()["next"]
        assert ("link" in answer.headers) == bool(following)
    assert walked == whole["changes"]


def test_a_cached_window_keeps_its_headers(client: TestClient) -> None:
    params = {"from": "2026-01-01", "to": "2026-02-10", "limit": 1}
    first, again = (client.get("/api/v1/compare", params=params) for _ in range(2))
    assert again.content == first.content
    assert again.headers["x-total-count"] == first.headers["x-total-count"]
    assert again.headers["link"] == first.headers["link"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"offset": -1}, "offset: Input should be greater than or equal to 0"),
        ({"limit": "all"}, "limit: Input should be a valid integer"),
    ],
)
def test_a_window_out_of_bounds_is_refused_naming_the_parameter(
    client: TestClient, params: dict[str, object], message: str
) -> None:
    answer = client.get("/api/v1/compare", params={**QAMISHLI, **params})
    assert answer.status_code == 422
    assert message in answer.json()["message"]


def test_a_next_link_names_the_host_the_client_asked(client: TestClient) -> None:
    params = {"from": "2026-01-01", "to": "2026-02-10", "limit": 1}
    for host in ("orbat.example", "127.0.0.1:8000"):
        answer = client.get("/api/v1/compare", params=params, headers={"Host": host})
        assert answer.json()["next"].startswith(f"http://{host}/api/v1/compare?")
        assert answer.headers["link"].startswith(f"<http://{host}/")
