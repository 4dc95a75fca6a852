"""/search (what the header's box submits to without JavaScript), /sites and /forces."""

import csv
import re

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from app.db import Database
from app.main import create_app
from app.models import Actor, Force, Site
from app.paging import PAGE_ROWS
from app.settings import Settings
from tests.conftest import DATASET


def _rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', html)


def test_every_page_has_a_labelled_search_box_that_submits_to_search(client: TestClient) -> None:
    for path in ("/", "/sources", "/sites/hmeimim", "/about"):
        html = client.get(path).text
        assert (
            '<form class="site-search" method="get" action="/search" role="search"'
            ' aria-label="Site search">'
        ) in html
        assert '<label for="site-search-q"' in html
        assert 'src="/static/js/search.js"' in html


def test_search_page_finds_hmeimim_by_another_spelling(client: TestClient) -> None:
    page = client.get("/search", params={"q": "Khmeimim"})
    assert page.status_code == 200
    assert 'data-slug="hmeimim"' in page.text
    assert '<a href="/sites/hmeimim">Hmeimim Air Base</a>' in page.text
    assert "also spelt Khmeimim" in page.text


def test_search_page_without_a_query_shows_the_form(client: TestClient) -> None:
    page = client.get("/search")
    assert page.status_code == 200
    assert 'id="search-page-q"' in page.text and "search-results" not in page.text


def test_search_page_says_when_nothing_matches(client: TestClient) -> None:
    page = client.get("/search", params={"q": "zzq OR hmeimim"})
    assert page.status_code == 200
    assert "Nothing matches" in page.text


def test_search_page_refuses_punctuation_alone_naming_q(client: TestClient) -> None:
    page = client.get("/search", params={"q": '"*'})
    assert page.status_code == 400
    assert "q: type at least one letter or digit" in page.text


def test_search_page_shows_hostile_text_as_text(client: TestClient) -> None:
    page = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_sites_page_lists_every_bundled_site_by_name(client: TestClient) -> None:
    with open(DATASET / "sites.csv", encoding="utf-8") as f:
        sites = list(csv.DictReader(f))
    page = client.get("/sites")
    assert page.status_code == 200
    listed = _rows(page.text, "data-site")
    assert set(listed) == {s["slug"] for s in sites}
    names = {s["slug"]: s["name"] for s in sites}
    assert [names[s] for s in listed] == sorted(names[s] for s in listed)
    assert "Khmeimim, Hmeymim" in page.text


def test_forces_page_lists_every_bundled_force_with_its_actor(client: TestClient) -> None:
    with open(DATASET / "forces.csv", encoding="utf-8") as f:
        forces = list(csv.DictReader(f))
    page = client.get("/forces")
    assert page.status_code == 200
    assert set(_rows(page.text, "data-force")) == {f["slug"] for f in forces}
    assert '<a href="/actors/russia">' in page.text


def test_sites_page_is_paged_and_refuses_a_page_past_the_end(seeded_copy: Database) -> None:
    with seeded_copy.engine.begin() as conn:
        conn.execute(
            insert(Site),
            [
                {"slug": f"zz-post-{i:03}", "name": f"Zz post {i:03}", "kind": "outpost"}
                for i in range(PAGE_ROWS + 20)
            ],
        )
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app) as client:
        first = client.get("/sites")
        second = client.get("/sites", params={"page": "2"})
        beyond = client.get("/sites", params={"page": "9"})
        bad = client.get("/sites", params={"page": "two"})
        found = client.get("/api/v1/search", params={"q": "zz post 119"}).json()
    assert len(_rows(first.text, "data-site")) == PAGE_ROWS
    assert 'href="/sites?page=2" rel="next"' in first.text
    assert second.status_code == 200 and "zz-post-119" in _rows(second.text, "data-site")
    assert beyond.status_code == 404 and bad.status_code == 400
    # Rows written in bulk by Core inserts (as the importer writes) are in the index too.
    assert [h["slug"] for h in found] == ["zz-post-119"]


def test_forces_page_is_paged(seeded_copy: Database) -> None:
    with seeded_copy.engine.begin() as conn:
        russia = conn.scalar(select(Actor.id).where(Actor.slug == "russia"))
        conn.execute(
            insert(Force),
            [
                {
                    "slug": f"zz-unit-{i:03}",
                    "name": f"Zz unit {i:03}",
                    "actor_id": russia,
                    "branch": "ground",
                }
                for i in range(PAGE_ROWS + 20)
            ],
        )
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app) as client:
        first = client.get("/forces")
        second = client.get("/forces", params={"page": "2"})
    assert len(_rows(first.text, "data-force")) == PAGE_ROWS
    assert 'href="/forces?page=2" rel="next"' in first.text
    assert "zz-unit-119" in _rows(second.text, "data-force")
