"""The calendar of an obligation: its expected periods, their due dates, and the status of a
period on any given day.

Periods follow the calendar: months, quarters (January, April, July, October), half-years
(January, July) and years. A contract that starts mid-month has a short first period, one that
ends mid-period a short last period. A one-off dataset is owed on its date (plus the delay), an
end-of-contract dataset after the contract's last day (plus the delay).

The status of a period on day ``at`` depends only on dates: the period's end, its due date, the
day the first delivery arrived and the day the first valid one arrived. ``status_at`` computes
it in Python; ``status_expression`` is the same rule as a SQL expression for dashboards over
many periods (a test proves the two agree).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, literal, or_

from service.deliveries.models import Frequency, Period
from service.errors import InvalidContract
from service.french import MONTHS as MONTH_NAMES

#: Months per period for the calendar frequencies.
MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}


class Status(enum.StrEnum):
    """Where an expected period stands on a given day."""

    UPCOMING = "upcoming"
    DUE = "due"
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    INVALID = "invalid"


STATUS_LABELS = {
    Status.UPCOMING: "à venir",
    Status.DUE: "attendue",
    Status.ON_TIME: "à l'heure",
    Status.LATE: "en retard",
    Status.MISSING: "manquante",
    Status.INVALID: "invalide",
}

#: Statuses that count in the compliance rate (the delay is over, or something arrived).
SETTLED = (Status.ON_TIME, Status.LATE, Status.MISSING, Status.INVALID)
#: Statuses a contract manager must act upon.
OVERDUE = (Status.LATE, Status.MISSING, Status.INVALID)


@dataclass(frozen=True)
class ExpectedPeriod:
    """One period an obligation expects: its first and last day and its due date."""

    start: dt.date
    end: dt.date
    due: dt.date


def expected_periods(
    frequency: str,
    start: dt.date,
    end: dt.date,
    delay_days: int,
    due_on: dt.date | None = None,
) -> list[ExpectedPeriod]:
    """Every period an obligation expects over a contract running from ``start`` to ``end``."""
    if end < start:
        raise InvalidContract("La fin du contrat précède son début.")
    if delay_days < 0:
        raise InvalidContract("Le délai de livraison ne peut pas être négatif.")
    delay = dt.timedelta(days=delay_days)
    kind = Frequency(frequency)
    if kind is Frequency.END_OF_CONTRACT:
        return [ExpectedPeriod(start, end, end + delay)]
    if kind is Frequency.ONCE:
        if due_on is None or not start <= due_on <= end:
            raise InvalidContract(
                "Une livraison ponctuelle doit être datée entre le début et la fin du contrat."
            )
        return [ExpectedPeriod(start, due_on, due_on + delay)]
    months = MONTHS[kind]
    periods = []
    block = _block_start(start, months)
    while block <= end:
        block_end = _add_months(block, months) - dt.timedelta(days=1)
        period_end = min(block_end, end)
        periods.append(ExpectedPeriod(max(block, start), period_end, period_end + delay))
        block = block_end + dt.timedelta(days=1)
    return periods


def period_containing(periods: list[ExpectedPeriod], day: dt.date) -> ExpectedPeriod | None:
    """The period that contains ``day``, if any."""
    for period in periods:
        if period.start <= day <= period.end:
            return period
    return None


def period_label(frequency: str, start: dt.date, end: dt.date) -> str:
    """A short French name for a period: « mars 2025 », « T1 2025 », « S2 2024 », « 2025 »."""
    kind = Frequency(frequency)
    if kind is Frequency.MONTHLY:
        return f"{MONTH_NAMES[start.month - 1]} {start.year}"
    if kind is Frequency.QUARTERLY:
        return f"T{(start.month - 1) // 3 + 1} {start.year}"
    if kind is Frequency.HALF_YEARLY:
        return f"S{(start.month - 1) // 6 + 1} {start.year}"
    if kind is Frequency.YEARLY:
        return str(start.year)
    if kind is Frequency.ONCE:
        return f"au {end.day:02d}/{end.month:02d}/{end.year}"
    return "fin de contrat"


def status_at(
    end: dt.date,
    due: dt.date,
    first_received_on: dt.date | None,
    first_valid_on: dt.date | None,
    at: dt.date,
) -> Status:
    """The status, on day ``at``, of a period ending on ``end`` and due on ``due``.

    Only deliveries received on or before ``at`` count. The first valid delivery decides
    between on time and late; a later correction does not change it.
    """
    if first_valid_on is not None and first_valid_on <= at:
        return Status.ON_TIME if first_valid_on <= due else Status.LATE
    if first_received_on is not None and first_received_on <= at:
        return Status.INVALID
    if at <= end:
        return Status.UPCOMING
    if at <= due:
        return Status.DUE
    return Status.MISSING


def status_expression(at: dt.date) -> ColumnElement[str]:
    """``status_at`` as a SQL expression over the ``period`` table.

    Written for speed over a million rows: a NULL day compares as unknown, which a CASE takes
    as false, so no IS NULL test is needed, and most rows (delivered valid) take two tests.
    """
    return case(
        (
            Period.first_valid_on <= at,
            case(
                (Period.first_valid_on <= Period.due_on, literal(Status.ON_TIME.value)),
                else_=literal(Status.LATE.value),
            ),
        ),
        (Period.first_received_on <= at, literal(Status.INVALID.value)),
        (Period.end_on >= at, literal(Status.UPCOMING.value)),
        (Period.due_on >= at, literal(Status.DUE.value)),
        else_=literal(Status.MISSING.value),
    )


def status_condition(status: Status, at: dt.date) -> ColumnElement[bool]:
    """A SQL condition true of the periods in ``status`` on day ``at``, usable with an index
    on the due date (the overdue lists read periods in due-date order)."""
    # Only the condition asked for is built: building one costs more than the query's run on
    # a contract's periods.
    status = Status(status)
    if status is Status.ON_TIME:
        return and_(Period.first_valid_on <= at, Period.first_valid_on <= Period.due_on)
    if status is Status.LATE:
        return and_(Period.first_valid_on <= at, Period.first_valid_on > Period.due_on)
    if status is Status.INVALID:
        no_valid_by_then = or_(Period.first_valid_on.is_(None), Period.first_valid_on > at)
        return and_(Period.first_received_on <= at, no_valid_by_then)
    nothing_by_then = or_(Period.first_received_on.is_(None), Period.first_received_on > at)
    if status is Status.UPCOMING:
        return and_(nothing_by_then, Period.end_on >= at)
    if status is Status.DUE:
        return and_(nothing_by_then, Period.end_on < at, Period.due_on >= at)
    return and_(nothing_by_then, Period.due_on < at)  # Status.MISSING


def days_overdue(status: Status, due: dt.date, first_valid_on: dt.date | None, at: dt.date) -> int:
    """How many days past the due date: the delay of a late delivery, the wait for the others."""
    if status is Status.LATE and first_valid_on is not None:
        return (first_valid_on - due).days
    if status in (Status.MISSING, Status.INVALID):
        return max(0, (at - due).days)
    return 0


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    return _add_months(day, -months)


def _block_start(day: dt.date, months: int) -> dt.date:
    """The first day of the calendar block of ``months`` months that contains ``day``."""
    first_month = (day.month - 1) // months * months + 1
    return dt.date(day.year, first_month, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by a number of months, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))
