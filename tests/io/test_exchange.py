"""The exchange format: all-or-nothing import with precise errors, and a lossless round trip."""

import filecmp
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.cli import load
from app.db import Database
from app.io.exchange import FILES, DatasetError, export_dataset, read_dataset
from app.models import Citation, Deployment, Event, Site
from tests.conftest import DATASET

TINY = {
    "actors.csv": "slug,name,kind,color\nred,Red State,state,#D55E00\n",
    "sites.csv": "slug,name,kind,lat,lon,aliases\nport,Port,naval_base,34.9,35.87,Harbour;Dock\n",
    "forces.csv": "slug,name,actor,branch\nred-navy,Red Navy,red,naval\n",
    "deployments.csv": (
        "slug,force,site,start,start_precision,end,end_precision,status,confidence\n"
        "red-port,red-navy,port,1977-01-01,year,,,active,high\n"
    ),
    "movements.csv": (
        "slug,force,from_site,to_label,start,start_precision,description,confidence\n"
        "red-home,red-navy,port,Home,2026-01-20,week,Crews rotated home,medium\n"
    ),
    "events.csv": (
        "slug,date,date_precision,kind,title,site,actors,confidence\n"
        "deal,1971-01-01,year,agreement,Port deal,port,red,high\n"
    ),
    "sources.csv": "slug,publisher,title,reliability,url\nwire,Wire,Port report,B,https://example.org/a\n",
    "citations.csv": (
        "source,record_type,record,stance,credibility,claim\n"
        "wire,deployment,red-port,supports,2,The navy uses the port.\n"
        "wire,movement,red-home,supports,3,Crews went home.\n"
        "wire,event,deal,supports,2,A deal was signed.\n"
    ),
}


def write_dataset(folder: Path, **overrides: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**TINY, **overrides}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_tiny_dataset_imports_every_record(database: Database, tmp_path: Path) -> None:
    counts = load(database, write_dataset(tmp_path / "ds"))
    assert counts["deployments.csv"] == 1 and counts["citations.csv"] == 3
    with database.session() as session:
        site = session.scalar(select(Site))
        assert site is not None and site.aliases == "Harbour;Dock" and site.geo_precision == 1
        assert count(session, Citation) == 3


def test_bad_date_names_file_line_column_and_writes_nothing(
    database: Database, tmp_path: Path
) -> None:
    broken = TINY["deployments.csv"] + "red-late,red-navy,port,2026-02-30,day,,,active,high\n"
    folder = write_dataset(tmp_path / "ds", **{"deployments.csv": broken})
    with pytest.raises(DatasetError) as raised:
        load(database, folder)
    assert [str(p) for p in raised.value.problems] == [
        "deployments.csv:3: start: '2026-02-30' is not a date (YYYY-MM-DD)"
    ]
    with database.session() as session:
        assert count(session, Deployment) == 0
        assert count(session, Site) == 0, "nothing from the valid files either"


