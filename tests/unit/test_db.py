"""The database as every connection sees it: pragmas set, schema made by the migrations only."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.db import SQLITE_BUSY_TIMEOUT_MS, Database
from app.models import Base


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(database: Database) -> None:
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS


def test_migrations_build_exactly_the_models_schema(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_foreign_keys_are_enforced(database: Database) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    with database.engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(
            text("INSERT INTO force (slug, name, actor_id, branch) VALUES ('x', 'X', 999, 'air')")
        )
