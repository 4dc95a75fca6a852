"""The `orbat` command as a newcomer and `make run` use it."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.cli import upgrade_database
from app.db import Database
from app.models import Deployment, Event
from app.settings import PROJECT_ROOT

SYRIA = PROJECT_ROOT / "data" / "syria"


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


def test_a_bad_setting_is_named_in_one_line_and_nothing_runs(sqlite_url: str, monkeypatch) -> None:
    runner = CliRunner()
    for variable, value, named in (
        ("ORBAT_TILE_URL", "", "ORBAT_TILE_URL"),
        ("ORBAT_TILE_URL", "ftp://tiles.example/{z}/{x}/{y}.png", "ORBAT_TILE_URL"),
        ("ORBAT_DB_POOL_SIZE", "0", "ORBAT_DB_POOL_SIZE"),
    ):
        with monkeypatch.context() as env:
            env.setenv(variable, value)
            result = runner.invoke(cli, ["db", "upgrade", "--database-url", sqlite_url])
        assert result.exit_code == 2, result.output
        assert f"bad setting: {named}" in result.output
        assert "Traceback" not in result.output
        assert deployments_table_missing(sqlite_url)
    # Without remote tiles the template is not used, so an empty one is no error.
    with monkeypatch.context() as env:
        env.setenv("ORBAT_TILE_URL", "")
        env.setenv("ORBAT_REMOTE_TILES", "false")
        result = runner.invoke(cli, ["db", "upgrade", "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output


def deployments_table_missing(url: str) -> bool:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return not db.engine.dialect.has_table(connection, "deployment")
    finally:
        db.close()


def test_a_command_on_a_missing_database_file_says_to_upgrade_and_creates_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mistyped.db"
    for command in (["import", str(SYRIA)], ["export", "out"], ["user", "list"]):
        result = CliRunner().invoke(cli, [*command, "--database-url", f"sqlite:///{path}"])
        assert result.exit_code == 2, result.output
        assert f"no database file at {path}" in result.output
        assert "orbat db upgrade" in result.output
        assert "Traceback" not in result.output
    assert not path.exists()


def test_a_command_on_a_database_without_tables_says_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    url = f"sqlite:///{path}"
    result = CliRunner().invoke(cli, ["import", str(SYRIA), "--database-url", url])
    assert result.exit_code == 2, result.output
    assert "has no tables yet: run `orbat db upgrade` first" in result.output
    # Nothing was written: still no table at all.
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_a_command_on_an_older_schema_names_both_revisions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    first, head = script.get_base(), script.get_current_head()
    assert first != head
    upgrade_database(url, first)
    result = CliRunner().invoke(cli, ["user", "list", "--database-url", url])
    assert result.exit_code == 2, result.output
    assert f"is at schema {first}, this version needs {head}: run `orbat db upgrade`" in (
        result.output.replace("\n", " ")
    )
    # Upgraded, the same command runs.
    upgrade_database(url)
    assert CliRunner().invoke(cli, ["user", "list", "--database-url", url]).exit_code == 0


def test_serve_refuses_to_start_on_a_database_without_tables(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--port", "9"],
        cwd=tmp_path,
        env={**os.environ, "ORBAT_DATABASE_URL": f"sqlite:///{path}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "has no tables yet: run `orbat db upgrade` first" in result.stderr.replace("\n", " ")
    assert "Traceback" not in result.stderr
