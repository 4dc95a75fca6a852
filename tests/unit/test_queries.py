"""The temporal core at its edges: half-open intervals, open ends, filters, ranges, buckets."""

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from app import queries
from app.queries import BBox, UnknownSlugs
from tests import factories as f

D = dt.date


@pytest.fixture
def world(session: Session) -> dict:
    red = f.actor(session, "red", color="#d55e00")
    blue = f.actor(session, "blue", color="#0072b2")
    north = f.site(session, "north", lat=37.0, lon=41.0)
    coast = f.site(session, "coast", lat=35.4, lon=35.9)
    red_air = f.force(session, red, "red-air")
    blue_ground = f.force(session, blue, "blue-ground")
    closed = f.deployment(session, red_air, north, D(2019, 11, 14), D(2026, 1, 23), slug="closed")
    drawdown = f.deployment(
        session, red_air, north, D(2026, 1, 23), D(2026, 1, 27), status="drawdown", slug="dd"
    )
    forever = f.deployment(session, red_air, coast, D(2015, 9, 30), None, slug="forever")
    blue_there = f.deployment(session, blue_ground, north, D(2020, 1, 1), D(2021, 1, 1), slug="b")
    session.commit()
    return locals()


def slugs(deployments) -> set[str]:
    return {d.slug for d in deployments}


def test_deployment_is_present_on_its_start_day(session: Session, world: dict) -> None:
    assert "forever" in slugs(queries.state_at(session, D(2015, 9, 30)))


def test_deployment_is_absent_the_day_before_it_starts(session: Session, world: dict) -> None:
    assert "forever" not in slugs(queries.state_at(session, D(2015, 9, 29)))


def test_deployment_ending_on_a_day_is_absent_that_day(session: Session, world: dict) -> None:
    on_end = slugs(queries.state_at(session, D(2026, 1, 23)))
    assert "closed" not in on_end
    assert "dd" in on_end, "the drawdown row takes over on the day the active row ends"


def test_deployment_is_present_on_its_last_day(session: Session, world: dict) -> None:
    assert "closed" in slugs(queries.state_at(session, D(2026, 1, 22)))


def test_open_end_is_present_forever(session: Session, world: dict) -> None:
    assert "forever" in slugs(queries.state_at(session, D(9999, 12, 31)))


def test_status_change_is_consecutive_rows_with_no_gap_or_overlap(
    session: Session, world: dict
) -> None:
    for day in (D(2026, 1, 22), D(2026, 1, 23), D(2026, 1, 26)):
        at_north = [d for d in queries.state_at(session, day) if d.site.slug == "north"]
        assert len(at_north) == 1, day
    assert not [d for d in queries.state_at(session, D(2026, 1, 27)) if d.site.slug == "north"]


def test_actor_filter_returns_only_that_actors_forces(session: Session, world: dict) -> None:
    found = queries.state_at(session, D(2020, 6, 1), actors=["blue"])
    assert slugs(found) == {"b"}
    assert {d.force.actor.slug for d in found} == {"blue"}


def test_bbox_filter_keeps_sites_inside(session: Session, world: dict) -> None:
    coast_only = BBox(west=35.0, south=35.0, east=36.5, north=36.0)
    assert slugs(queries.state_at(session, D(2020, 6, 1), bbox=coast_only)) == {"forever"}


def test_unknown_actor_slug_is_an_error_not_an_empty_answer(session: Session, world: dict) -> None:
    with pytest.raises(UnknownSlugs) as raised:
        queries.check_actor_slugs(session, ["red", "rde"])
    assert raised.value.slugs == ["rde"]


def test_deployments_between_includes_overlaps_at_both_edges(session: Session, world: dict) -> None:
    assert "b" in slugs(queries.deployments_between(session, D(2020, 12, 31), D(2022, 1, 1)))
    assert "b" not in slugs(queries.deployments_between(session, D(2021, 1, 1), D(2022, 1, 1)))
    assert "b" in slugs(queries.deployments_between(session, D(2019, 1, 1), D(2020, 1, 1)))
    assert "b" not in slugs(queries.deployments_between(session, D(2019, 1, 1), D(2019, 12, 31)))


def test_movements_between_overlap_the_range(session: Session, world: dict) -> None:
    w = world
    f.movement(session, w["red_air"], w["north"], w["coast"], D(2026, 1, 23), D(2026, 1, 27))
    f.movement(session, w["red_air"], w["north"], None, D(2026, 1, 25), to_label="home")
    session.commit()
    assert len(queries.movements_between(session, D(2026, 1, 27), D(2026, 2, 1))) == 1
    assert len(queries.movements_between(session, D(2026, 1, 1), D(2026, 1, 22))) == 0
    assert len(queries.movements_between(session, D(2026, 1, 25), D(2026, 1, 25))) == 2
    assert queries.movements_between(session, D(2026, 1, 1), D(2026, 2, 1), actors=["blue"]) == []


def test_events_between_is_inclusive_and_filters(session: Session, world: dict) -> None:
    w = world
    f.event(session, D(2026, 1, 24), [w["red"]], kind="ceasefire", slug="e1")
    f.event(session, D(2026, 1, 30), [w["blue"]], kind="agreement", slug="e2")
    session.commit()
    found = queries.events_between(session, D(2026, 1, 24), D(2026, 1, 30))
    assert [e.slug for e in found] == ["e1", "e2"]
    assert [
        e.slug
        for e in queries.events_between(session, D(2026, 1, 1), D(2026, 2, 1), actors=["blue"])
    ] == ["e2"]
    assert [
        e.slug
        for e in queries.events_between(session, D(2026, 1, 1), D(2026, 2, 1), kinds=["ceasefire"])
    ] == ["e1"]


