"""One contract's dashboard and timelines in one pass (service/deliveries/board.py): the same
figures as the database's dashboard, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from service.deliveries.board import contract_board
from service.deliveries.dashboard import Scope, dashboard
from service.deliveries.schedule import Status
from tests.deliveries.factories import (
    BAD_CSV,
    GOOD_CSV,
    deliver,
    make_contract,
    make_obligation,
    paris,
)

D = dt.date


def test_the_contract_board_agrees_with_the_database_dashboard(db_session: Session) -> None:
    """Counts, compliance and the overdue list, in its order, on days before, during and
    after deliveries of every status, across obligations of different frequencies."""
    contract = make_contract(db_session, start=D(2024, 11, 15), end=D(2026, 6, 30))
    monthly = make_obligation(db_session, contract, delay_days=20)
    quarterly = make_obligation(db_session, contract, "mesures", frequency="quarterly")
    make_obligation(db_session, contract, "rapport", frequency="yearly", schema=None, format="pdf")
    deliver(db_session, monthly, "2025-01", GOOD_CSV, paris(2025, 2, 10))  # on time
    deliver(db_session, monthly, "2025-02", GOOD_CSV, paris(2025, 3, 25))  # late
    deliver(db_session, monthly, "2025-03", BAD_CSV, paris(2025, 4, 2))  # invalid
    deliver(db_session, monthly, "2025-03", GOOD_CSV, paris(2025, 6, 2))  # then late
    deliver(db_session, monthly, "2025-05", BAD_CSV, paris(2025, 6, 1))  # invalid
    deliver(db_session, quarterly, "2025-T1", GOOD_CSV, paris(2025, 5, 2))
    deliver(db_session, quarterly, "2025-T2", GOOD_CSV, paris(2025, 7, 1))
    db_session.commit()
    days = [D(2024, 11, 1), D(2025, 3, 1), D(2025, 6, 1), D(2025, 6, 2), D(2026, 1, 1)]
    for at in [*days, D(2026, 12, 1), D(2030, 1, 1)]:
        expected = dashboard(db_session, at, Scope(contract=contract))
        board = contract_board(db_session, contract, at)
        assert board.dashboard == expected, at
        lines = board.timelines
        assert [line.obligation.dataset for line in lines] == ["inventaire", "mesures", "rapport"]
        for status in Status:
            assert sum(line.count(status) for line in lines) == expected.counts[status]
            for line in lines:
                assert line.count(status) == sum(m.status is status for m in line.marks)
    late = contract_board(db_session, contract, D(2026, 1, 1)).dashboard
    assert late.overdue[0].status is Status.MISSING
    assert {item.status for item in late.overdue} == {Status.MISSING, Status.INVALID, Status.LATE}
