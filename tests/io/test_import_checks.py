"""What import refuses (stance, originals, links, takeovers) and what it only warns about.

Warnings list thin or inconsistent data but let the import go on; `--strict` refuses it.
"""

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app as cli
from app.cli import load
from app.db import Database
from app.io.exchange import DatasetError, read_dataset
from app.models import Citation, Deployment, Source
from tests.conftest import DATASET
from tests.io.test_exchange import TINY, count, write_dataset

SOURCES_HEADER = "slug,publisher,title,reliability,url,archive_url,original\n"
CITATIONS_HEADER = "source,record_type,record,stance,credibility,claim\n"


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DatasetError) as raised:
        read_dataset(folder)
    return [str(p) for p in raised.value.problems]


def warnings_of(folder: Path) -> list[str]:
    return [str(w) for w in read_dataset(folder).warnings]


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        (
            "citations.csv",
            CITATIONS_HEADER + "wire,deployment,red-port,agrees,2,x\n",
            "citations.csv:2: stance: 'agrees' is not one of supports, disputes, context",
        ),
        (
            "sources.csv",
            SOURCES_HEADER + "wire,Wire,Report,B,https://example.org/a,,ghost\n",
            "sources.csv:2: original: no source with slug 'ghost'",
        ),
        (
            "sources.csv",
            SOURCES_HEADER + "wire,Wire,Report,B,https://example.org/a,,wire\n",
            "sources.csv:2: original: a source cannot be its own original",
        ),
        (
            "sources.csv",
            SOURCES_HEADER + "wire,Wire,Report,B,javascript:alert(1),,\n",
            "sources.csv:2: url: 'javascript:alert(1)' is not an http(s) URL",
        ),
        (
            "sources.csv",
            SOURCES_HEADER + "wire,Wire,Report,B,https://example.org/a,http://archive.example/a,\n",
            "sources.csv:2: archive_url: 'http://archive.example/a' is not an https:// URL"
            " (archive links must be https)",
        ),
        (
            "deployments.csv",
            "slug,force,site,start,start_precision,status,confidence,took_over_from\n"
            "red-port,red-navy,port,1977-01-01,year,active,high,red\n",
            "deployments.csv:2: took_over_from: 'red' is this deployment's own actor;"
            " name the actor it took the site from",
        ),
        (
            "deployments.csv",
            "slug,force,site,start,start_precision,status,confidence,took_over_from\n"
            "red-port,red-navy,port,1977-01-01,year,active,high,nobody\n",
            "deployments.csv:2: took_over_from: no actor with slug 'nobody'",
        ),
    ],
)
def test_import_rejects_with_file_line_column_and_problem(
    tmp_path: Path, file: str, text: str, expected: str
) -> None:
    folder = write_dataset(tmp_path / "ds", **{file: text})
    assert expected in problems_of(folder)


def test_an_original_chain_that_comes_back_is_a_cycle(tmp_path: Path) -> None:
    sources = SOURCES_HEADER + (
        "wire,Wire,Report,B,https://example.org/a,,paper\n"
        "paper,Paper,Reprint,C,https://example.org/b,,blog\n"
        "blog,Blog,Relay,E,https://example.org/c,,wire\n"
    )
    folder = write_dataset(tmp_path / "ds", **{"sources.csv": sources})
    found = problems_of(folder)
    assert "sources.csv:2: original: goes round in a cycle: wire -> paper -> blog -> wire" in found


def test_a_relay_of_a_relay_is_accepted_and_kept(database: Database, tmp_path: Path) -> None:
    sources = SOURCES_HEADER + (
        "wire,Wire,Report,B,https://example.org/a,https://archive.example/a,\n"
        "paper,Paper,Reprint,C,https://example.org/b,,wire\n"
        "blog,Blog,Relay,E,,,paper\n"
    )
    load(database, write_dataset(tmp_path / "ds", **{"sources.csv": sources}))
    with database.session() as session:
        blog = session.scalar(select(Source).where(Source.slug == "blog"))
        paper = session.scalar(select(Source).where(Source.slug == "paper"))
        wire = session.scalar(select(Source).where(Source.slug == "wire"))
        assert blog is not None and paper is not None and wire is not None
        assert blog.original_id == paper.id and paper.original_id == wire.id
        assert wire.archive_url == "https://archive.example/a" and blog.url is None


def test_the_stance_of_each_citation_is_stored(database: Database, tmp_path: Path) -> None:
    citations = CITATIONS_HEADER + (
        "wire,deployment,red-port,supports,2,The navy uses the port.\n"
        "wire,deployment,red-port,disputes,3,Another report says it left.\n"
        "wire,movement,red-home,context,3,Background on crews.\n"
        "wire,movement,red-home,supports,3,Crews went home.\n"
        "wire,event,deal,supports,2,A deal was signed.\n"
    )
    load(database, write_dataset(tmp_path / "ds", **{"citations.csv": citations}))
    with database.session() as session:
        stances = sorted(session.scalars(select(Citation.stance)))
    assert stances == ["context", "disputes", "supports", "supports", "supports"]