def test_a_broken_reimport_leaves_existing_data_unchanged(
    database: Database, tmp_path: Path
) -> None:
    load(database, write_dataset(tmp_path / "good"))
    renamed = TINY["sites.csv"].replace("Port,", "Renamed Port,")
    bad_citation = TINY["citations.csv"] + "wire,deployment,no-such-row,supports,2,Ghost.\n"
    folder = write_dataset(
        tmp_path / "bad", **{"sites.csv": renamed, "citations.csv": bad_citation}
    )
    with pytest.raises(DatasetError) as raised:
        load(database, folder)
    assert str(raised.value.problems[0]) == ("citations.csv:5: record: no deployment 'no-such-row'")
    with database.session() as session:
        assert session.scalar(select(Site.name)) == "Port"
        assert count(session, Citation) == 3


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        (
            "forces.csv",
            "slug,name,actor,branch\nred-navy,Red Navy,blue,naval\n",
            "forces.csv:2: actor: no actor with slug 'blue'",
        ),
        (
            "sites.csv",
            "slug,name,kind,lat,lon\nport,Port,naval_base,94.9,35.87\n",
            "sites.csv:2: lat: 94.9 is outside -90..90",
        ),
        (
            "sites.csv",
            "slug,name,kind,lat,lon\nport,Port,naval_base,34.9,\n",
            "sites.csv:2: lon: lat and lon go together",
        ),
        (
            "actors.csv",
            "slug,name,kind,colour\nred,Red,state,#D55E00\n",
            "actors.csv:1: colour: unknown column",
        ),
        (
            "deployments.csv",
            "slug,force,site,start,start_precision,end,end_precision,status,confidence\n"
            "red-port,red-navy,port,2020-01-01,day,2019-01-01,day,active,high\n",
            "deployments.csv:2: end: 2019-01-01 is not after start 2020-01-01",
        ),
        (
            "deployments.csv",
            "slug,force,site,start,start_precision,status,confidence\n"
            "red-port,red-navy,port,2020-01-01,fortnight,active,high\n",
            "deployments.csv:2: start_precision: 'fortnight' is not one of day, week, month, year",
        ),
        (
            "citations.csv",
            "source,record_type,record,stance,credibility,claim\n"
            "wire,deployment,red-port,supports,9,x\n",
            "citations.csv:2: credibility: '9' is not a whole number from 1 to 6",
        ),
        (
            "sources.csv",
            "slug,publisher,title,reliability\nwire,Wire,Report,Z\n",
            "sources.csv:2: reliability: 'Z' is not one of A, B, C, D, E, F",
        ),
        (
            "events.csv",
            "slug,date,date_precision,kind,title,actors,confidence\n"
            "deal,1971-01-01,year,agreement,Deal,red;red,high\n",
            "events.csv:2: actors: red listed twice",
        ),
        (
            "events.csv",
            "slug,date,date_precision,kind,title,confidence\n"
            f"deal,1971-01-01,year,agreement,{'x' * 301},high\n",
            "events.csv:2: title: is 301 characters long; at most 300 fit",
        ),
        (
            "events.csv",
            "slug,date,date_precision,kind,title,confidence\n"
            "deal,9999-12-01,month,agreement,Far future,high\n",
            "events.csv:2: date: 9999-12-01 is later than 9998-12-31",
        ),
        (
            "events.csv",
            "slug,date,date_precision,kind,title,confidence\n"
            "deal,20260125,day,agreement,Compact date,high\n",
            "events.csv:2: date: '20260125' is not a date (YYYY-MM-DD)",
        ),
        (
            "citations.csv",
            "source,record_type,record,stance,credibility,claim\n"
            "wire,deployment,red-port,supports,\u00b2,x\n",
            "citations.csv:2: credibility: '\u00b2' is not a whole number from 1 to 6",
        ),
        (
            "actors.csv",
            "slug,name,kind,color\nRed State,Red,state,#D55E00\n",
            "actors.csv:2: slug: 'Red State' is not a slug"
            " (lower-case letters, digits and '-', at most 80)",
        ),
    ],
)
def test_problem_is_reported_precisely(
    database: Database, tmp_path: Path, file: str, text: str, expected: str
) -> None:
    folder = write_dataset(tmp_path / "ds", **{file: text})
    with pytest.raises(DatasetError) as raised:
        load(database, folder)
    assert expected in [str(p) for p in raised.value.problems]
    with database.session() as session:
        assert count(session, Deployment) == 0


