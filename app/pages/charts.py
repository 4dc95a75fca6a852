"""The geometry of the server-drawn charts: presence timelines and monthly site counts.

Computed in Python rather than in the templates or the browser so that the charts stay readable
without JavaScript and their edges (open ends, week-long stays, millennia-long spans) can be
tested without rendering a page. Positions are percentages, so the CSS scales them to any width.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.models import Actor, Deployment

# Bars narrower than this (percent of the axis) would vanish; a one-week stay must still show.
MIN_BAR_PERCENT = 0.6


@dataclass
class Bar:
    """One deployment as a bar on a presence timeline, in percent of the axis."""

    deployment: Deployment
    left: float
    width: float
    open_end: bool


@dataclass
class Lane:
    label: str
    actor: Actor
    bars: list[Bar]


@dataclass
class Axis:
    start: dt.date
    end: dt.date
    ticks: list[tuple[float, str]]

    def percent(self, day: dt.date) -> float:
        total = (self.end - self.start).days or 1
        return max(0.0, min(100.0, (day - self.start).days * 100 / total))


def _tick_step(years: int) -> int:
    """Years between labelled ticks, so that about a dozen labels fit however long the span."""
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if years / candidate <= 12:
            return candidate
    return max(1, -(-years // 12))


def year_axis(first: dt.date, last: dt.date) -> Axis:
    """Whole years around [first, last], with a tick every 1, 2, 5 or 10 years."""
    start = dt.date(first.year, 1, 1)
    end = dt.date(last.year + 1, 1, 1)
    years = end.year - start.year
    step = _tick_step(years)
    axis = Axis(start, end, [])
    first_tick = start.year + (-start.year) % step
    axis.ticks = [
        (axis.percent(dt.date(year, 1, 1)), str(year)) for year in range(first_tick, end.year, step)
    ]
    return axis


def presence_lanes(deployments: Sequence[Deployment], today: dt.date) -> tuple[Axis, list[Lane]]:
    """One lane per force, its deployments as bars; an open end runs to today."""
    firsts = [d.start_date for d in deployments]
    lasts = [d.present_until or max(today, d.start_date) for d in deployments]
    axis = year_axis(min(firsts), max(lasts))
    lanes: dict[int, Lane] = {}
    for deployment in deployments:
        force = deployment.force
        lane = lanes.setdefault(force.id, Lane(force.name, force.actor, []))
        end = deployment.present_until or max(today, deployment.start_date)
        left = axis.percent(deployment.start_date)
        width = max(MIN_BAR_PERCENT, axis.percent(end) - left)
        lane.bars.append(Bar(deployment, left, min(width, 100 - left), deployment.end_date is None))
    return axis, sorted(lanes.values(), key=lambda lane: (lane.actor.name, lane.label))


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def sites_per_month(deployments: Sequence[Deployment], last: dt.date) -> list[tuple[dt.date, int]]:
    """How many distinct sites had this actor's forces on some day of each month, up to `last`.

    Withdrawn rows record that a site was vacated, so they do not count as holding it; the chart
    stops at the dataset's last dated record rather than running open ends on to today.
    """
    held = [d for d in deployments if d.status != "withdrawn" and d.start_date <= last]
    if not held:
        return []
    months = _month_starts(min(d.start_date for d in held), last)
    position = {month: i for i, month in enumerate(months)}
    sites: list[set[int]] = [set() for _ in months]
    # Each row marks only the months it touches (from its start's month while the month begins
    # before present_until), rather than every month testing every row: an actor of a large
    # dataset has thousands of rows over hundreds of months.
    for d in held:
        i = position[d.start_date.replace(day=1)]
        while i < len(months) and (d.present_until is None or months[i] < d.present_until):
            sites[i].add(d.site_id)
            i += 1
    return [(month, len(found)) for month, found in zip(months, sites, strict=True)]


def month_ticks(months: Sequence[dt.date]) -> list[tuple[float, str]]:
    """Year labels under a chart of one bar per month, in percent of its width."""
    if not months:
        return []
    years = months[-1].year - months[0].year + 1
    step = _tick_step(years)
    return [
        (index * 100 / len(months), str(month.year))
        for index, month in enumerate(months)
        if month.month == 1 and month.year % step == 0
    ]
