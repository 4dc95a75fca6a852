"""The same migrations, import and temporal answers on a real PostgreSQL server."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.cli import load
from app.db import Database
from app.io.exchange import DatasetError
from app.main import create_app
from app.models import Deployment, Site
from app.settings import Settings
from tests.conftest import DATASET, migrated_database


@pytest.fixture
def pg_database(postgres_url: str):
    db = migrated_database(postgres_url)
    yield db
    db.close()


def test_postgres_answers_the_qamishli_questions(pg_database: Database, postgres_url: str) -> None:
    load(pg_database, DATASET)
    with TestClient(create_app(Settings(database_url=postgres_url))) as client:
        june = client.get("/api/v1/snapshot", params={"date": "2025-06-01", "actor": "russia"})
        feb = client.get("/api/v1/snapshot", params={"date": "2026-02-10", "actor": "russia"})
        typo = client.get("/api/v1/snapshot", params={"actor": "russa"})
        moves = client.get(
            "/api/v1/movements",
            params={"start": "2026-01-01", "end": "2026-02-28", "actor": "russia"},
        )
    june_sites = {f["id"] for f in june.json()["features"]}
    feb_sites = {f["id"] for f in feb.json()["features"]}
    assert {"qamishli-airport", "hmeimim", "tartus"} <= june_sites
    assert "hmeimim" in feb_sites and "qamishli-airport" not in feb_sites
    assert typo.status_code == 422
    assert any(f["properties"]["to_site"] == "hmeimim" for f in moves.json()["features"])


def test_postgres_import_is_all_or_nothing(pg_database: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for file in DATASET.iterdir():
        text = file.read_text(encoding="utf-8")
        if file.name == "deployments.csv":
            text += "late,no-such-force,hmeimim,2026-01-01,day,,,active,high,,\n"
        (broken / file.name).write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError):
        load(pg_database, broken)
    with pg_database.session() as session:
        assert session.scalar(select(func.count(Site.id))) == 0
        assert session.scalar(select(func.count(Deployment.id))) == 0


def test_postgres_migrations_build_exactly_the_models_schema(pg_database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import Base
    from app.search import include_in_schema_comparison

    with pg_database.engine.connect() as conn:
        # The search index is made by migration 0007, not by a model; it alone is left out.
        context = MigrationContext.configure(
            conn, opts={"include_name": include_in_schema_comparison}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_postgres_state_at_a_date_can_use_the_daterange_gist_index(
    pg_database: Database,
) -> None:
    import datetime as dt

    from sqlalchemy import text

    from app import queries

    load(pg_database, DATASET)
    with pg_database.session() as session:
        # The bundled dataset is small enough for a sequential scan; forbid it to see the index
        # is usable for the very expression the query sends.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        query = select(Deployment.id).where(
            queries.present_during(session, dt.date(2025, 6, 1), dt.date(2025, 6, 1))
        )
        plan = "\n".join(
            session.scalars(
                text(
                    "EXPLAIN "
                    + str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
                )
            )
        )
        present = session.scalars(query).all()
    assert "ix_deployment_period" in plan
    assert len(present) > 5
