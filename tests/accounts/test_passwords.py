"""Passwords: argon2id hashes, rehash when the parameters change, the strength rule
(service/accounts/passwords.py)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from service.accounts import passwords
from service.accounts.passwords import check_password, hash_password, verify_password
from service.accounts.signin import attempt_sign_in
from service.errors import InvalidAccount
from tests.accounts.factories import PASSWORD, make_user


def test_a_password_is_stored_as_an_argon2id_hash_that_verifies() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(stored, PASSWORD).ok
    assert not verify_password(stored, PASSWORD + "x").ok
    assert hash_password(PASSWORD) != stored  # salted


def test_no_hash_and_a_damaged_hash_never_match() -> None:
    assert not verify_password(None, PASSWORD).ok
    assert not verify_password("not-a-hash", PASSWORD).ok


def test_a_hash_made_with_other_parameters_verifies_and_asks_to_be_made_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = hash_password(PASSWORD)
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    )
    verified = verify_password(old, PASSWORD)
    assert verified.ok and verified.new_hash is not None
    assert "m=2048,t=2,p=1" in verified.new_hash
    assert verify_password(verified.new_hash, PASSWORD).new_hash is None


def test_sign_in_stores_the_hash_again_when_the_parameters_changed(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db_session, "agent@valbrune.fr")
    old = user.password_hash
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    )
    result = attempt_sign_in(db_session, "agent@valbrune.fr", PASSWORD)
    assert result.user is user and result.refused is None
    assert user.password_hash != old and "m=2048,t=2,p=1" in user.password_hash
    # the new hash is kept: the next sign-in does not rehash
    again = user.password_hash
    assert attempt_sign_in(db_session, "agent@valbrune.fr", PASSWORD).user is user
    assert user.password_hash == again


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Court-1", "au moins 12 caractères"),
        ("toutenminuscules", "trois sortes de caractères"),
        ("Motdepasse1234", "pas un mot de passe courant"),
        ("aaaaaaaaaaaaaaaaaaaaaaaa", "pas un mot de passe courant ni un caractère répété"),
        ("Jeanne.Martin-2026", "pas le nom de l'adresse électronique"),
    ],
)
def test_a_weak_password_is_refused_with_its_reason_in_french(password: str, reason: str) -> None:
    with pytest.raises(InvalidAccount) as refused:
        check_password(password, email="jeanne.martin@valbrune.fr")
    assert reason in refused.value.detail
    assert refused.value.detail.startswith("Mot de passe trop faible : il faut ")
    assert all(error["field"] == "password" for error in refused.value.errors)


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "Réversibilité&2027", "une phrase de passe assez longue pour valoir"],
)
def test_a_strong_password_or_a_long_passphrase_is_accepted(password: str) -> None:
    check_password(password, email="jeanne.martin@valbrune.fr")
