"""Sign-in failures: free ones, a growing delay, the lock-out, and one answer for every
failure (service/accounts/signin.py)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.models import AuditEntry, User
from service.accounts.signin import FAILED, attempt_sign_in, delay_after
from service.accounts.users import disable_user
from service.errors import SignInFailed, SignInThrottled, status_for
from service.limits import SIGN_IN
from service.organisations import ensure_organisation
from tests.accounts.factories import OPERATOR, PASSWORD, make_user
from tests.conftest import clausier

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_the_delay_grows_after_the_free_failures_then_stops_growing() -> None:
    assert [delay_after(n) for n in range(0, 10)] == [0, 0, 0, 0, 2, 4, 8, 16, 32, 60]


def test_after_the_free_failures_the_account_must_wait_even_with_the_right_password(
    db_session: Session,
) -> None:
    user = make_user(db_session, "agent@valbrune.fr")
    for n in range(SIGN_IN.free_failures + 1):
        refused = attempt_sign_in(db_session, user.email, "mauvais", now=_at(n)).refused
        assert isinstance(refused, SignInFailed) and refused.detail == FAILED
    assert user.failed_signins == 4
    early = attempt_sign_in(db_session, user.email, PASSWORD, now=_at(3))
    assert early.user is None and isinstance(early.refused, SignInThrottled)
    assert early.refused.extra["retry_after"] == 2
    assert "réessayez dans 2 s" in early.refused.detail
    assert user.failed_signins == 4  # a refused early try is not a failure of the password
    on_time = attempt_sign_in(db_session, user.email, PASSWORD, now=_at(5))
    assert on_time.user is user
    assert (user.failed_signins, user.last_failed_signin_at) == (0, None)
    assert user.last_signin_at == _at(5)


def test_repeated_failures_lock_the_account_then_one_failure_locks_it_again(
    db_session: Session,
) -> None:
    user = make_user(db_session, "agent@valbrune.fr")
    clock = 0.0
    for _ in range(SIGN_IN.lockout_failures):
        clock += SIGN_IN.max_delay_seconds  # always waits long enough
        result = attempt_sign_in(db_session, user.email, "mauvais", now=_at(clock))
    assert isinstance(result.refused, SignInThrottled)
    assert "verrouillé pendant 15 min" in result.refused.detail
    assert user.locked_until == _at(clock) + dt.timedelta(minutes=15)
    locked = attempt_sign_in(db_session, user.email, PASSWORD, now=_at(clock + 14 * 60))
    assert locked.user is None and locked.refused.extra["retry_after"] == 60
    # the lock-out over, one more failure locks it again at once …
    after = clock + 15 * 60
    again = attempt_sign_in(db_session, user.email, "mauvais", now=_at(after))
    assert isinstance(again.refused, SignInThrottled)
    # … and the right password, once it may try, starts afresh
    then = after + 15 * 60
    assert attempt_sign_in(db_session, user.email, PASSWORD, now=_at(then)).user is user
    assert user.failed_signins == 0 and user.locked_until is None


def test_the_failures_are_kept_when_the_face_commits_before_answering(
    db_session: Session,
) -> None:
    user = make_user(db_session, "agent@valbrune.fr")
    db_session.commit()
    result = attempt_sign_in(db_session, "AGENT@valbrune.fr", "mauvais")
    db_session.commit()
    assert result.refused is not None and status_for(result.refused) == 401
    db_session.expire_all()
    assert db_session.get(User, user.id).failed_signins == 1
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-1] == "signin_failed"


def test_unknown_address_disabled_account_and_no_password_answer_alike(
    db_session: Session,
) -> None:
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    disabled = make_user(db_session, "ancien@valbrune.fr", valbrune, "acheteur")
    disable_user(db_session, disabled, by=OPERATOR)
    make_user(db_session, "oidc@valbrune.fr", password=None)
    answers = {
        attempt_sign_in(db_session, email, PASSWORD).refused.detail  # type: ignore[union-attr]
        for email in ("personne@valbrune.fr", "ancien@valbrune.fr", "oidc@valbrune.fr", "x")
    }
    assert answers == {FAILED}


def test_a_throttled_attempt_answers_429() -> None:
    assert status_for(SignInThrottled("…", retry_after=2)) == 429


def test_an_address_with_a_nul_character_is_a_plain_failure(db_session: Session) -> None:
    result = attempt_sign_in(db_session, "a\x00@valbrune.fr", PASSWORD)
    db_session.commit()
    assert isinstance(result.refused, SignInFailed)


def test_parallel_guesses_are_counted_one_after_the_other(app: Flask) -> None:
    """Eight wrong passwords sent at once: the free failures pass, the one after them too,
    then each sees the delay the others earned — none slips through uncounted."""
    db = clausier(app).db
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: no parallel attempts to order")
    with db.session() as session:
        make_user(session, "agent@valbrune.fr")
    start = threading.Barrier(8)

    def guess() -> str:
        start.wait()
        with db.session() as session:
            refused = attempt_sign_in(session, "agent@valbrune.fr", "mauvais", now=T0).refused
        return type(refused).__name__

    with ThreadPoolExecutor(8) as pool:
        answers = sorted(pool.map(lambda _: guess(), range(8)))
    assert answers == ["SignInFailed"] * 4 + ["SignInThrottled"] * 4
    with db.session() as session:
        assert session.scalar(select(User.failed_signins)) == 4