# ---- warnings: listed, the import goes on; --strict refuses

TWO_SITES = {
    "sites.csv": "slug,name,kind,lat,lon\nport,Port,naval_base,34.9,35.87\n"
    "field,Field,air_base,35.4,35.9\n",
    # Crews leave the field, where the navy is in these tests.
    "movements.csv": TINY["movements.csv"].replace("red-navy,port,Home", "red-navy,field,Home"),
}


def test_one_force_at_two_sites_on_one_day_is_a_warning(tmp_path: Path) -> None:
    deployments = (
        "slug,force,site,start,start_precision,end,end_precision,status,confidence\n"
        "red-port,red-navy,port,2020-01-01,day,2021-01-01,day,active,high\n"
        "red-field,red-navy,field,2020-06-01,day,,,active,high\n"
    )
    citations = TINY["citations.csv"] + "wire,deployment,red-field,supports,2,At the field.\n"
    folder = write_dataset(
        tmp_path / "ds", **{**TWO_SITES, "deployments.csv": deployments, "citations.csv": citations}
    )
    assert warnings_of(folder) == [
        "deployments.csv:3: force: 'red-navy' is also at 'port' on 2020-06-01 (line 2); split it"
        " into detachments (forces with a parent), one per site"
    ]


def test_a_force_leaving_one_site_the_day_it_reaches_another_is_no_warning(
    tmp_path: Path,
) -> None:
    deployments = (
        "slug,force,site,start,start_precision,end,end_precision,status,confidence\n"
        "red-port,red-navy,port,2020-01-01,day,2020-06-01,day,active,high\n"
        "red-field,red-navy,field,2020-06-01,day,,,active,high\n"
    )
    citations = TINY["citations.csv"] + "wire,deployment,red-field,supports,2,At the field.\n"
    folder = write_dataset(
        tmp_path / "ds", **{**TWO_SITES, "deployments.csv": deployments, "citations.csv": citations}
    )
    assert warnings_of(folder) == []


def test_a_movement_from_where_its_force_is_not_is_a_warning(tmp_path: Path) -> None:
    movements = (
        "slug,force,from_site,to_site,start,start_precision,end,end_precision,description,"
        "confidence\n"
        "red-hop,red-navy,field,port,2020-03-01,day,2020-03-02,day,Ships moved,high\n"
    )
    citations = TINY["citations.csv"].replace("red-home", "red-hop")
    folder = write_dataset(
        tmp_path / "ds", **{**TWO_SITES, "movements.csv": movements, "citations.csv": citations}
    )
    assert warnings_of(folder) == [
        "movements.csv:2: from_site: 'red-navy' (or a force above or below it) has no deployment"
        " at 'field' when the movement starts (2020-03-01)"
    ]


def test_a_movement_by_a_detachment_of_a_force_present_is_no_warning(tmp_path: Path) -> None:
    forces = "slug,name,actor,branch,parent\nred-navy,Red Navy,red,naval,\n"
    forces += "red-flotilla,Red flotilla,red,naval,red-navy\n"
    deployments = (
        "slug,force,site,start,start_precision,end,end_precision,status,confidence\n"
        "red-port,red-navy,port,1977-01-01,year,,,active,high\n"
        "red-field,red-flotilla,field,2020-03-02,day,,,active,high\n"
    )
    movements = (
        "slug,force,from_site,to_site,start,start_precision,end,end_precision,description,"
        "confidence\n"
        "red-hop,red-flotilla,port,field,2020-03-01,day,2020-03-02,day,Ships moved,high\n"
    )
    citations = (
        TINY["citations.csv"].replace("red-home", "red-hop")
        + "wire,deployment,red-field,supports,2,At the field.\n"
    )
    folder = write_dataset(
        tmp_path / "ds",
        **{
            **TWO_SITES,
            "forces.csv": forces,
            "deployments.csv": deployments,
            "movements.csv": movements,
            "citations.csv": citations,
        },
    )
    assert warnings_of(folder) == []


