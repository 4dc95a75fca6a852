"""Shared fixtures: real SQLite files migrated by Alembic, and the bundled dataset loaded once."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.cli import load, upgrade_database
from app.db import Database
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings

DATASET = PROJECT_ROOT / "data" / "syria"


def migrated_database(url: str) -> Database:
    upgrade_database(url)
    return Database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'orbat.db'}"


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    """An empty, migrated SQLite database in a file of its own."""
    db = migrated_database(sqlite_url)
    yield db
    db.close()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as s:
        yield s


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file holding the bundled dataset, shared by read-only tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'orbat.db'}"
    db = migrated_database(url)
    load(db, DATASET)
    db.close()
    return url


@pytest.fixture(scope="session")
def client(seeded_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=seeded_url, remote_tiles=False))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server named by ORBAT_TEST_POSTGRES_URL."""
    base = os.environ.get("ORBAT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("ORBAT_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    schema = f"orbat_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def seeded_copy(seeded_url: str, tmp_path: Path) -> Iterator[Database]:
    """A writable copy of the seeded database, for tests that change data."""
    import shutil

    source = Path(seeded_url.removeprefix("sqlite:///"))
    target = tmp_path / "copy.db"
    shutil.copyfile(source, target)
    db = Database(f"sqlite:///{target}")
    yield db
    db.close()
