"""The map page's title line: the theatre, the dense span, the last date and the counts, all
worked out from the dataset itself (issue 9, item 6)."""

import csv
import datetime as dt
import re
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import update

from app import queries
from app.db import Database
from app.main import create_app
from app.models import Site
from app.pages.map import country_names
from app.records import bump_data_version
from app.settings import Settings
from tests.conftest import DATASET


def rows(name: str) -> list[dict[str, str]]:
    with (DATASET / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def expected_scope() -> dict[str, object]:
    """The scope computed from the CSV files, independently of the SQL that the page runs."""
    dates = sorted(
        [r["start"] for r in rows("deployments.csv")]
        + [r["start"] for r in rows("movements.csv")]
        + [r["date"] for r in rows("events.csv")]
    )
    per_year = Counter(d[:4] for d in dates)
    peak = max(per_year.values())
    first_year = min(y for y, n in per_year.items() if n >= peak * queries.DENSE_YEAR_SHARE)
    lasts = [
        d
        for name, cols in (
            ("deployments.csv", ("start", "end")),
            ("movements.csv", ("start", "end")),
            ("events.csv", ("date",)),
        )
        for r in rows(name)
        for d in (r[c] for c in cols)
        if d
    ]
    country = Counter(r["country"] for r in rows("sites.csv") if r["country"]).most_common(1)
    return {
        "first_year": int(first_year),
        "last": dt.date.fromisoformat(max(lasts)),
        "actors": len(rows("actors.csv")),
        "sites": len(rows("sites.csv")),
        "country": country[0][0],
    }


def title_line(html: str) -> tuple[str, str]:
    heading = re.search(r'<h1 id="map-heading">(.*?)<span', html, re.S)
    scope = re.search(r'<p id="map-scope" class="map-scope">(.*?)</p>', html, re.S)
    assert heading and scope, "the map page has no title line"
    return heading.group(1).strip(), " ".join(scope.group(1).split())


def test_the_title_line_names_the_dense_span_and_the_counts(client: TestClient) -> None:
    want = expected_scope()
    heading, scope = title_line(client.get("/").text)
    # The lone 1971 and 1977 records do not open the span: the dense part of the record does.
    assert want["first_year"] == 2015
    assert heading == f"Syria, {want['first_year']}–{want['last'].year}"  # type: ignore[attr-defined]
    last = want["last"]
    assert isinstance(last, dt.date)
    assert scope == (
        f"data up to {last.day} {last:%b} {last.year} · "
        f"{want['actors']} actors, {want['sites']} sites"
    )
    # The theatre comes from the sites' country codes, named from the time zone database.
    assert want["country"] == "SY" and country_names()["SY"] == "Syria"


def test_the_scope_follows_the_database_not_a_fixed_text(seeded_copy: Database) -> None:
    # Move every site to Iraq and add one more: the title says so, and "Syria" nowhere in it.
    with seeded_copy.writer() as session:
        session.execute(update(Site).values(country="IQ"))
        session.add(Site(slug="new-outpost", name="New outpost", kind="outpost", country="IQ"))
        session.commit()
    with seeded_copy.session() as session:
        scope = queries.dataset_scope(session)
    assert scope is not None and scope.country == "IQ"
    assert scope.sites == len(rows("sites.csv")) + 1
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app) as client:
        heading, text = title_line(client.get("/").text)
    assert heading.startswith("Iraq, ")
    assert f"{scope.sites} sites" in text


def test_an_empty_database_has_a_plain_title(database: Database) -> None:
    with database.session() as session:
        assert queries.dataset_scope(session) is None
    app = create_app(Settings(database_url=database.url, remote_tiles=False))
    with TestClient(app) as client:
        page = client.get("/")
    assert page.status_code == 200
    assert '<h1 id="map-heading">Map of deployments</h1>' in page.text


def test_a_running_server_recounts_the_title_when_the_data_version_moves(
    seeded_copy: Database,
) -> None:
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app) as client:
        _, before = title_line(client.get("/").text)
        sites = int(re.search(r"(\d+) sites", before).group(1))  # type: ignore[union-attr]
        with seeded_copy.writer() as session:
            session.add(Site(slug="late-outpost", name="Late outpost", kind="outpost"))
            bump_data_version(session)
            session.commit()
        _, after = title_line(client.get("/").text)
    assert f"{sites + 1} sites" in after
