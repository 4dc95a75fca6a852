"""The database as every connection sees it: pragmas set, schema made by the migrations only."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.db import SQLITE_BUSY_TIMEOUT_MS, Database
from app.models import Base
from app.search import include_in_schema_comparison


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(database: Database) -> None:
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS


def test_migrations_build_exactly_the_models_schema(database: Database) -> None:
    with database.engine.connect() as conn:
        # The search index is made by migration 0007, not by a model; it alone is left out.
        context = MigrationContext.configure(
            conn, opts={"include_name": include_in_schema_comparison}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_foreign_keys_are_enforced(database: Database) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    with database.engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(
            text("INSERT INTO force (slug, name, actor_id, branch) VALUES ('x', 'X', 999, 'air')")
        )


def test_upgrade_fills_present_until_for_rows_written_before_it(sqlite_url: str) -> None:
    import datetime as dt

    from app.cli import upgrade_database

    upgrade_database(sqlite_url, "0001")
    db = Database(sqlite_url)
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO actor (slug, name, kind, color) VALUES ('a','A','state','#000000')")
        )
        conn.execute(text("INSERT INTO site (slug, name, kind) VALUES ('s','S','base')"))
        conn.execute(
            text("INSERT INTO force (slug, name, actor_id, branch) VALUES ('f','F',1,'air')")
        )
        conn.execute(
            text(
                "INSERT INTO deployment (slug, force_id, site_id, start_date, start_precision,"
                " end_date, end_precision, status, confidence) VALUES"
                " ('d', 1, 1, '2019-10-23', 'week', '2024-12-01', 'month', 'active', 'high')"
            )
        )
    upgrade_database(sqlite_url)
    with db.engine.connect() as conn:
        value = conn.execute(text("SELECT present_until FROM deployment")).scalar()
    db.close()
    assert str(value) == dt.date(2025, 1, 1).isoformat()
