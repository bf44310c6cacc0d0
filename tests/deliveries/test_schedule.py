"""The calendar of an obligation and the status of a period on any day
(service/deliveries/schedule.py)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.deliveries.schedule import (
    ExpectedPeriod,
    Status,
    days_overdue,
    expected_periods,
    months_before,
    period_label,
    status_at,
)
from service.errors import InvalidContract

D = dt.date


def test_monthly_periods_follow_the_calendar_from_a_mid_month_start() -> None:
    periods = expected_periods("monthly", D(2024, 7, 15), D(2024, 10, 20), 20)
    assert [(p.start, p.end) for p in periods] == [
        (D(2024, 7, 15), D(2024, 7, 31)),
        (D(2024, 8, 1), D(2024, 8, 31)),
        (D(2024, 9, 1), D(2024, 9, 30)),
        (D(2024, 10, 1), D(2024, 10, 20)),
    ]
    assert periods[0].due == D(2024, 8, 20)
    assert periods[-1].due == D(2024, 11, 9)


def test_february_of_a_leap_year_ends_on_the_29th() -> None:
    periods = expected_periods("monthly", D(2024, 1, 1), D(2024, 3, 31), 0)
    assert periods[1] == ExpectedPeriod(D(2024, 2, 1), D(2024, 2, 29), D(2024, 2, 29))
    assert expected_periods("monthly", D(2025, 2, 1), D(2025, 2, 28), 1)[0].due == D(2025, 3, 1)


@pytest.mark.parametrize(
    ("frequency", "bounds"),
    [
        (
            "quarterly",
            [
                (D(2024, 7, 15), D(2024, 9, 30)),
                (D(2024, 10, 1), D(2024, 12, 31)),
                (D(2025, 1, 1), D(2025, 3, 31)),
                (D(2025, 4, 1), D(2025, 5, 10)),
            ],
        ),
        (
            "half_yearly",
            [(D(2024, 7, 15), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 5, 10))],
        ),
        ("yearly", [(D(2024, 7, 15), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 5, 10))]),
        ("end_of_contract", [(D(2024, 7, 15), D(2025, 5, 10))]),
    ],
)
def test_calendar_frequencies(frequency: str, bounds: list[tuple[dt.date, dt.date]]) -> None:
    periods = expected_periods(frequency, D(2024, 7, 15), D(2025, 5, 10), 30)
    assert [(p.start, p.end) for p in periods] == bounds
    assert all(p.due == p.end + dt.timedelta(days=30) for p in periods)


def test_a_one_off_dataset_is_due_on_its_date_plus_the_delay() -> None:
    (period,) = expected_periods("once", D(2024, 7, 15), D(2036, 7, 14), 0, D(2025, 1, 15))
    assert (period.start, period.end, period.due) == (
        D(2024, 7, 15),
        D(2025, 1, 15),
        D(2025, 1, 15),
    )
    with pytest.raises(InvalidContract, match="ponctuelle"):
        expected_periods("once", D(2024, 7, 15), D(2036, 7, 14), 0, D(2040, 1, 1))


def test_ten_years_monthly_make_120_contiguous_periods() -> None:
    periods = expected_periods("monthly", D(2026, 1, 1), D(2035, 12, 31), 15)
    assert len(periods) == 120
    assert all(b.start == a.end + dt.timedelta(days=1) for a, b in itertools.pairwise(periods))


@given(
    start=st.dates(D(2000, 1, 1), D(2040, 12, 31)),
    days=st.integers(0, 4000),
    frequency=st.sampled_from(["monthly", "quarterly", "half_yearly", "yearly"]),
)
def test_periods_tile_the_contract_without_gap_or_overlap(
    start: dt.date, days: int, frequency: str
) -> None:
    end = start + dt.timedelta(days=days)
    periods = expected_periods(frequency, start, end, 10)
    assert periods[0].start == start
    assert periods[-1].end == end
    for before, after in itertools.pairwise(periods):
        assert after.start == before.end + dt.timedelta(days=1)
        assert after.start.day == 1


@pytest.mark.parametrize(
    ("received", "valid", "at", "expected"),
    [
        (None, None, D(2025, 3, 31), Status.UPCOMING),  # the period's last day
        (None, None, D(2025, 4, 1), Status.DUE),
        (None, None, D(2025, 4, 20), Status.DUE),  # the due date itself
        (None, None, D(2025, 4, 21), Status.MISSING),
        (D(2025, 4, 2), D(2025, 4, 2), D(2025, 6, 1), Status.ON_TIME),
        (D(2025, 4, 20), D(2025, 4, 20), D(2025, 6, 1), Status.ON_TIME),
        (D(2025, 4, 25), D(2025, 4, 25), D(2025, 6, 1), Status.LATE),
        (D(2025, 4, 2), None, D(2025, 6, 1), Status.INVALID),
        (D(2025, 4, 2), D(2025, 5, 2), D(2025, 4, 10), Status.INVALID),  # before the fix
        (D(2025, 4, 2), D(2025, 5, 2), D(2025, 5, 2), Status.LATE),  # fixed after the due date
        (D(2025, 4, 25), D(2025, 4, 25), D(2025, 4, 24), Status.MISSING),  # seen the day before
    ],
)
def test_status_on_a_day(
    received: dt.date | None, valid: dt.date | None, at: dt.date, expected: Status
) -> None:
    assert status_at(D(2025, 3, 31), D(2025, 4, 20), received, valid, at) is expected


def test_days_overdue() -> None:
    due = D(2025, 4, 20)
    assert days_overdue(Status.LATE, due, D(2025, 4, 25), D(2025, 9, 1)) == 5
    assert days_overdue(Status.MISSING, due, None, D(2025, 5, 20)) == 30
    assert days_overdue(Status.ON_TIME, due, D(2025, 4, 1), D(2025, 5, 20)) == 0


def test_french_period_labels() -> None:
    assert period_label("monthly", D(2025, 8, 1), D(2025, 8, 31)) == "août 2025"
    assert period_label("quarterly", D(2024, 10, 1), D(2024, 12, 31)) == "T4 2024"
    assert period_label("half_yearly", D(2024, 7, 15), D(2024, 12, 31)) == "S2 2024"
    assert period_label("yearly", D(2025, 1, 1), D(2025, 12, 31)) == "2025"
    assert period_label("end_of_contract", D(2024, 1, 1), D(2036, 1, 1)) == "fin de contrat"


def test_twelve_months_before_the_last_day_of_a_month() -> None:
    assert months_before(D(2025, 2, 28), 12) == D(2024, 2, 28)
    assert months_before(D(2024, 2, 29), 12) == D(2023, 2, 28)
