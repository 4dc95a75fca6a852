"""Saved files say what they hold, and a deployment's last day sits beside its first day absent."""

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient


def saved_name(response) -> str:  # type: ignore[no-untyped-def]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    return disposition.split("filename=", 1)[1].strip('"')


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/export/deployments.csv", "deployments.csv"),
        ("/export/deployments.csv?date=2026-01-10", "deployments-2026-01-10.csv"),
        (
            "/export/deployments.geojson?date=2026-01-10&actor=sdf&actor=russia",
            "deployments-2026-01-10-russia-sdf.geojson",
        ),
        (
            "/export/movements.csv?start=2026-01-01&end=2026-02-28&actor=russia",
            "movements-from-2026-01-01-to-2026-02-28-russia.csv",
        ),
        ("/export/events.csv?start=2025-01-01", "events-from-2025-01-01.csv"),
    ],
)
def test_a_saved_file_is_named_by_its_date_and_actors(
    client: TestClient, path: str, name: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert saved_name(response) == name


def test_many_actors_are_counted_in_the_name_not_listed(client: TestClient) -> None:
    actors = [a["slug"] for a in client.get("/api/v1/actors").json()]
    assert len(actors) > 4
    query = "&".join(f"actor={slug}" for slug in actors)
    name = saved_name(client.get(f"/export/deployments.csv?date=2026-01-10&{query}"))
    assert name.endswith(f"-and-{len(actors) - 4}-more.csv")
    assert name.count("-") < 20


def rows(client: TestClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_last_day_is_the_day_before_the_first_day_absent(client: TestClient) -> None:
    table = rows(client, "/export/deployments.csv")
    header = list(table[0])
    assert header.index("last_day") == header.index("end") + 1
    ended = [r for r in table if r["end"]]
    assert ended, "the bundled data has deployments that ended"
    for row in ended:
        last = dt.date.fromisoformat(row["last_day"])
        if row["end_precision"] == "day":
            assert last == dt.date.fromisoformat(row["end"]) - dt.timedelta(days=1)
        else:
            # A coarse end counts to the end of its week, month or year.
            assert last == dt.date.fromisoformat(row["present_until"]) - dt.timedelta(days=1)
            assert last >= dt.date.fromisoformat(row["end"])
    assert all(r["last_day"] == "" for r in table if not r["end"])
