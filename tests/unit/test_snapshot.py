"""A reader sees one snapshot for its whole request, even when a writer commits in between."""

import pytest
from sqlalchemy import func, select

from app.cli import upgrade_database
from app.db import Database
from app.models import Actor
from app.records import bump_data_version, data_version


def check_reader_keeps_its_snapshot(db: Database) -> None:
    with db.session() as reader:
        version = data_version(reader)
        actors = reader.scalar(select(func.count()).select_from(Actor))
        with db.write_session() as writer:
            bump_data_version(writer)
            writer.add(Actor(slug="late", name="Late", kind="state", color="#000000"))
            writer.commit()
        # Same transaction: neither the new version nor the new actor is visible yet.
        assert data_version(reader) == version
        assert reader.scalar(select(func.count()).select_from(Actor)) == actors
    with db.session() as fresh:
        assert data_version(fresh) == version + 1


def test_a_sqlite_reader_keeps_one_snapshot(database: Database) -> None:
    check_reader_keeps_its_snapshot(database)


@pytest.fixture
def pg_database(postgres_url: str):
    upgrade_database(postgres_url)
    db = Database(postgres_url)
    yield db
    db.close()


def test_a_postgresql_reader_keeps_one_snapshot(pg_database: Database) -> None:
    check_reader_keeps_its_snapshot(pg_database)
