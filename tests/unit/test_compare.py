"""Comparing two dates: each kind of change, on small built cases and on the bundled dataset."""

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from app import compare
from app.db import Database
from tests import factories as f

D = dt.date
FIRST, SECOND = D(2026, 1, 1), D(2026, 2, 10)


@pytest.fixture(scope="module")
def seeded(seeded_url: str):
    database = Database(seeded_url)
    with database.session() as session:
        yield session
    database.close()


def kinds(found: compare.Changes) -> list[tuple[str, str, str]]:
    return [(c.kind, c.site.slug, c.force.slug) for c in found.changes]


def test_russia_leaving_qamishli_airport_is_listed_with_its_sources(seeded: Session) -> None:
    found = compare.changes_between(seeded, FIRST, SECOND, ["russia"])
    left = [c for c in found.changes if c.kind == "left" and c.site.slug == "qamishli-airport"]
    assert {c.force.slug for c in left} == {"ru-qamishli-group", "ru-mp-qamishli"}
    helicopters = next(c for c in left if c.force.slug == "ru-qamishli-group")
    # The row present on the first day and the drawdown row that dates the departure.
    assert [d.slug for d in helicopters.deployments] == [
        "ru-qamishli-active",
        "ru-qamishli-drawdown",
    ]
    assert "qamishli-to-hmeimim-2026-01" in {m.slug for m in helicopters.movements}
    cited = {
        c.source.slug
        for d in helicopters.deployments
        for c in found.citations[("deployment", d.id)]
    }
    assert "shafaq-qamishli-2026-01" in cited
    words = compare.sentence(helicopters, found.start, found.end)
    assert words.startswith("Russian Federation’s Russian helicopter group")
    assert "left Qamishli International Airport" in words
    assert "active on 1 Jan 2026" in words and "not present on 10 Feb 2026" in words
    assert "last there 27 Jan 2026" in words


def test_only_the_chosen_actors_are_compared(seeded: Session) -> None:
    found = compare.changes_between(seeded, FIRST, SECOND, ["russia"])
    assert found.changes and {c.force.actor.slug for c in found.changes} == {"russia"}
    everyone = compare.changes_between(seeded, FIRST, SECOND)
    assert len(everyone.changes) > len(found.changes)
    assert {"sdf", "syrian-government"} <= {c.force.actor.slug for c in everyone.changes}


def test_dates_given_later_first_are_compared_in_time_order(seeded: Session) -> None:
    forward = compare.changes_between(seeded, FIRST, SECOND, ["russia"])
    backward = compare.changes_between(seeded, SECOND, FIRST, ["russia"])
    assert backward.swapped and not forward.swapped
    assert (backward.start, backward.end) == (FIRST, SECOND)
    assert kinds(backward) == kinds(forward)


def test_the_same_day_twice_has_no_changes(seeded: Session) -> None:
    found = compare.changes_between(seeded, SECOND, SECOND)
    assert found.changes == [] and sum(found.counts().values()) == 0


@pytest.fixture
def theatre(session: Session):
    """Two sites, an actor with forces that appear, leave, move and change."""
    actor = f.actor(session, "blue", name="Blue Land")
    north = f.site(session, "north", name="North Base")
    south = f.site(session, "south", name="South Base")
    return session, actor, north, south


def test_a_force_at_one_site_then_another_moved(theatre) -> None:
    session, actor, north, south = theatre
    wing = f.force(session, actor, "wing", name="Air wing")
    f.deployment(session, wing, north, D(2020, 1, 1), D(2020, 6, 1))
    f.deployment(session, wing, south, D(2020, 6, 1))
    trip = f.movement(session, wing, north, south, D(2020, 5, 30), D(2020, 6, 1))
    found = compare.changes_between(session, D(2020, 3, 1), D(2020, 9, 1))
    assert kinds(found) == [("moved", "north", "wing")]
    change = found.changes[0]
    assert change.to_site is not None and change.to_site.slug == "south"
    assert [m.id for m in change.movements] == [trip.id]
    assert compare.sentence(change, found.start, found.end) == (
        "Blue Land’s Air wing moved from North Base to South Base "
        "(active at North Base on 1 Mar 2020; active at South Base on 1 Sep 2020)"
    )


