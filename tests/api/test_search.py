"""GET /api/v1/search: names, aliases and transliterations, accents and case ignored, and what
a user types never read as query syntax; the same answers on PostgreSQL."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.cli import load
from app.db import Database
from app.main import create_app
from app.models import Site
from app.search import fts5_expression, query_words
from app.settings import Settings
from tests.conftest import DATASET, migrated_database

HMEIMIM_SPELLINGS = ["Khmeimim", "Hmeymim", "Hmeimim", "hmeimim", "HMEIMIM", "Hméimim", "khmei"]
HOSTILE = [
    '" OR 1=1',
    "a OR b",
    "NEAR(hmeimim tartus)",
    "hmeimim*",
    "-hmeimim",
    "tartus'--",
    "x' ); DROP TABLE site; --",
    '""hmeimim""',
    "^hmeimim",
    "hmeimim:",
    "{name}: hmeimim",
]


def _search(client: TestClient, q: str, **params: object):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/search", params={"q": q, **params})


def check_spellings_find_hmeimim(client: TestClient) -> None:
    for spelling in HMEIMIM_SPELLINGS:
        answer = _search(client, spelling)
        assert answer.status_code == 200, spelling
        sites = [h["slug"] for h in answer.json() if h["kind"] == "site"]
        assert sites[:1] == ["hmeimim"], spelling


def check_hostile_queries_are_plain_text(client: TestClient) -> None:
    for q in HOSTILE:
        answer = _search(client, q)
        assert answer.status_code == 200, (q, answer.text)
        assert isinstance(answer.json(), list)
    # Read as operators these would find Hmeimim; read as text, no record has a word "zzq".
    for q in ["zzq OR hmeimim", "NEAR(zzq hmeimim)", "zzq* OR hmeimim", '"zzq" OR "hmeimim"']:
        assert _search(client, q).json() == [], q


def check_refusals_name_q(client: TestClient) -> None:
    for q in ["", "   ", '"', "*", "--", "()", "x" * 500]:
        answer = _search(client, q)
        assert answer.status_code == 422, q
        assert answer.json()["message"].startswith("q: "), q
    missing = client.get("/api/v1/search")
    assert missing.status_code == 422
    assert "q" in missing.json()["message"]


def test_every_spelling_of_hmeimim_finds_the_base(client: TestClient) -> None:
    check_spellings_find_hmeimim(client)


def test_an_alias_match_says_which_alias(client: TestClient) -> None:
    first = _search(client, "Khmeimim").json()[0]
    assert first == {
        "kind": "site",
        "slug": "hmeimim",
        "name": "Hmeimim Air Base",
        "matched_alias": "Khmeimim",
        "url": "/sites/hmeimim",
    }
    by_name = _search(client, "hmeimim air").json()[0]
    assert by_name["slug"] == "hmeimim" and by_name["matched_alias"] is None


def test_search_finds_each_kind_with_a_link_to_its_page(client: TestClient) -> None:
    kinds = {h["kind"]: h for h in _search(client, "russia", limit=50).json()}
    assert kinds["actor"]["url"] == "/actors/russia"
    assert kinds["force"]["url"] == "/actors/russia"
    events = _search(client, "ceasefire").json()
    assert events and all(h["kind"] == "event" for h in events)
    assert all(h["url"].startswith(("/sites/", "/?date=")) for h in events)


def test_every_word_must_match_the_start_of_a_word(client: TestClient) -> None:
    both = {h["slug"] for h in _search(client, "qamishli air").json()}
    assert "qamishli-airport" in both and "qamishli-city" not in both
    assert _search(client, "meimim").json() == []


def test_limit_caps_the_answer_and_is_checked(client: TestClient) -> None:
    assert len(_search(client, "a", limit=3).json()) == 3
    too_many = _search(client, "a", limit=51)
    assert too_many.status_code == 422 and too_many.json()["message"].startswith("limit: ")


def test_hostile_queries_are_searched_as_plain_text(client: TestClient) -> None:
    check_hostile_queries_are_plain_text(client)


def test_empty_punctuation_or_overlong_queries_are_refused_naming_q(client: TestClient) -> None:
    check_refusals_name_q(client)


def test_fts5_expression_quotes_every_word() -> None:
    words = query_words('NEAR("a" b*) OR -c')
    assert words == ["NEAR", "a", "b", "OR", "c"]
    assert fts5_expression(['say "hi"']) == '"say ""hi"""*'


def test_index_follows_inserts_renames_and_deletes(seeded_copy: Database) -> None:
    app = create_app(Settings(database_url=seeded_copy.url, remote_tiles=False))
    with TestClient(app) as client:
        assert _search(client, "Zzyzx").json() == []
        with seeded_copy.session() as session:
            session.add(Site(slug="zzyzx", name="Zzyzx Outpost", kind="outpost", aliases="Soda"))
            session.commit()
        assert [h["slug"] for h in _search(client, "zzyzx").json()] == ["zzyzx"]
        with seeded_copy.session() as session:
            session.execute(text("UPDATE site SET name = 'Renamed Camp' WHERE slug = 'zzyzx'"))
            session.commit()
        assert _search(client, "zzyzx").json() == []
        assert _search(client, "renamed").json()[0]["slug"] == "zzyzx"
        assert _search(client, "soda").json()[0]["matched_alias"] == "Soda"
        with seeded_copy.session() as session:
            session.execute(text("DELETE FROM site WHERE slug = 'zzyzx'"))
            session.commit()
        assert _search(client, "renamed").json() == []


@pytest.fixture
def pg_client(postgres_url: str) -> Iterator[TestClient]:
    db = migrated_database(postgres_url)
    load(db, DATASET)
    db.close()
    with TestClient(create_app(Settings(database_url=postgres_url, remote_tiles=False))) as c:
        yield c


def test_postgres_finds_every_spelling_of_hmeimim(pg_client: TestClient) -> None:
    check_spellings_find_hmeimim(pg_client)
    assert _search(pg_client, "Khmeimim").json()[0]["matched_alias"] == "Khmeimim"


def test_postgres_treats_hostile_queries_as_plain_text(pg_client: TestClient) -> None:
    check_hostile_queries_are_plain_text(pg_client)
    check_refusals_name_q(pg_client)


def test_postgres_search_can_use_the_trigram_index(postgres_url: str) -> None:
    db = migrated_database(postgres_url)
    load(db, DATASET)
    with db.session() as session:
        # The dataset is small enough for a sequential scan; forbid it to see the index is usable.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            session.scalars(
                text(
                    "EXPLAIN SELECT slug FROM search_index "
                    "WHERE folded LIKE '%' || rtrim(search_fold(:word)) || '%'"
                ),
                {"word": "khmeimim"},
            )
        )
    db.close()
    assert "ix_search_index_folded" in plan


def test_search_migration_downgrades_and_fills_the_index_on_upgrade(sqlite_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from app.cli import upgrade_database
    from app.settings import PROJECT_ROOT

    db = migrated_database(sqlite_url)
    load(db, DATASET)
    db.close()
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = sqlite_url
    command.downgrade(config, "0006")
    upgrade_database(sqlite_url)
    app = create_app(Settings(database_url=sqlite_url, remote_tiles=False))
    with TestClient(app) as client:
        check_spellings_find_hmeimim(client)
