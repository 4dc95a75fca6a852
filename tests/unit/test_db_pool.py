"""Connection pool settings: every app process opens at most pool size + overflow connections
to PostgreSQL, as ORBAT_DB_POOL_SIZE and ORBAT_DB_MAX_OVERFLOW say."""

import pytest
from pydantic import ValidationError
from sqlalchemy.pool import QueuePool

from app.db import Database
from app.main import create_app
from app.settings import Settings

# Creating an engine does not connect, so no server needs to answer at this address.
UNREACHABLE_POSTGRES = "postgresql+psycopg://nobody@127.0.0.1:9/none"


def test_the_app_sizes_its_postgres_pool_from_the_settings() -> None:
    app = create_app(Settings(database_url=UNREACHABLE_POSTGRES, db_pool_size=3, db_max_overflow=2))
    pool = app.state.db.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == 3 and pool._max_overflow == 2
    app.state.db.close()


def test_pool_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORBAT_DB_POOL_SIZE", "8")
    monkeypatch.setenv("ORBAT_DB_MAX_OVERFLOW", "0")
    settings = Settings()
    assert (settings.db_pool_size, settings.db_max_overflow) == (8, 0)


def test_a_pool_of_no_connections_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="db_pool_size"):
        Settings(db_pool_size=0)


def test_a_postgres_pool_of_the_configured_size_serves_queries(postgres_url: str) -> None:
    from sqlalchemy import text

    database = Database(postgres_url, pool_size=2, max_overflow=1)
    try:
        with database.session() as one, database.session() as two:
            assert (
                one.execute(text("SELECT 1")).scalar() == two.execute(text("SELECT 2")).scalar() - 1
            )
        assert database.engine.pool.size() == 2
    finally:
        database.close()


def test_sqlite_serves_more_readers_at_once_than_a_default_pool_holds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """64 readers each holding a session must all get a connection at once, not wait 30 s."""
    from contextlib import ExitStack

    from sqlalchemy import text

    database = Database(f"sqlite:///{tmp_path / 'many.db'}")
    try:
        with ExitStack() as stack:
            sessions = [stack.enter_context(database.session()) for _ in range(64)]
            answers = [s.execute(text("SELECT 1")).scalar() for s in sessions]
        assert answers == [1] * 64
    finally:
        database.close()
