"""Dates with a precision: a coarse date stands for a whole week, month or year."""

import datetime as dt
import re

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


# The forms a typed date may take, in the order they are tried (the map's date field, static/js/
# format.js parseTypedDate, reads the same ones). Numbers-only forms such as 06/01/2025 are
# refused: they are 6 January to some readers and 1 June to others.
TYPED_DATE_FORMS = "2025-06-01; 1 Jun 2025; Jun 1, 2025; 2025-06; Jun 2025; or 2025"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TYPED_FORMS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("year", "month", "day")),
    (re.compile(r"(\d{1,2}) ([a-z]+)\.? (\d{4})"), ("day", "month", "year")),
    (re.compile(r"([a-z]+)\.? (\d{1,2}) (\d{4})"), ("month", "day", "year")),
    (re.compile(r"(\d{4})-(\d{1,2})"), ("year", "month")),
    (re.compile(r"([a-z]+)\.? (\d{4})"), ("month", "year")),
    (re.compile(r"(\d{4})"), ("year",)),
)


def read_typed_date(text: str) -> dt.date:
    """A date typed by a person, in one of TYPED_DATE_FORMS; ValueError says how to write it.

    A month or year alone means its first day, as on the map.
    """
    value = " ".join(text.replace(",", " ").split()).lower()
    for pattern, parts in _TYPED_FORMS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        found = dict(zip(parts, match.groups(), strict=True))
        month_text = found.get("month", "1")
        month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text)
        year, day = int(found["year"]), int(found.get("day", "1"))
        if month is None or not 1 <= month <= 12 or year < 1:
            break
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"there is no day {day} in {dt.date(year, month, 1):%B %Y}") from None
    raise ValueError(
        f"type {TYPED_DATE_FORMS} (dates in numbers only, such as 06/01/2025, are not guessed)"
    )