def test_an_open_presence_at_a_site_taken_over_since_is_a_warning(tmp_path: Path) -> None:
    actors = TINY["actors.csv"] + "blue,Blue State,state,#0072B2\n"
    forces = TINY["forces.csv"] + "blue-army,Blue Army,blue,ground\n"
    deployments = (
        "slug,force,site,start,start_precision,end,end_precision,status,confidence,took_over_from\n"
        "red-port,red-navy,port,1977-01-01,year,,,active,high,\n"
        "blue-port,blue-army,port,2026-02-12,day,,,active,high,red\n"
    )
    citations = TINY["citations.csv"] + "wire,deployment,blue-port,supports,2,Blue took it.\n"
    folder = write_dataset(
        tmp_path / "ds",
        **{
            "actors.csv": actors,
            "forces.csv": forces,
            "deployments.csv": deployments,
            "citations.csv": citations,
        },
    )
    assert warnings_of(folder) == [
        "deployments.csv:2: end: is open, but 'blue-port' took 'port' over from 'red' on 2026-02-12"
    ]
    closed = deployments.replace("1977-01-01,year,,,", "1977-01-01,year,2026-02-12,day,")
    folder = write_dataset(
        tmp_path / "closed",
        **{
            "actors.csv": actors,
            "forces.csv": forces,
            "deployments.csv": closed,
            "citations.csv": citations,
        },
    )
    assert "took 'port' over" not in " ".join(warnings_of(folder))


def test_confidence_above_low_on_weak_sources_only_is_a_warning(tmp_path: Path) -> None:
    sources = "slug,publisher,title,reliability\nwire,Blog,A post,E\nwire-2,Forum,A thread,D\n"
    citations = TINY["citations.csv"] + "wire-2,deployment,red-port,supports,3,Same.\n"
    citations += "wire-2,event,deal,disputes,3,No deal.\n"
    folder = write_dataset(tmp_path / "ds", **{"sources.csv": sources, "citations.csv": citations})
    found = warnings_of(folder)
    assert (
        "deployments.csv:2: confidence: is 'high', but every supporting source is graded D-F;"
        " make it 'low' or cite a better source"
    ) in found
    assert any(w.startswith("events.csv:2: confidence:") for w in found)
    # The movement is medium on the same weak source: also warned.
    assert any(w.startswith("movements.csv:2: confidence:") for w in found)


def test_a_record_with_only_disputing_citations_has_no_support(tmp_path: Path) -> None:
    citations = TINY["citations.csv"].replace(
        "wire,event,deal,supports,2", "wire,event,deal,disputes,2"
    )
    folder = write_dataset(tmp_path / "ds", **{"citations.csv": citations})
    assert warnings_of(folder) == [
        "citations.csv: event 'deal' (events.csv line 2) has no supporting citation"
    ]


def test_warnings_do_not_stop_an_import_but_strict_refuses_it(
    database: Database, tmp_path: Path
) -> None:
    citations = TINY["citations.csv"].replace(
        "wire,event,deal,supports,2", "wire,event,deal,disputes,2"
    )
    folder = write_dataset(tmp_path / "ds", **{"citations.csv": citations})
    with pytest.raises(DatasetError) as raised:
        load(database, folder, strict=True)
    assert "has no supporting citation" in str(raised.value)
    with database.session() as session:
        assert count(session, Deployment) == 0

    warnings: list = []
    load(database, folder, warnings=warnings)
    assert len(warnings) == 1
    with database.session() as session:
        assert count(session, Deployment) == 1


def test_cli_lists_warnings_and_strict_exits_non_zero(
    sqlite_url: str, database: Database, tmp_path: Path
) -> None:
    citations = TINY["citations.csv"].replace(
        "wire,event,deal,supports,2", "wire,event,deal,disputes,2"
    )
    folder = write_dataset(tmp_path / "ds", **{"citations.csv": citations})
    runner = CliRunner()
    strict = runner.invoke(
        cli, ["import", str(folder), "--strict", "--dry-run", "--database-url", sqlite_url]
    )
    assert strict.exit_code == 1
    assert "event 'deal' (events.csv line 2) has no supporting citation" in strict.output
    lenient = runner.invoke(cli, ["import", str(folder), "--database-url", sqlite_url])
    assert lenient.exit_code == 0, lenient.output
    assert "warning: citations.csv: event 'deal'" in lenient.output
    assert "Imported" in lenient.output


def test_the_bundled_dataset_passes_strict(sqlite_url: str, database: Database) -> None:
    result = CliRunner().invoke(
        cli, ["import", str(DATASET), "--strict", "--dry-run", "--database-url", sqlite_url]
    )
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


def test_a_long_cycle_of_relays_is_reported_briefly(tmp_path: Path) -> None:
    count_ = 2000
    sources = SOURCES_HEADER + "wire,Wire,Report,B,https://example.org/a,,\n"
    sources += "".join(
        f"relay-{i},Relay,Copy,E,,,relay-{(i + 1) % count_}\n" for i in range(count_)
    )
    sources += "into,Blog,Copy,E,,,relay-7\n"
    folder = write_dataset(tmp_path / "ds", **{"sources.csv": sources})
    found = problems_of(folder)
    assert found[0] == (
        "sources.csv:3: original: goes round in a cycle: relay-0 -> relay-1 -> relay-2 -> ..."
        " (2000 sources) ... -> relay-1999 -> relay-0"
    )
    assert all(len(problem) < 200 for problem in found)
