"""Dates with a precision: a coarse date stands for a whole week, month or year."""

import datetime as dt

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_end(day: dt.date, precision: str | None) -> dt.date:
    """The day after the period that `day` stands for at this precision (an exclusive bound)."""
    if precision == "week":
        return day + dt.timedelta(days=7)
    if precision == "month":
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if precision == "year":
        return dt.date(day.year + 1, 1, 1)
    return day + dt.timedelta(days=1)


def present_until(end: dt.date | None, precision: str | None) -> dt.date | None:
    """The first day a deployment surely no longer counts as present.

    An exact end is that day. An end known only to its month (or week, year) may lie on any day
    of it, so the presence lasts to the period's end, with the days in it marked uncertain.
    """
    if end is None:
        return None
    if precision in (None, "day"):
        return end
    return period_end(end, precision)


def certain_from(start: dt.date, precision: str | None) -> dt.date:
    """The first day a presence with this start is certain (the start's period is over)."""
    return start if precision in (None, "day") else period_end(start, precision)
