"""The paged pages and lists answer the same on PostgreSQL (window functions, the recursive
query that finds each source's original) as on SQLite.

Orders by text follow the server's collation, which may differ from SQLite's, so pages are
compared as the set of everything they list together rather than page by page.
"""

import re

from fastapi.testclient import TestClient

from app.cli import load
from app.main import create_app
from app.settings import Settings
from tests.conftest import DATASET, migrated_database


def listed_sources(html: str) -> list[str]:
    return re.findall(r'<li id="source-([^"]+)"', html)


def test_paged_pages_and_lists_answer_on_postgres(postgres_url: str, seeded_url: str) -> None:
    database = migrated_database(postgres_url)
    load(database, DATASET)
    database.close()
    answers = {}
    for name, url in (("postgres", postgres_url), ("sqlite", seeded_url)):
        with TestClient(create_app(Settings(database_url=url, remote_tiles=False))) as client:
            pages = [client.get("/sources", params={"page": n}) for n in (1, 2, 3, 4)]
            single = client.get("/sources", params={"show": "single-original"})
            site = client.get("/sites/qamishli-airport")
            first = client.get("/api/v1/sources", params={"limit": 200})
            rest = client.get(first.headers["link"].split(">", 1)[0].lstrip("<"))
            assert all(p.status_code == 200 for p in [*pages, single, site]), name
            every_page = [slug for p in pages for slug in listed_sources(p.text)]
            assert len(every_page) == len(set(every_page)), f"{name}: pages overlap"
            api = [s["slug"] for s in first.json() + rest.json()]
            assert len(api) == len(set(api)) == int(first.headers["x-total-count"]), name
            answers[name] = (
                set(every_page),
                set(listed_sources(single.text)),
                re.findall(r'class="evidence">([^<]+)', site.text),
                set(api),
            )
    assert answers["postgres"] == answers["sqlite"]
