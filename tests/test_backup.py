"""`orbat backup` takes a consistent copy while writers keep writing; the copy answers the same."""

import shutil
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import Database
from app.io.exchange import dataset_rows
from app.models import Actor
from app.records import bump_data_version


def test_a_backup_during_writes_is_whole_and_answers_like_the_source(
    seeded_url: str, tmp_path: Path
) -> None:
    live = tmp_path / "live.db"
    shutil.copyfile(seeded_url.removeprefix("sqlite:///"), live)
    db = Database(f"sqlite:///{live}")
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 2000:
            with db.write_session() as s:
                # A version bump and an actor in one transaction: a torn copy would show one
                # without the other.
                bump_data_version(s)
                s.add(Actor(slug=f"w-{n}", name="W", kind="state", color="#000000"))
                s.commit()
            n += 1
            written.append(n)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copy = tmp_path / "copy.db"
        result = CliRunner().invoke(
            cli, ["backup", str(copy), "--database-url", f"sqlite:///{live}"]
        )
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    assert written, "the writer never wrote during the test"
    with sqlite3.connect(copy) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        version = raw.execute("SELECT version FROM data_version").fetchone()[0]
        extra = raw.execute("SELECT count(*) FROM actor WHERE slug LIKE 'w-%'").fetchone()[0]
    assert version == 1 + extra + 1  # the seed's import bumped once; each write once more
    restored = Database(f"sqlite:///{copy}")
    with restored.session() as a, db.session() as b:
        ours = dataset_rows(a)
        live_rows = dataset_rows(b)
        assert ours["deployments.csv"] == live_rows["deployments.csv"]
        assert ours["citations.csv"] == live_rows["citations.csv"]
        assert a.scalar(select(func.count()).select_from(Actor)) <= b.scalar(
            select(func.count()).select_from(Actor)
        )
    restored.close()
    db.close()


def test_backup_refuses_to_overwrite_and_names_postgresql_alternative(tmp_path: Path) -> None:
    existing = tmp_path / "x.db"
    existing.write_text("keep me")
    result = CliRunner().invoke(
        cli, ["backup", str(existing), "--database-url", f"sqlite:///{tmp_path / 'a.db'}"]
    )
    assert result.exit_code == 2 and "already exists" in result.output
    assert existing.read_text() == "keep me"
    result = CliRunner().invoke(
        cli, ["backup", str(tmp_path / "y.db"), "--database-url", "postgresql://u@h/db"]
    )
    assert result.exit_code == 2 and "pg_dump" in result.output
