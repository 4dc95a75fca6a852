"""`orbat demo-data`: synthetic bundles that import cleanly, repeat for a seed and look real."""

import csv
import datetime as dt
import filecmp
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.cli import load
from app.dates import present_until
from app.db import Database
from app.io.csv_safety import TRIGGERS, restore
from app.io.demo import (
    HORIZON,
    PRESETS,
    WORLD_BOXES,
    Preset,
    check_preset,
    preset_with,
    text_cell,
    variants,
    write_demo,
)
from app.io.exchange import FILES, read_dataset
from app.models import Citation, Deployment, Event, Movement, Source

SMALL = PRESETS["small"]
# About 2,000 deployments over the whole world (negative longitudes too).
CUSTOM = Preset(8, 150, 120, 2_000, 300, 200, WORLD_BOXES)


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("small")
    return folder, write_demo(folder, SMALL, seed=1)


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("custom")
    return folder, write_demo(folder, CUSTOM, seed=7)


@pytest.fixture(params=["small", "custom"])
def bundle(
    request: pytest.FixtureRequest,
    small: tuple[Path, dict[str, int]],
    custom: tuple[Path, dict[str, int]],
) -> tuple[Path, dict[str, int], Preset]:
    folder, counts = small if request.param == "small" else custom
    return folder, counts, SMALL if request.param == "small" else CUSTOM


def test_presets_have_the_documented_sizes() -> None:
    assert (SMALL.actors, SMALL.sites, SMALL.forces) == (6, 30, 50)
    assert (SMALL.deployments, SMALL.movements, SMALL.events) == (60, 10, 90)
    theatre, world = PRESETS["theatre"], PRESETS["world"]
    assert (theatre.actors, theatre.sites, theatre.forces) == (12, 1_000, 3_000)
    assert (theatre.deployments, theatre.movements, theatre.events) == (100_000, 10_000, 5_000)
    assert (world.actors, world.sites, world.forces) == (20, 10_000, 30_000)
    assert (world.deployments, world.movements, world.events) == (1_000_000, 100_000, 50_000)
    assert preset_with(world, deployments=5, sites=None).deployments == 5
    assert preset_with(world, deployments=5).sites == 10_000


