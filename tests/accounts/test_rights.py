"""The table of rights and the rules beyond roles (service/accounts/rights.py): anonymous is
401, another organisation's object 404, a wrong role 403; an approver never approves their own
version; only the contract manager back-dates a delivery; a concessionnaire reaches its own
contracts only."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from service.accounts.identity import Identity, operator_identity
from service.accounts.models import ROLES
from service.accounts.rights import (
    RIGHTS,
    STAFF,
    Reach,
    can,
    delivery_sender,
    require,
    require_approval,
    require_delivery,
    require_token_management,
    visible_contracts,
)
from service.errors import Forbidden, NotFound, NotSignedIn, status_for

VALBRUNE, MONTCLAR = 1, 2


@dataclass(frozen=True)
class Org:
    id: int


@dataclass(frozen=True)
class Contract:
    id: int
    organisation_id: int


@dataclass(frozen=True)
class Token:
    user_id: int
    organisation_id: int


OWN, OTHER_OWN, FOREIGN = Contract(10, VALBRUNE), Contract(11, VALBRUNE), Contract(20, MONTCLAR)


def who(*roles: str, user_id: int = 7, email: str = "a@valbrune.fr", **kw) -> Identity:  # type: ignore[no-untyped-def]
    return Identity(
        user_id=user_id,
        email=email,
        organisation_id=VALBRUNE,
        organisation_slug="valbrune",
        roles=frozenset(roles),
        **kw,
    )


def test_every_action_names_known_roles_and_a_french_label() -> None:
    for action, right in RIGHTS.items():
        assert right.roles <= set(ROLES), action
        assert right.label and right.label[0].islower(), action
    # the deployment's own acts belong to no role: the operator only
    assert {a for a, r in RIGHTS.items() if r.reach is Reach.DEPLOYMENT} == {"create_organisation"}
    assert not RIGHTS["create_organisation"].roles


# action, role allowed, a role refused
TABLE = [
    ("draft_version", "library_editor", "library_approver"),
    ("approve_version", "library_approver", "library_editor"),
    ("retire_clause", "library_approver", "acheteur"),
    ("read_library", "concessionnaire", None),
    ("analyse_document", "acheteur", "concessionnaire"),
    ("read_analysis", "dpo", "concessionnaire"),
    ("upload_delivery", "contract_manager", "acheteur"),
    ("backdate_delivery", "contract_manager", "concessionnaire"),
    ("tick_checklist", "contract_manager", "dsi"),
    ("amend_contract", "contract_manager", "admin"),
    ("manage_users", "admin", "contract_manager"),
    ("manage_tokens", "admin", "dsi"),
    ("read_audit", "admin", "library_approver"),
    ("export_organisation", "admin", "acheteur"),
    ("create_organisation", None, "admin"),
]


@pytest.mark.parametrize(("action", "allowed", "refused"), TABLE)
def test_each_action_is_allowed_to_its_roles_and_refused_with_403_to_others(
    action: str, allowed: str | None, refused: str | None
) -> None:
    target = {"contract": OWN} if RIGHTS[action].reach is Reach.CONTRACT else {}
    held = frozenset({OWN.id})  # a concessionnaire here holds the contract
    if allowed:
        assert require(who(allowed, contract_ids=held), action, **target).roles == {allowed}
    if refused:
        with pytest.raises(Forbidden) as error:
            require(who(refused, contract_ids=held), action, **target)
        assert error.value.detail.startswith("Votre rôle (")
        assert status_for(error.value) == 403


def test_nobody_signed_in_is_401_whatever_the_action() -> None:
    for action in RIGHTS:
        with pytest.raises(NotSignedIn) as error:
            require(None, action)
        assert status_for(error.value) == 401
        assert error.value.detail.startswith("Connectez-vous pour ")


def test_another_organisations_object_is_404_even_for_a_role_that_may() -> None:
    manager = who("contract_manager")
    for action in ("read_contract", "tick_checklist", "upload_delivery"):
        with pytest.raises(NotFound) as error:
            require(manager, action, contract=FOREIGN)
        assert status_for(error.value) == 404
    with pytest.raises(NotFound):
        require(who("admin"), "read_audit", organisation=Org(MONTCLAR))
    # … and 404 before 403: a wrong role learns nothing of another organisation either
    with pytest.raises(NotFound):
        require(who("dsi"), "tick_checklist", contract=FOREIGN)
    with pytest.raises(NotFound):
        require(manager, "read_contract", organisation=Org(VALBRUNE), contract=FOREIGN)


def test_a_concessionnaire_reaches_its_own_contracts_only() -> None:
    lumicite = who("concessionnaire", contract_ids=frozenset({OWN.id}))
    require(lumicite, "upload_delivery", contract=OWN)
    require(lumicite, "read_contract", contract=OWN)
    with pytest.raises(NotFound):
        require(lumicite, "read_contract", contract=OTHER_OWN)
    with pytest.raises(NotFound):  # not 403: the contract does not exist for it
        require(lumicite, "tick_checklist", contract=OTHER_OWN)
    with pytest.raises(Forbidden):
        require(lumicite, "tick_checklist", contract=OWN)
    with pytest.raises(Forbidden, match="Précisez le contrat"):
        require(lumicite, "read_contract")
    assert visible_contracts(lumicite) == {OWN.id}
    assert visible_contracts(who("acheteur")) is None


def test_a_version_is_approved_by_an_approver_who_is_not_its_author() -> None:
    approver = who("library_approver", email="relecteur@valbrune.fr")
    require_approval(approver, "redactrice@valbrune.fr")
    for author in (
        "relecteur@valbrune.fr",
        " Relecteur@Valbrune.fr ",
        "relecteur@valbrune.fr (jeton 4)",
    ):
        with pytest.raises(Forbidden, match="ne peut pas être approuvée par son auteur"):
            require_approval(approver, author)
    through_token = who("library_approver", email="relecteur@valbrune.fr", via="token", token_id=4)
    with pytest.raises(Forbidden):
        require_approval(through_token, "relecteur@valbrune.fr")
    with pytest.raises(Forbidden, match="Votre rôle"):
        require_approval(who("library_editor"), "autre@valbrune.fr")


def test_only_the_contract_manager_backdates_a_delivery() -> None:
    lumicite = who("concessionnaire", contract_ids=frozenset({OWN.id}))
    require_delivery(lumicite, OWN, backdated=False)
    with pytest.raises(Forbidden, match="date de réception antérieure"):
        require_delivery(lumicite, OWN, backdated=True)
    require_delivery(who("contract_manager"), OWN, backdated=True)


def test_the_sender_of_a_delivery_comes_from_the_identity() -> None:
    lumicite = who("concessionnaire", email="depot@lumicite.fr", via="token", token_id=3)
    assert delivery_sender(lumicite) == ("depot@lumicite.fr (jeton 3)", "titulaire")
    assert delivery_sender(who("contract_manager")) == ("a@valbrune.fr", "acheteur")


def test_a_user_manages_their_own_tokens_the_admin_all_of_the_organisation() -> None:
    require_token_management(who("dsi", user_id=7), Token(7, VALBRUNE))
    with pytest.raises(Forbidden):
        require_token_management(who("dsi", user_id=7), Token(8, VALBRUNE))
    require_token_management(who("admin", user_id=1), Token(8, VALBRUNE))
    with pytest.raises(NotFound):
        require_token_management(who("admin", user_id=1), Token(8, MONTCLAR))


def test_the_command_line_is_the_operator_and_may_do_anything() -> None:
    operator = operator_identity("root")
    assert all(can(operator, action, contract=FOREIGN) for action in RIGHTS)
    assert not can(who(*STAFF), "create_organisation")
