"""API tokens: shown once, stored hashed, one organisation and one role, expiry, revocation,
last use (service/accounts/tokens.py)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.accounts.models import ApiToken, AuditEntry
from service.accounts.tokens import (
    create_token,
    list_tokens,
    revoke_token,
    token_identity,
    token_state,
)
from service.accounts.users import disable_user, revoke_role
from service.errors import InvalidAccount, NotSignedIn, status_for
from service.organisations import ensure_organisation
from tests.accounts.factories import OPERATOR, make_user
from tests.deliveries.factories import make_contract

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def setup(db_session: Session):  # type: ignore[no-untyped-def]
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    contract = make_contract(db_session, valbrune)
    script = make_user(
        db_session, "depot@lumicite.fr", valbrune, "concessionnaire", contracts=(contract,)
    )
    return valbrune, contract, script


def test_the_secret_is_shown_once_and_only_its_sha256_is_stored(db_session: Session, setup) -> None:  # type: ignore[no-untyped-def]
    valbrune, _, script = setup
    issued = create_token(
        db_session, script, valbrune, "concessionnaire", name="script de dépôt", by=OPERATOR
    )
    db_session.commit()
    assert issued.secret.startswith("clausier_") and len(issued.secret) > 40
    stored = db_session.execute(text("SELECT * FROM api_token")).mappings().one()
    assert issued.secret not in " ".join(str(value) for value in stored.values())
    assert stored["secret_sha256"] == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret.startswith(stored["prefix"]) and len(stored["prefix"]) == 15
    # the listing never gives the secret back
    listed = list_tokens(db_session, valbrune)
    assert [t.id for t in listed] == [issued.token.id]
    assert not hasattr(listed[0], "secret")


def test_a_token_acts_as_its_user_with_its_one_role_and_contracts(
    db_session: Session, setup
) -> None:  # type: ignore[no-untyped-def]
    valbrune, contract, script = setup
    issued = create_token(
        db_session, script, valbrune, "concessionnaire", name="dépôt", by=OPERATOR
    )
    identity = token_identity(db_session, issued.secret, now=NOW)
    assert identity.via == "token" and identity.token_id == issued.token.id
    assert identity.roles == {"concessionnaire"} and identity.contract_ids == {contract.id}
    assert identity.organisation_slug == "valbrune"
    assert identity.actor == f"depot@lumicite.fr (jeton {issued.token.id})"


def test_a_token_is_made_only_for_a_role_the_user_holds(db_session: Session, setup) -> None:  # type: ignore[no-untyped-def]
    valbrune, _, script = setup
    with pytest.raises(InvalidAccount) as refused:
        create_token(db_session, script, valbrune, "admin", name="tout", by=OPERATOR)
    assert "rôle « admin » non détenu" in refused.value.detail
    with pytest.raises(InvalidAccount) as refused:
        create_token(
            db_session,
            script,
            valbrune,
            "concessionnaire",
            name="x",
            by=OPERATOR,
            expires_at=NOW - dt.timedelta(days=1),
            now=NOW,
        )
    assert "date d'expiration à venir" in refused.value.detail


def test_last_use_is_recorded_once_a_minute_at_most(db_session: Session, setup) -> None:  # type: ignore[no-untyped-def]
    valbrune, _, script = setup
    issued = create_token(db_session, script, valbrune, "concessionnaire", name="d", by=OPERATOR)
    assert issued.token.last_used_at is None
    for seconds in (0, 30, 59, 61):
        token_identity(db_session, issued.secret, now=NOW + dt.timedelta(seconds=seconds))
    assert issued.token.last_used_at == NOW + dt.timedelta(seconds=61)
    uses = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "token_used")).all()
    assert len(uses) == 2 and uses[0].organisation_id == valbrune.id


def test_an_expired_token_stops_working(db_session: Session, setup) -> None:  # type: ignore[no-untyped-def]
    valbrune, _, script = setup
    issued = create_token(
        db_session,
        script,
        valbrune,
        "concessionnaire",
        name="d",
        by=OPERATOR,
        expires_at=NOW + dt.timedelta(days=30),
        now=NOW,
    )
    token_identity(db_session, issued.secret, now=NOW + dt.timedelta(days=29))
    with pytest.raises(NotSignedIn) as refused:
        token_identity(db_session, issued.secret, now=NOW + dt.timedelta(days=30))
    assert "Jeton d'API expiré" in refused.value.detail
    assert status_for(refused.value) == 401
    assert token_state(issued.token, NOW + dt.timedelta(days=31)) == "expiré"


def test_a_revoked_token_stops_working_and_revoking_twice_changes_nothing(
    db_session: Session, setup
) -> None:  # type: ignore[no-untyped-def]
    valbrune, _, script = setup
    issued = create_token(db_session, script, valbrune, "concessionnaire", name="d", by=OPERATOR)
    assert revoke_token(db_session, issued.token, by=OPERATOR)
    assert not revoke_token(db_session, issued.token, by=OPERATOR)
    with pytest.raises(NotSignedIn, match="Jeton d'API révoqué"):
        token_identity(db_session, issued.secret)
    with pytest.raises(NotSignedIn, match="Jeton d'API inconnu"):
        token_identity(db_session, issued.secret[:-1] + "x")


def test_a_token_stops_working_with_its_user_or_its_role(db_session: Session, setup) -> None:  # type: ignore[no-untyped-def]
    valbrune, _, script = setup
    issued = create_token(db_session, script, valbrune, "concessionnaire", name="d", by=OPERATOR)
    revoke_role(db_session, script, valbrune, "concessionnaire", by=OPERATOR)
    with pytest.raises(NotSignedIn, match="n'a plus le rôle"):
        token_identity(db_session, issued.secret)
    other = make_user(db_session, "dsi@valbrune.fr", valbrune, "dsi")
    second = create_token(db_session, other, valbrune, "dsi", name="d", by=OPERATOR)
    disable_user(db_session, other, by=OPERATOR)
    with pytest.raises(NotSignedIn, match="désactivé"):
        token_identity(db_session, second.secret)
    assert (
        db_session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == second.token.id)) is None
    )
