"""Users, roles, a concessionnaire's contracts, invitations (service/accounts/users.py,
invitations.py, identity.py)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.accounts.identity import member_identity, session_identity
from service.accounts.invitations import accept_invitation, invite
from service.accounts.models import AuditEntry, Invitation
from service.accounts.users import create_user, get_user, grant_role, list_users
from service.errors import (
    InvalidAccount,
    InvitationNotFound,
    InvitationSpent,
    NotFound,
    NotSignedIn,
    UserExists,
)
from service.organisations import ensure_organisation
from tests.accounts.factories import OPERATOR, PASSWORD, make_user
from tests.deliveries.factories import make_contract

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_an_address_is_unique_whatever_its_case(db_session: Session) -> None:
    user = create_user(db_session, " Jeanne.Martin@Valbrune.FR ", by=OPERATOR)
    assert user.email == "jeanne.martin@valbrune.fr" and user.display_name == "jeanne.martin"
    with pytest.raises(UserExists, match="existe déjà"):
        create_user(db_session, "JEANNE.MARTIN@valbrune.fr", by=OPERATOR)
    assert get_user(db_session, "jeanne.MARTIN@valbrune.fr") is user


def test_the_database_refuses_two_rows_for_one_address(db_session: Session) -> None:
    from sqlalchemy.exc import IntegrityError

    create_user(db_session, "a@valbrune.fr", by=OPERATOR)
    db_session.commit()
    with pytest.raises(IntegrityError):
        db_session.execute(
            text(
                "INSERT INTO user_account (email, display_name, disabled, failed_signins,"
                " created_at) VALUES ('a@valbrune.fr', 'x', false, 0, CURRENT_TIMESTAMP)"
            )
        )


@pytest.mark.parametrize(
    "email", ["", "pas-une-adresse", "a@b", "a b@c.fr", "a\x00@c.fr", "x@" + "d" * 260]
)
def test_an_address_that_is_not_one_is_refused(db_session: Session, email: str) -> None:
    with pytest.raises(InvalidAccount, match="Adresse électronique invalide"):
        create_user(db_session, email, by=OPERATOR)


def test_roles_are_the_eight_known_ones_several_per_user(db_session: Session) -> None:
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    user = make_user(db_session, "dpo@valbrune.fr", valbrune, "dpo", "library_approver")
    identity = member_identity(db_session, user, valbrune)
    assert identity.roles == {"dpo", "library_approver"} and identity.role is None
    with pytest.raises(InvalidAccount, match="Rôle inconnu « superadmin »"):
        grant_role(db_session, user, valbrune, "superadmin", by=OPERATOR)
    # granting a held role again changes nothing
    again = grant_role(db_session, user, valbrune, "dpo", by=OPERATOR)
    assert again.role == "dpo" and len(user.memberships) == 2


def test_the_database_refuses_an_unknown_role(db_session: Session) -> None:
    from sqlalchemy.exc import IntegrityError

    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    user = make_user(db_session, "a@valbrune.fr")
    db_session.commit()
    with pytest.raises(IntegrityError):
        db_session.execute(
            text(
                "INSERT INTO membership (user_id, organisation_id, role, created_at)"
                " VALUES (:u, :o, 'root', CURRENT_TIMESTAMP)"
            ),
            {"u": user.id, "o": valbrune.id},
        )


def test_a_concessionnaire_is_limited_to_named_contracts_of_the_organisation(
    db_session: Session,
) -> None:
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    other = ensure_organisation(db_session, "montclar", "Commune de Montclar")
    lighting = make_contract(db_session, valbrune, reference="EP-1")
    water = make_contract(db_session, valbrune, reference="EAU-1")
    foreign = make_contract(db_session, other, reference="EP-9")
    user = make_user(db_session, "depot@lumicite.fr")
    with pytest.raises(InvalidAccount, match="au moins un contrat"):
        grant_role(db_session, user, valbrune, "concessionnaire", by=OPERATOR)
    with pytest.raises(InvalidAccount, match="autre organisation : EP-9"):
        grant_role(db_session, user, valbrune, "concessionnaire", by=OPERATOR, contracts=[foreign])
    with pytest.raises(InvalidAccount, match="seul un concessionnaire"):
        grant_role(db_session, user, valbrune, "acheteur", by=OPERATOR, contracts=[lighting])
    grant_role(db_session, user, valbrune, "concessionnaire", by=OPERATOR, contracts=[lighting])
    grant_role(db_session, user, valbrune, "concessionnaire", by=OPERATOR, contracts=[water])
    assert member_identity(db_session, user, valbrune).contract_ids == {lighting.id, water.id}


def test_a_user_sees_only_organisations_where_they_hold_a_role(db_session: Session) -> None:
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    ensure_organisation(db_session, "montclar", "Commune de Montclar")
    user = make_user(db_session, "a@valbrune.fr", valbrune, "acheteur")
    assert session_identity(db_session, user.id, "valbrune").roles == {"acheteur"}
    with pytest.raises(NotFound):
        session_identity(db_session, user.id, "montclar")
    with pytest.raises(NotSignedIn):
        session_identity(db_session, user.id + 99, "valbrune")
    assert [u.email for u in list_users(db_session, valbrune)] == ["a@valbrune.fr"]


def test_an_invitation_serves_once_before_it_expires_and_keeps_only_a_hash(
    db_session: Session,
) -> None:
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    invitation, secret = invite(
        db_session, "Nouvelle@Valbrune.fr", valbrune, "contract_manager", by=OPERATOR, now=NOW
    )
    assert invitation.expires_at == NOW + dt.timedelta(days=7)
    stored = db_session.scalar(select(Invitation.secret_sha256))
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored
    user = accept_invitation(
        db_session, secret, display_name="Claire Nouvelle", password=PASSWORD, now=NOW
    )
    assert (user.email, user.display_name) == ("nouvelle@valbrune.fr", "Claire Nouvelle")
    assert member_identity(db_session, user, valbrune).roles == {"contract_manager"}
    with pytest.raises(InvitationSpent, match="déjà servi"):
        accept_invitation(db_session, secret, password=PASSWORD, now=NOW)
    with pytest.raises(InvitationNotFound):
        accept_invitation(db_session, "n'importe quoi", now=NOW)
    _, late = invite(db_session, "tard@valbrune.fr", valbrune, "dsi", by=OPERATOR, now=NOW)
    with pytest.raises(InvitationSpent, match="expiré"):
        accept_invitation(db_session, late, password=PASSWORD, now=NOW + dt.timedelta(days=7))
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "invitation_created" in actions and "invitation_accepted" in actions


def test_an_invitation_with_a_weak_password_grants_nothing(db_session: Session) -> None:
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    _, secret = invite(db_session, "n@valbrune.fr", valbrune, "dsi", by=OPERATOR, now=NOW)
    with pytest.raises(InvalidAccount, match="Mot de passe trop faible"):
        accept_invitation(db_session, secret, password="court", now=NOW)
    assert db_session.scalar(select(Invitation.accepted_at)) is None
