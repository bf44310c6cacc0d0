"""Signing in with a local password: the failures counted per account, a growing delay after
a few, a lock-out after many (``service.limits.SignInLimits``).

The rule lives here, whatever face asks; the HTTP rate limiter in front of the page bounds
requests per address on top of it. ``attempt_sign_in`` returns its refusal rather than raising
it, because what it writes — the failure counted, the audit entry — must be committed even
when the answer is no: the face commits, then raises ``refused``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts import audit
from service.accounts.models import User
from service.accounts.passwords import burn_time, verify_password
from service.accounts.users import normalise_email
from service.db import utcnow
from service.errors import ClausierError, InvalidAccount, SignInFailed, SignInThrottled
from service.limits import SIGN_IN, SignInLimits

#: One answer for an unknown address, a wrong password, a disabled account or one without a
#: local password: nobody learns from it who has an account.
FAILED = "Adresse électronique ou mot de passe incorrect."


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user, or the refusal to raise once committed."""

    user: User | None
    refused: ClausierError | None = None


def wait_seconds(user: User, now: dt.datetime, limits: SignInLimits = SIGN_IN) -> int:
    """Seconds the account must wait before its next attempt (0: it may try now): the
    lock-out while it lasts, else the delay its failures in a row have earned."""
    if user.locked_until is not None and now < user.locked_until:
        return math.ceil((user.locked_until - now).total_seconds())
    if user.last_failed_signin_at is None:
        return 0
    ready = user.last_failed_signin_at + dt.timedelta(
        seconds=delay_after(user.failed_signins, limits)
    )
    return max(0, math.ceil((ready - now).total_seconds()))


def delay_after(failures: int, limits: SignInLimits = SIGN_IN) -> int:
    """The wait earned by so many failures in a row: none for the free ones, then
    ``first_delay_seconds`` doubled at each further failure, up to ``max_delay_seconds``."""
    beyond = failures - limits.free_failures
    if beyond <= 0:
        return 0
    return min(limits.max_delay_seconds, limits.first_delay_seconds * 2 ** (beyond - 1))


def attempt_sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    now: dt.datetime | None = None,
    limits: SignInLimits = SIGN_IN,
) -> SignIn:
    """Check an address and password. A user who must wait is refused without the password
    being looked at (SignInThrottled with ``retry_after``); a wrong password counts a failure,
    and the ``lockout_failures``-th locks the account for ``lockout_minutes``; a success
    forgets the failures and stores the hash again when its parameters are outdated."""
    now = now or utcnow()
    try:
        address = normalise_email(email)
    except InvalidAccount:
        address = None
    # The row stays locked until the face commits: parallel guesses are counted one after
    # the other, each seeing the delay the previous ones earned (PostgreSQL; SQLite has one
    # writer at a time anyway).
    user = (
        session.scalar(
            select(User)
            .where(User.email == address)
            .with_for_update()
            .execution_options(populate_existing=True)  # the row as locked, not as cached
        )
        if address
        else None
    )
    if user is None or user.disabled or not user.password_hash:
        burn_time(password)
        audit.record(
            session,
            "signin_failed",
            actor=(email or "")[:254],
            user_id=user.id if user else None,
            detail={"reason": "disabled" if user and user.disabled else "unknown"},
        )
        return SignIn(None, SignInFailed(FAILED))
    wait = wait_seconds(user, now, limits)
    if wait:
        audit.record(
            session,
            "signin_throttled",
            actor=user.email,
            user_id=user.id,
            detail={
                "retry_after": wait,
                "locked": bool(user.locked_until and now < user.locked_until),
            },
        )
        return SignIn(None, _throttled(user, wait, now))
    verified = verify_password(user.password_hash, password)
    if not verified.ok:
        return SignIn(None, _failure(session, user, now, limits))
    if verified.new_hash:
        user.password_hash = verified.new_hash
    user.failed_signins = 0
    user.last_failed_signin_at = None
    user.locked_until = None
    user.last_signin_at = now
    session.flush()
    audit.record(
        session,
        "signin_succeeded",
        actor=user.email,
        user_id=user.id,
        detail={"rehashed": verified.new_hash is not None},
    )
    return SignIn(user)


def _failure(session: Session, user: User, now: dt.datetime, limits: SignInLimits) -> ClausierError:
    """Count a failure; lock the account at the threshold; the refusal to answer."""
    user.failed_signins += 1
    user.last_failed_signin_at = now
    locked = user.failed_signins >= limits.lockout_failures
    if locked:
        user.locked_until = now + dt.timedelta(minutes=limits.lockout_minutes)
    session.flush()
    audit.record(
        session,
        "signin_failed",
        actor=user.email,
        user_id=user.id,
        detail={"reason": "password", "failures": user.failed_signins, "locked": locked},
    )
    if locked:
        return _throttled(user, wait_seconds(user, now, limits), now)
    return SignInFailed(FAILED)


def _throttled(user: User, wait: int, now: dt.datetime) -> SignInThrottled:
    if user.locked_until is not None and now < user.locked_until:
        minutes = math.ceil(wait / 60)
        return SignInThrottled(
            f"Trop d'échecs de connexion : ce compte est verrouillé pendant {minutes} min."
            " L'administrateur de l'organisation peut le déverrouiller.",
            retry_after=wait,
        )
    return SignInThrottled(
        f"Trop d'échecs de connexion : réessayez dans {wait} s.", retry_after=wait
    )