@pytest.mark.parametrize(
    ("day", "bucket", "expected"),
    [
        (D(2026, 1, 28), "day", D(2026, 1, 28)),
        (D(2026, 1, 28), "week", D(2026, 1, 26)),
        (D(2026, 1, 26), "week", D(2026, 1, 26)),
        (D(2026, 1, 28), "month", D(2026, 1, 1)),
        (D(2026, 1, 28), "year", D(2026, 1, 1)),
    ],
)
def test_bucket_start(day: dt.date, bucket: str, expected: dt.date) -> None:
    assert queries.bucket_start(day, bucket) == expected


def test_timeline_counts_events_and_movements_per_month(session: Session, world: dict) -> None:
    w = world
    f.event(session, D(2026, 1, 24), [w["red"]])
    f.event(session, D(2026, 1, 30), [w["blue"]])
    f.event(session, D(2026, 2, 12), [w["blue"]])
    f.movement(session, w["red_air"], w["north"], w["coast"], D(2026, 1, 23), D(2026, 1, 27))
    session.commit()
    counts = queries.timeline_counts(session, D(2026, 1, 1), D(2026, 12, 31), bucket="month")
    assert counts == [
        {"bucket": "2026-01-01", "events": 2, "movements": 1, "total": 3},
        {"bucket": "2026-02-01", "events": 1, "movements": 0, "total": 1},
    ]
    red_only = queries.timeline_counts(session, D(2026, 1, 1), D(2026, 12, 31), actors=["red"])
    assert red_only == [{"bucket": "2026-01-01", "events": 1, "movements": 1, "total": 2}]


def test_site_history_lists_every_presence_in_order(session: Session, world: dict) -> None:
    history = queries.site_history(session, "north")
    assert history is not None
    assert [d.slug for d in history.deployments] == ["closed", "b", "dd"]
    assert queries.site_history(session, "nowhere") is None


def test_citation_summary_takes_the_best_grade(session: Session, world: dict) -> None:
    w = world
    weak = f.source(session, "E")
    strong = f.source(session, "B")
    f.cite(session, weak, 5, deployment=w["closed"])
    f.cite(session, strong, 2, deployment=w["closed"])
    session.commit()
    found = queries.citations_for(session, deployment=[w["closed"].id])
    summary = queries.summarize(found[("deployment", w["closed"].id)])
    assert (summary.count, summary.best_reliability, summary.best_credibility) == (2, "B", 2)


def test_dataset_span_covers_every_record(session: Session, world: dict) -> None:
    assert queries.dataset_span(session) == (D(2015, 9, 30), D(2026, 1, 27))


@pytest.mark.parametrize(
    ("day", "precision", "expected"),
    [
        (D(2026, 1, 24), "day", D(2026, 1, 25)),
        (D(2026, 1, 19), "week", D(2026, 1, 26)),
        (D(2024, 12, 1), "month", D(2025, 1, 1)),
        (D(2024, 2, 1), "month", D(2024, 3, 1)),
        (D(1971, 1, 1), "year", D(1972, 1, 1)),
    ],
)
def test_event_period_end_follows_its_precision(
    day: dt.date, precision: str, expected: dt.date
) -> None:
    from app.dates import period_end

    assert period_end(day, precision) == expected


def test_end_known_to_the_month_counts_through_that_month(session: Session, world: dict) -> None:
    w = world
    f.deployment(
        session,
        w["blue_ground"],
        w["coast"],
        D(2019, 10, 23),
        D(2024, 12, 1),
        start_precision="week",
        end_precision="month",
        slug="coarse",
    )
    session.commit()
    assert "coarse" in slugs(queries.state_at(session, D(2024, 12, 31)))
    assert "coarse" not in slugs(queries.state_at(session, D(2025, 1, 1)))
    assert "coarse" in slugs(queries.deployments_between(session, D(2024, 12, 20), D(2025, 6, 1)))


def test_days_in_a_coarse_start_or_end_period_are_marked_uncertain(
    session: Session, world: dict
) -> None:
    from app.io.geojson import dates_uncertain

    coarse = f.deployment(
        session,
        world["blue_ground"],
        world["coast"],
        D(2019, 10, 23),
        D(2024, 12, 1),
        start_precision="week",
        end_precision="month",
    )
    assert dates_uncertain(coarse, D(2019, 10, 29))
    assert not dates_uncertain(coarse, D(2019, 10, 30))
    assert not dates_uncertain(coarse, D(2024, 11, 30))
    assert dates_uncertain(coarse, D(2024, 12, 10))
    exact = world["closed"]
    assert not dates_uncertain(exact, D(2019, 11, 14))
    assert not dates_uncertain(exact, D(2026, 1, 22))


def test_best_grade_is_one_real_citation_not_a_mix(session: Session, world: dict) -> None:
    w = world
    f.cite(session, f.source(session, "A"), 6, deployment=w["forever"])
    f.cite(session, f.source(session, "E"), 1, deployment=w["forever"])
    session.commit()
    found = queries.citations_for(session, deployment=[w["forever"].id])
    summary = queries.summarize(found[("deployment", w["forever"].id)])
    assert (summary.best_reliability, summary.best_credibility) == ("A", 6)


def test_actors_are_listed_in_natural_order(session) -> None:
    from app.queries import list_actors
    from tests import factories

    for name in ("Actor 10", "actor 2", "Actor 1", "Beta"):
        factories.actor(session, name=name)
    assert [a.name for a in list_actors(session)] == ["Actor 1", "actor 2", "Actor 10", "Beta"]