def test_bundle_reads_with_no_problems_and_no_warnings(
    bundle: tuple[Path, dict[str, int], Preset],
) -> None:
    folder, counts, preset = bundle
    dataset = read_dataset(folder)  # raises DatasetError on any problem
    assert [str(w) for w in dataset.warnings] == []
    assert {name: dataset.count(name) for name in FILES} == counts
    asked = {
        "actors.csv": preset.actors,
        "sites.csv": preset.sites,
        "forces.csv": preset.forces,
        "deployments.csv": preset.deployments,
        "movements.csv": preset.movements,
        "events.csv": preset.events,
    }
    assert {name: counts[name] for name in asked} == asked
    records = preset.deployments + preset.movements + preset.events
    assert counts["sources.csv"] == -(-records // 5)
    # Every file has the exchange format's columns, in its order.
    for name, columns in FILES.items():
        with open(folder / name, encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n").split(",") == [c.name for c in columns]


def test_small_bundle_loads_into_an_empty_database_from_a_zip(
    database: Database, tmp_path: Path
) -> None:
    archive = tmp_path / "demo.zip"
    counts = write_demo(archive, SMALL, seed=3)
    assert archive.is_file() and not list(tmp_path.glob(".demo-*"))
    assert load(database, archive, strict=True) == counts
    with database.session() as session:
        for model, name in (
            (Deployment, "deployments.csv"),
            (Movement, "movements.csv"),
            (Event, "events.csv"),
            (Source, "sources.csv"),
            (Citation, "citations.csv"),
        ):
            assert session.scalar(select(func.count()).select_from(model)) == counts[name]


def test_custom_bundle_loads_into_an_empty_database(
    database: Database, custom: tuple[Path, dict[str, int]]
) -> None:
    folder, counts = custom
    assert load(database, folder, strict=True) == counts


def test_same_seed_same_bytes_other_seed_other_data(
    tmp_path: Path, small: tuple[Path, dict[str, int]]
) -> None:
    folder, _ = small
    again, other = tmp_path / "again", tmp_path / "other"
    write_demo(again, SMALL, seed=1)
    write_demo(other, SMALL, seed=2)
    names = list(FILES)
    match, mismatch, errors = filecmp.cmpfiles(folder, again, names, shallow=False)
    assert (match, mismatch, errors) == (names, [], [])
    _, different, _ = filecmp.cmpfiles(folder, other, names, shallow=False)
    assert set(different) == set(names)
    # A zip is byte-identical too (fixed timestamps).
    write_demo(tmp_path / "a.zip", SMALL, seed=5)
    write_demo(tmp_path / "b.zip", SMALL, seed=5)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_every_record_has_a_supporting_citation_and_low_confidence_on_weak_sources(
    bundle: tuple[Path, dict[str, int], Preset],
) -> None:
    folder, _, _ = bundle
    grades = {r["slug"]: r["reliability"] for r in rows(folder, "sources.csv")}
    supporting: dict[tuple[str, str], list[str]] = defaultdict(list)
    stances: Counter[str] = Counter()
    for citation in rows(folder, "citations.csv"):
        stances[citation["stance"]] += 1
        if citation["stance"] == "supports":
            supporting[citation["record_type"], citation["record"]].append(
                grades[citation["source"]]
            )
    assert stances["supports"] and stances["disputes"]
    for name, kind in (
        ("deployments.csv", "deployment"),
        ("movements.csv", "movement"),
        ("events.csv", "event"),
    ):
        for record in rows(folder, name):
            found = supporting[kind, record["slug"]]
            assert found, f"{kind} {record['slug']} has no supporting citation"
            if all(grade in "DEF" for grade in found):
                assert record["confidence"] == "low", record["slug"]


def test_no_force_is_in_two_places_and_movements_sit_on_the_boundaries(
    bundle: tuple[Path, dict[str, int], Preset],
) -> None:
    folder, _, _ = bundle
    by_force: dict[str, list[dict[str, str]]] = defaultdict(list)
    for deployment in rows(folder, "deployments.csv"):
        by_force[deployment["force"]].append(deployment)
    open_ended = 0
    for force, stays in by_force.items():
        stays.sort(key=lambda d: d["start"])
        for before, after in zip(stays, stays[1:], strict=False):
            assert before["end"], f"{force}: only the last deployment may be open"
            until = present_until(dt.date.fromisoformat(before["end"]), before["end_precision"])
            assert until is not None
            assert dt.date.fromisoformat(after["start"]) >= until, (force, before, after)
        open_ended += not stays[-1]["end"]
        for stay in stays:
            if stay["end"]:
                assert stay["end"] > stay["start"]
    assert open_ended
    # The history stops at a fixed day: nothing is dated after it.
    horizon = dt.date.fromordinal(HORIZON).isoformat()
    for name, columns in (
        ("deployments.csv", ("start", "end")),
        ("movements.csv", ("start", "end")),
        ("events.csv", ("date",)),
    ):
        for record in rows(folder, name):
            assert all(record[c] <= horizon for c in columns), record
    ends = {(d["force"], d["site"], d["end"]) for d in rows(folder, "deployments.csv")}
    starts = {(d["force"], d["site"], d["start"]) for d in rows(folder, "deployments.csv")}
    for movement in rows(folder, "movements.csv"):
        assert (movement["force"], movement["from_site"], movement["start"]) in ends
        if movement["to_site"]:
            assert movement["to_site"] != movement["from_site"]
            assert (movement["force"], movement["to_site"], movement["end"]) in starts
        else:
            assert movement["to_label"]
        assert not movement["end"] or movement["end"] >= movement["start"]


def test_sources_relay_only_earlier_sources(bundle: tuple[Path, dict[str, int], Preset]) -> None:
    folder, _, _ = bundle
    seen: set[str] = set()
    relays = 0
    for source in rows(folder, "sources.csv"):
        if source["original"]:
            relays += 1
            assert source["original"] != source["slug"]
            # An original written earlier in the file: no loop can form.
            assert source["original"] in seen
        seen.add(source["slug"])
    assert relays
    grades = Counter(r["reliability"] for r in rows(folder, "sources.csv"))
    assert len(grades) >= 4


def test_bundle_looks_like_real_data(custom: tuple[Path, dict[str, int]]) -> None:
    folder, _ = custom
    actors = rows(folder, "actors.csv")
    assert not any(a["name"].startswith("Actor ") for a in actors)
    assert len({a["color"] for a in actors}) == len(actors)
    assert len({a["kind"] for a in actors}) >= 3
    sites = rows(folder, "sites.csv")
    assert any(";" in s["aliases"] for s in sites)
    assert len({s["kind"] for s in sites}) >= 6
    assert any(float(s["lon"]) < 0 for s in sites if s["lon"])
    assert sum(1 for s in sites if not s["lat"]) < len(sites) / 10
    forces = rows(folder, "forces.csv")
    assert any(f["parent"] for f in forces)
    deployments = rows(folder, "deployments.csv")
    statuses = Counter(d["status"] for d in deployments)
    assert set(statuses) == {"active", "drawdown", "contested", "withdrawn"}
    assert statuses["active"] > statuses["drawdown"] > statuses["contested"]
    precisions = Counter(d["start_precision"] for d in deployments)
    assert precisions["day"] > len(deployments) / 2 and {"week", "month"} <= set(precisions)
    assert any(m["to_site"] for m in rows(folder, "movements.csv"))
    assert all(e["site"] or e["actors"] for e in rows(folder, "events.csv"))


def test_no_cell_would_run_as_a_formula(custom: tuple[Path, dict[str, int]]) -> None:
    folder, _ = custom
    for name in FILES:
        with open(folder / name, encoding="utf-8", newline="") as handle:
            for line in csv.reader(handle):
                for cell in line:
                    if cell.startswith(TRIGGERS):
                        float(cell)  # only plain numbers (negative longitudes) may
    assert text_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert restore(text_cell("@x")) == "@x" and text_cell("Camp Tal") == "Camp Tal"


def test_place_names_have_transliteration_variants() -> None:
    assert variants("Khameirat") == ["Hameirat", "Khameyrat", "Chameirat"]
    assert variants("Dur") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"movements": 100, "deployments": 10}, "at most --deployments"),
        ({"forces": 1, "deployments": 5_000}, "deployments per force"),
        ({"actors": 0}, "forces need actors"),
        ({"sites": 0}, "deployments need forces and sites"),
        ({"events": -1}, "must not be negative"),
    ],
)
def test_impossible_counts_are_refused(changes: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_preset(preset_with(SMALL, **changes))


def test_command_writes_the_counts_asked_for(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "demo"
    result = runner.invoke(
        cli, ["demo-data", str(target), "--deployments", "80", "--movements", "12", "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    assert "80 deployments" in result.output and "12 movements" in result.output
    assert "50 forces" in result.output
    assert len(rows(target, "deployments.csv")) == 80
    refused = runner.invoke(cli, ["demo-data", str(tmp_path / "x"), "--preset", "galaxy"])
    assert refused.exit_code == 2 and "galaxy" in refused.output
    refused = runner.invoke(cli, ["demo-data", str(tmp_path / "y"), "--movements", "500"])
    assert refused.exit_code == 2 and "--movements" in refused.output
