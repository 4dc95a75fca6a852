"""The streaming import: same records as the files, written in batches, all or nothing."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.cli import load
from app.db import Database
from app.io import streaming
from app.io.exchange import FILES, DatasetError, export_dataset, read_dataset
from app.models import Actor, Citation, Deployment, Event, Force, Site, Source
from tests.conftest import DATASET, migrated_database
from tests.io.test_exchange import TINY, parsed, write_dataset

DEPLOYMENTS_HEADER = "slug,force,site,start,start_precision,end,end_precision,status,confidence\n"


def many_deployments(n: int, last: str | None = None) -> str:
    """n consecutive, non-overlapping deployments of one force; `last` replaces the final row."""
    rows = [
        f"red-port-{i},red-navy,port,{1900 + i // 12:04d}-{1 + i % 12:02d}-01,month,"
        f"{1900 + (i + 1) // 12:04d}-{1 + (i + 1) % 12:02d}-01,day,active,low\n"
        for i in range(n)
    ]
    if last is not None:
        rows[-1] = last
    return DEPLOYMENTS_HEADER + "".join(rows)


def write_big(folder: Path, n: int, last: str | None = None) -> Path:
    """The tiny dataset with n deployments instead of one (citations name the first)."""
    citations = TINY["citations.csv"].replace(",deployment,red-port,", ",deployment,red-port-0,")
    return write_dataset(
        folder,
        **{"deployments.csv": many_deployments(n, last), "citations.csv": citations},
    )


def index_names(session: Session) -> list[str]:
    query = text("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
    return list(session.scalars(query))


def counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Actor, Site, Force, Source, Deployment, Event, Citation)
        }


@pytest.mark.parametrize("batch", [3, streaming.BATCH_ROWS])
def test_importing_the_bundled_dataset_writes_exactly_its_records(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    # Tiny batches put batch boundaries inside every file, self-links and citations included.
    monkeypatch.setattr(streaming, "BATCH_ROWS", batch)
    load(database, DATASET)
    with database.session() as session:
        export_dataset(session, tmp_path / "out")
    exported, bundled = parsed(tmp_path / "out"), parsed(DATASET)
    for name in FILES:
        assert exported[name] == bundled[name], name


def test_import_and_read_dataset_report_the_same_warnings(database: Database) -> None:
    warnings: list = []
    load(database, DATASET, warnings=warnings)
    assert [str(w) for w in warnings] == [str(w) for w in read_dataset(DATASET).warnings]


def test_a_bad_row_at_the_end_of_a_big_file_writes_nothing(
    database: Database, tmp_path: Path
) -> None:
    load(database, DATASET)
    before = counts(database)
    n = streaming.BATCH_ROWS * 2 + 10
    bad = "red-port-last,red-navy,port,2020-13-01,day,,,active,low\n"
    folder = write_big(tmp_path / "big", n, bad)
    with pytest.raises(DatasetError) as raised:
        load(database, folder)
    assert [str(p) for p in raised.value.problems] == [
        f"deployments.csv:{n + 1}: start: '2020-13-01' is not a date (YYYY-MM-DD)"
    ]
    assert counts(database) == before


def test_an_unknown_reference_at_the_end_of_a_big_file_writes_nothing(
    database: Database, tmp_path: Path
) -> None:
    n = streaming.BATCH_ROWS * 2 + 10
    bad = "red-port-last,ghost-navy,port,2020-01-01,day,,,active,low\n"
    folder = write_big(tmp_path / "big", n, bad)
    with pytest.raises(DatasetError) as raised:
        load(database, folder)
    assert [str(p) for p in raised.value.problems] == [
        f"deployments.csv:{n + 1}: force: no force with slug 'ghost-navy'"
    ]
    assert set(counts(database).values()) == {0}


def test_a_big_file_is_written_and_its_table_keeps_every_index(
    database: Database, tmp_path: Path
) -> None:
    with database.session() as session:
        indexes = index_names(session)
    # Over a megabyte of deployments: the import sets the table's indexes aside meanwhile.
    n = 20_000
    folder = write_big(tmp_path / "big", n)
    assert (folder / "deployments.csv").stat().st_size > streaming.REBUILD_MIN_BYTES
    load(database, folder)
    with database.session() as session:
        assert index_names(session) == indexes
        assert session.scalar(select(func.count(Deployment.id))) == n
        # The unique slug index is back: a second row with a taken slug is refused.
        with pytest.raises(Exception, match="UNIQUE"):
            session.execute(
                text(
                    "INSERT INTO deployment (slug, force_id, site_id, start_date, start_precision,"
                    " status, confidence) SELECT slug, force_id, site_id, start_date,"
                    " start_precision, status, confidence FROM deployment LIMIT 1"
                )
            )


def test_a_failed_big_import_leaves_every_index_in_place(
    database: Database, tmp_path: Path
) -> None:
    with database.session() as session:
        indexes = index_names(session)
    bad = "red-port-last,red-navy,nowhere,2020-01-01,day,,,active,low\n"
    folder = write_big(tmp_path / "big", 20_000, bad)
    with pytest.raises(DatasetError):
        load(database, folder)
    with database.session() as session:
        assert index_names(session) == indexes


def test_a_reimport_replaces_citations_and_event_actors_of_the_records_it_names(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streaming, "BATCH_ROWS", 2)
    load(database, write_dataset(tmp_path / "first"))
    second = write_dataset(
        tmp_path / "second",
        **{
            "actors.csv": TINY["actors.csv"] + "blue,Blue State,state,#0072B2\n",
            "events.csv": (
                "slug,date,date_precision,kind,title,site,actors,confidence\n"
                "deal,1971-01-01,year,agreement,Port deal,port,blue,high\n"
            ),
            "citations.csv": (
                "source,record_type,record,stance,credibility,claim\n"
                "wire,deployment,red-port,disputes,4,The navy never used the port.\n"
                "wire,movement,red-home,supports,3,Crews went home.\n"
                "wire,event,deal,supports,2,A deal was signed.\n"
            ),
        },
    )
    load(database, second)
    with database.session() as session:
        claims = sorted(session.scalars(select(Citation.claim)))
        assert claims == [
            "A deal was signed.",
            "Crews went home.",
            "The navy never used the port.",
        ]
        actors = session.scalars(
            select(Actor.slug).join(Event.actors).where(Event.slug == "deal")
        ).all()
        assert actors == ["blue"]
        assert session.scalar(select(func.count(Deployment.id))) == 1


def test_a_zip_streams_like_a_folder(database: Database, tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "syria"), "zip", DATASET)
    load(database, Path(archive))
    with database.session() as session:
        export_dataset(session, tmp_path / "out")
    assert parsed(tmp_path / "out") == parsed(DATASET)


def test_an_import_bumps_the_data_version_and_a_dry_run_does_not(database: Database) -> None:
    from app.records import data_version

    with database.session() as session:
        first = data_version(session)
    load(database, DATASET, dry_run=True)
    with database.session() as session:
        assert data_version(session) == first
    load(database, DATASET)
    with database.session() as session:
        assert data_version(session) == first + 1


def test_a_file_that_is_not_utf8_names_its_line_and_writes_nothing(
    database: Database, tmp_path: Path
) -> None:
    folder = write_dataset(tmp_path / "ds")
    with (folder / "sites.csv").open("ab") as handle:
        handle.write(b"camp,Camp \xff,base,1,2,\n")
    with pytest.raises(DatasetError) as raised:
        load(database, folder)
    assert [str(p) for p in raised.value.problems] == [
        "sites.csv:3: is not UTF-8 (byte 0xff cannot start a character);"
        " save the file as UTF-8 and try again"
    ]
    assert set(counts(database).values()) == {0}


def test_postgresql_import_in_batches_writes_exactly_the_files_records(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches and id blocks: ids come from the sequence block after block.
    monkeypatch.setattr(streaming, "BATCH_ROWS", 3)
    monkeypatch.setattr(streaming, "ID_BLOCK", 5)
    database = migrated_database(postgres_url)
    try:
        load(database, DATASET)
        load(database, DATASET)
        with database.session() as session:
            export_dataset(session, tmp_path / "out")
        assert parsed(tmp_path / "out") == parsed(DATASET)
        broken = write_big(tmp_path / "big", 20, "late,ghost,port,2020-01-01,day,,,active,low\n")
        before = counts(database)
        with pytest.raises(DatasetError):
            load(database, broken)
        assert counts(database) == before
    finally:
        database.close()
