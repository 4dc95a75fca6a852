"""State at a date against a plain reading of the rule, on every side of the temporal index."""

import datetime as dt

import pytest
from sqlalchemy import select

from app import queries
from app.db import Database
from app.models import Deployment


@pytest.fixture(scope="module")
def seeded(seeded_url: str):
    database = Database(seeded_url)
    with database.session() as session:
        yield session
    database.close()


def present_by_the_rule(rows: list[Deployment], first: dt.date, last: dt.date) -> set[str]:
    return {
        d.slug
        for d in rows
        if d.start_date <= last and (d.present_until is None or d.present_until > first)
    }


def test_state_at_every_month_matches_the_rule_before_and_after_the_median_start(seeded) -> None:
    rows = list(seeded.scalars(select(Deployment)))
    median = queries.median_start(seeded)
    assert median is not None
    span = queries.dataset_span(seeded)
    assert span is not None
    days = [dt.date(year, month, 1) for year in range(1975, 2027) for month in (1, 4, 7, 10)]
    days += [d.start_date for d in rows] + [d.present_until for d in rows if d.present_until]
    # Both readings of the index must be exercised: days before the median start and after it.
    assert any(day < median for day in days) and any(day >= median for day in days)
    for day in days:
        found = {d.slug for d in queries.state_at(seeded, day)}
        assert found == present_by_the_rule(rows, day, day), day


@pytest.mark.parametrize(
    ("first", "last"),
    [("1970-01-01", "2014-12-31"), ("2019-10-01", "2019-12-31"), ("2024-12-01", "2026-03-01")],
)
def test_deployments_between_matches_the_rule(seeded, first: str, last: str) -> None:
    rows = list(seeded.scalars(select(Deployment)))
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    found = {d.slug for d in queries.deployments_between(seeded, start, end)}
    assert found == present_by_the_rule(rows, start, end)
    assert found
