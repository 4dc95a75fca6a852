"""The server-drawn charts of the site and actor pages, at their edges."""

import datetime as dt

from sqlalchemy.orm import Session

from app import queries
from app.pages.charts import month_ticks, sites_per_month, year_axis
from tests import factories as f

D = dt.date


def test_year_axis_labels_any_span_without_crowding() -> None:
    for first in (D(2019, 1, 1), D(1971, 1, 1), D(1200, 1, 1), D(1, 1, 1)):
        axis = year_axis(first, D(2026, 2, 1))
        assert 1 <= len(axis.ticks) <= 13, first
        assert axis.start <= first and axis.end > D(2026, 2, 1)


def test_month_ticks_handle_a_thousand_years() -> None:
    months = [D(year, month, 1) for year in range(1000, 2027) for month in (1, 7)]
    assert 1 <= len(month_ticks(months)) <= 13


def test_sites_per_month_skips_withdrawn_rows_and_stops_at_the_last_date(
    session: Session,
) -> None:
    actor = f.actor(session, "blue")
    force = f.force(session, actor)
    held, vacated = f.site(session), f.site(session)
    f.deployment(session, force, held, D(2026, 1, 10))
    f.deployment(session, force, vacated, D(2026, 1, 1), status="withdrawn")
    session.commit()
    counts = sites_per_month(queries.actor_deployments(session, "blue"), D(2026, 3, 15))
    assert counts == [(D(2026, 1, 1), 1), (D(2026, 2, 1), 1), (D(2026, 3, 1), 1)]


def test_an_exact_end_reads_as_the_last_day_there_and_a_coarse_one_as_its_period() -> None:
    from app.pages.render import format_last_present

    assert format_last_present(D(2026, 1, 28), "day") == "27 Jan 2026"
    assert format_last_present(D(2024, 12, 1), "month") == "Dec 2024 (end known only to the month)"
    assert format_last_present(None) == ""
