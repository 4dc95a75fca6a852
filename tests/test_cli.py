"""The `orbat` command as a newcomer and `make run` use it."""

import subprocess
import sys

from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import Database
from app.models import Deployment, Event
from app.settings import PROJECT_ROOT


def deployments(url: str) -> int:
    db = Database(url)
    with db.session() as session:
        n = session.scalar(select(func.count(Deployment.id))) or 0
    db.close()
    return n


def test_upgrade_then_seed_if_empty_loads_the_bundled_dataset_once(sqlite_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade", "--database-url", sqlite_url]).exit_code == 0
    first = runner.invoke(cli, ["seed", "--if-empty", "--database-url", sqlite_url])
    assert first.exit_code == 0, first.output
    assert "Seeded:" in first.output
    loaded = deployments(sqlite_url)
    assert loaded > 20
    second = runner.invoke(cli, ["seed", "--if-empty", "--database-url", sqlite_url])
    assert "not seeding" in second.output
    assert deployments(sqlite_url) == loaded


def test_export_writes_the_exchange_format(seeded_url: str, tmp_path) -> None:
    result = CliRunner().invoke(
        cli, ["export", str(tmp_path / "out"), "--database-url", seeded_url]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "actors.csv",
        "citations.csv",
        "deployments.csv",
        "events.csv",
        "forces.csv",
        "movements.csv",
        "sites.csv",
        "sources.csv",
    ]


def test_python_dash_m_app_runs_the_same_cli(sqlite_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "db", "upgrade", "--database-url", sqlite_url],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr
    db = Database(sqlite_url)
    with db.session() as session:
        assert session.scalar(select(func.count(Event.id))) == 0
    db.close()