def test_missing_file_is_reported(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds")
    (folder / "events.csv").unlink()
    with pytest.raises(DatasetError) as raised:
        read_dataset(folder)
    assert "events.csv: file is missing" in [str(p) for p in raised.value.problems]


def test_importing_the_same_dataset_twice_changes_nothing(
    database: Database, tmp_path: Path
) -> None:
    folder = write_dataset(tmp_path / "ds")
    load(database, folder)
    load(database, folder)
    with database.session() as session:
        assert count(session, Deployment) == 1
        assert count(session, Citation) == 3
        event = session.scalar(select(Event))
        assert event is not None


def test_cli_dry_run_reports_and_writes_nothing(sqlite_url: str, database: Database) -> None:
    result = CliRunner().invoke(
        cli, ["import", str(DATASET), "--dry-run", "--database-url", sqlite_url]
    )
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    with database.session() as session:
        assert count(session, Deployment) == 0


def test_cli_import_of_a_broken_file_exits_non_zero_with_the_problem(
    sqlite_url: str, database: Database, tmp_path: Path
) -> None:
    broken = TINY["events.csv"] + "bad,someday,day,agreement,Oops,,,high\n"
    folder = write_dataset(tmp_path / "ds", **{"events.csv": broken})
    result = CliRunner().invoke(cli, ["import", str(folder), "--database-url", sqlite_url])
    assert result.exit_code == 1
    assert "events.csv:3: date: 'someday' is not a date (YYYY-MM-DD)" in result.output
    assert "nothing was written" in result.output
    assert "Traceback" not in result.output


def test_cli_import_of_a_missing_path_names_it(sqlite_url: str, database: Database) -> None:
    result = CliRunner().invoke(cli, ["import", "/no/such/folder", "--database-url", sqlite_url])
    assert result.exit_code == 2
    assert "/no/such/folder does not exist" in result.output


def table_rows(database: Database) -> dict[str, list[tuple]]:
    """Every table's rows without surrogate ids, for comparing two databases."""
    from app.io.exchange import dataset_rows

    with database.session() as session:
        return {
            name: sorted(tuple(sorted(row.items())) for row in rows)
            for name, rows in dataset_rows(session).items()
        }


@pytest.mark.parametrize("archive", [False, True], ids=["folder", "zip"])
def test_export_then_import_into_an_empty_database_reproduces_the_data(
    seeded_url: str, tmp_path: Path, archive: bool
) -> None:
    original = Database(seeded_url)
    first = tmp_path / ("first.zip" if archive else "first")
    with original.session() as session:
        counts = export_dataset(session, first)
    assert counts["deployments.csv"] > 20

    copy = Database(f"sqlite:///{tmp_path / 'copy.db'}")
    from app.cli import upgrade_database

    upgrade_database(copy.url)
    load(copy, first)
    assert table_rows(copy) == table_rows(original)

    second = tmp_path / "second"
    with copy.session() as session:
        export_dataset(session, second)
    if archive:
        unpacked = tmp_path / "unpacked"
        shutil.unpack_archive(first, unpacked)
        first = unpacked
    match, mismatch, errors = filecmp.cmpfiles(first, second, list(FILES), shallow=False)
    assert mismatch == [] and errors == [] and sorted(match) == sorted(FILES)
    original.close()
    copy.close()


def parsed(folder: Path) -> dict[str, list[tuple]]:
    """A dataset's records as the importer reads them, order-free, for comparing two folders."""

    def normal(value: object) -> object:
        return tuple(sorted(value)) if isinstance(value, list) else value

    return {
        name: sorted(
            (tuple(sorted((k, normal(v)) for k, v in row.values.items())) for row in rows),
            key=repr,
        )
        for name, rows in read_dataset(folder).rows.items()
    }


def test_export_of_the_bundled_dataset_holds_every_field_of_its_files(
    seeded_url: str, tmp_path: Path
) -> None:
    database = Database(seeded_url)
    with database.session() as session:
        export_dataset(session, tmp_path / "out")
    database.close()
    exported, bundled = parsed(tmp_path / "out"), parsed(DATASET)
    for name in FILES:
        assert exported[name] == bundled[name], name


def test_export_guards_formula_cells_and_reimport_gives_them_back(
    database: Database, tmp_path: Path
) -> None:
    hostile = '=HYPERLINK("http://evil.example","x")'
    folder = write_dataset(
        tmp_path / "in",
        **{
            "sources.csv": "slug,publisher,title,reliability\n"
            f'wire,@Wire,"{hostile.replace(chr(34), chr(34) * 2)}",B\n',
            "sites.csv": (
                "slug,name,kind,lat,lon,geo_precision\nport,+Port,naval_base,34.9,-3.5,1\n"
            ),
        },
    )
    load(database, folder)
    out = tmp_path / "out"
    with database.session() as session:
        export_dataset(session, out)
    sources = (out / "sources.csv").read_text()
    sites = (out / "sites.csv").read_text()
    assert "'=HYPERLINK" in sources and "'@Wire" in sources
    assert "'+Port" in sites
    # A negative longitude is a number, not a formula: it stays as it is.
    assert ",-3.5,1," in sites
    assert parsed(out)["sources.csv"] == parsed(folder)["sources.csv"]
    assert parsed(out)["sites.csv"] == parsed(folder)["sites.csv"]


def test_problems_in_several_files_are_all_reported(tmp_path: Path) -> None:
    folder = write_dataset(
        tmp_path / "broken",
        **{
            "actors.csv": "slug,name,kind,color\nred,Red State,state,red\n",
            "sites.csv": "slug,name,kind,lat,lon\nport,Port,naval_base,95,35.87\n",
        },
    )
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    where = {(p.file, p.column) for p in caught.value.problems}
    assert ("actors.csv", "color") in where and ("sites.csv", "lat") in where