def test_appeared_left_status_and_strength_each_found_and_sorted_by_site(theatre) -> None:
    session, actor, north, south = theatre
    arriving = f.force(session, actor, "arriving", name="Arriving")
    leaving = f.force(session, actor, "leaving", name="Leaving")
    staying = f.force(session, actor, "staying", name="Staying")
    f.deployment(session, arriving, south, D(2020, 5, 1))
    f.deployment(session, leaving, north, D(2019, 1, 1), D(2020, 4, 1))
    f.deployment(session, staying, north, D(2019, 1, 1), D(2020, 4, 1), strength="200")
    f.deployment(session, staying, north, D(2020, 4, 1), status="drawdown", strength="50")
    unchanged = f.force(session, actor, "unchanged", name="Unchanged")
    f.deployment(session, unchanged, south, D(2019, 1, 1), strength="10")
    found = compare.changes_between(session, D(2020, 3, 1), D(2020, 9, 1))
    assert kinds(found) == [
        ("left", "north", "leaving"),
        ("status_changed", "north", "staying"),
        ("strength_changed", "north", "staying"),
        ("appeared", "south", "arriving"),
    ]
    assert found.counts() == {
        "appeared": 1,
        "left": 1,
        "moved": 0,
        "status_changed": 1,
        "strength_changed": 1,
    }
    status = found.changes[1]
    assert compare.sentence(status, found.start, found.end) == (
        "Blue Land’s Staying at North Base changed status: "
        "active on 1 Mar 2020, drawing down on 1 Sep 2020"
    )
    strength = found.changes[2]
    assert "“200” on 1 Mar 2020, “50” on 1 Sep 2020" in compare.sentence(
        strength, found.start, found.end
    )


def test_a_strength_recorded_on_one_day_only_is_not_a_change(theatre) -> None:
    session, actor, north, _south = theatre
    garrison = f.force(session, actor, "garrison")
    f.deployment(session, garrison, north, D(2019, 1, 1), D(2020, 4, 1), strength="300")
    f.deployment(session, garrison, north, D(2020, 4, 1))
    assert compare.changes_between(session, D(2020, 3, 1), D(2020, 9, 1)).changes == []


def test_a_force_leaving_two_sites_for_one_is_not_guessed_to_have_moved(theatre) -> None:
    session, actor, north, south = theatre
    east = f.site(session, "east", name="East Base")
    split = f.force(session, actor, "split", name="Split force")
    f.deployment(session, split, north, D(2019, 1, 1), D(2020, 4, 1))
    f.deployment(session, split, east, D(2019, 1, 1), D(2020, 4, 1))
    f.deployment(session, split, south, D(2020, 4, 1))
    found = compare.changes_between(session, D(2020, 3, 1), D(2020, 9, 1))
    assert sorted(kinds(found)) == [
        ("appeared", "south", "split"),
        ("left", "east", "split"),
        ("left", "north", "split"),
    ]


def test_a_coarse_end_counts_to_its_month_as_on_the_map(theatre) -> None:
    session, actor, north, _south = theatre
    post = f.force(session, actor, "post", name="Post")
    # Ended "in December 2024": present until the month is over.
    f.deployment(session, post, north, D(2019, 1, 1), D(2024, 12, 1), end_precision="month")
    assert compare.changes_between(session, D(2024, 6, 1), D(2024, 12, 20)).changes == []
    found = compare.changes_between(session, D(2024, 6, 1), D(2025, 1, 5))
    assert kinds(found) == [("left", "north", "post")]
    assert "gone in Dec 2024" in compare.sentence(found.changes[0], found.start, found.end)


def test_postgres_compares_the_qamishli_dates_as_sqlite_does(
    postgres_url: str, seeded: Session
) -> None:
    from app.cli import load
    from tests.conftest import DATASET, migrated_database

    database = migrated_database(postgres_url)
    try:
        load(database, DATASET)
        with database.session() as session:
            on_postgres = compare.changes_between(session, FIRST, SECOND)
            assert kinds(on_postgres) == kinds(compare.changes_between(seeded, FIRST, SECOND))
            assert ("left", "qamishli-airport", "ru-qamishli-group") in kinds(on_postgres)
            helicopters = next(
                c for c in on_postgres.changes if c.force.slug == "ru-qamishli-group"
            )
            assert on_postgres.citations[("deployment", helicopters.deployments[0].id)]
    finally:
        database.close()
