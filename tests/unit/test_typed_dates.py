"""Dates as people type them: read in one documented order, never guessed."""

import datetime as dt

import pytest

from app.dates import read_typed_date


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("2025-06-01", dt.date(2025, 6, 1)),
        ("1 Jun 2025", dt.date(2025, 6, 1)),
        ("1 june 2025", dt.date(2025, 6, 1)),
        ("  1   JUNE 2025 ", dt.date(2025, 6, 1)),
        ("Jun 1, 2025", dt.date(2025, 6, 1)),
        ("Sept 3 2024", dt.date(2024, 9, 3)),
        ("2025-06", dt.date(2025, 6, 1)),
        ("Jun 2025", dt.date(2025, 6, 1)),
        ("2025", dt.date(2025, 1, 1)),
    ],
)
def test_each_documented_form_reads_as_its_day(typed: str, read: dt.date) -> None:
    assert read_typed_date(typed) == read


@pytest.mark.parametrize("typed", ["06012025", "06/01/2025", "1.6.2025", "20250601", "0000", "x"])
def test_numbers_only_and_unknown_forms_are_refused_with_the_forms_to_use(typed: str) -> None:
    with pytest.raises(ValueError, match="1 Jun 2025") as refused:
        read_typed_date(typed)
    assert "not guessed" in str(refused.value)


def test_a_day_the_month_does_not_have_is_named() -> None:
    with pytest.raises(ValueError, match="no day 31 in February 2025"):
        read_typed_date("31 Feb 2025")
    with pytest.raises(ValueError, match="no day 30 in February 2026"):
        read_typed_date("2026-02-30")
