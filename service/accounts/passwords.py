"""Local passwords: argon2id hashes (argon2-cffi), rehashed when the parameters change, and the
strength rule, in French.

Only a hash is stored. ``HASHER`` holds the parameters of the day (argon2-cffi's defaults,
RFC 9106's low-memory profile); a hash made with others still verifies, and ``verify`` says
when it should be made again so that the stored hashes follow the parameters.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.errors import InvalidAccount
from service.limits import SIGN_IN, SignInLimits

#: The parameters new hashes are made with (tests swap in cheaper ones).
HASHER = PasswordHasher()

#: Passwords too common to be accepted whatever their length (lower case, compared folded).
COMMON = frozenset(
    {
        "motdepasse123",
        "motdepasse1234",
        "azertyuiop123",
        "azertyuiop1234",
        "password1234",
        "password12345",
        "123456789012",
        "1234567890123",
        "administrateur",
        "administrateur1",
        "bienvenue1234",
        "soleil123456",
        "clausier1234",
        "qwertyuiop123",
    }
)


def hash_password(password: str) -> str:
    """The argon2id hash of a password, with today's parameters."""
    return HASHER.hash(password)


@dataclass(frozen=True)
class Verified:
    """The outcome of checking a password: whether it matches, and the new hash to store when
    the stored one was made with other parameters (else None)."""

    ok: bool
    new_hash: str | None = None


def verify_password(stored_hash: str | None, password: str) -> Verified:
    """Check a password against a stored hash; a match with outdated parameters comes with
    the hash to store instead. No hash (no local password) never matches."""
    if not stored_hash:
        burn_time(password)
        return Verified(False)
    try:
        HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return Verified(False)
    if HASHER.check_needs_rehash(stored_hash):
        return Verified(True, HASHER.hash(password))
    return Verified(True)


_DUMMY: dict[str, str] = {}


def burn_time(password: str) -> None:
    """Spend the time of one verification, so that an unknown e-mail or an account without a
    password answers as slowly as a wrong password (nobody learns who has an account)."""
    key = f"{HASHER.time_cost}:{HASHER.memory_cost}:{HASHER.parallelism}"
    dummy = _DUMMY.get(key)
    if dummy is None:
        dummy = _DUMMY[key] = HASHER.hash("clausier: no such account")
    with contextlib.suppress(VerificationError):
        HASHER.verify(dummy, password)


def password_problems(
    password: str, *, email: str = "", limits: SignInLimits = SIGN_IN
) -> list[str]:
    """What makes a password too weak, in French; an empty list when it is accepted.

    At least ``password_min_length`` characters, and three kinds among lower case, upper case,
    digits and other characters unless it is a passphrase of ``passphrase_length`` or more;
    never a common password, a single repeated character, nor the e-mail's name."""
    problems = []
    if len(password) < limits.password_min_length:
        problems.append(f"au moins {limits.password_min_length} caractères")
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if len(password) < limits.passphrase_length and kinds < 3:
        problems.append(
            "trois sortes de caractères parmi minuscules, majuscules, chiffres et autres"
            f" (ou une phrase de {limits.passphrase_length} caractères ou plus)"
        )
    folded = password.casefold()
    if folded in COMMON or len(set(folded)) <= 2:
        problems.append("pas un mot de passe courant ni un caractère répété")
    name = email.split("@", 1)[0].casefold()
    if len(name) >= 4 and name in folded:
        problems.append("pas le nom de l'adresse électronique")
    return problems


def check_password(password: str, *, email: str = "", limits: SignInLimits = SIGN_IN) -> None:
    """Refuse a weak password with every reason at once (InvalidAccount, field ``password``)."""
    problems = password_problems(password, email=email, limits=limits)
    if problems:
        raise InvalidAccount(
            "Mot de passe trop faible : il faut " + " ; ".join(problems) + ".",
            errors=[{"field": "password", "message": p, "code": "weak"} for p in problems],
        )
