"""The demo's accounts (service/cli/demo_accounts.py): one per role in the demo organisation,
the concessionnaire holding the lighting concession only, the password the README gives."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from flask import Flask

from service.accounts import passwords
from service.accounts.identity import member_identity
from service.accounts.models import Role
from service.accounts.users import find_user
from service.cli.demo_accounts import (
    DEMO_ORGANISATION,
    DEMO_PASSWORD,
    create_demo_accounts,
    demo_accounts,
)
from service.deliveries.files import load_contract
from service.organisations import get_organisation
from service.settings import PROJECT_ROOT
from tests.conftest import clausier
from tests.members import Member, signed_in

FOLDER = PROJECT_ROOT / "contracts" / "concession-eclairage"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with cheap parameters: the rule is the same, the test faster."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


def test_one_account_per_role_the_concessionnaire_holding_its_concession(
    app: Flask, reference_library: object
) -> None:
    with clausier(app).db.sessions() as session:
        concession = load_contract(session, FOLDER).contract
        session.commit()
        made = create_demo_accounts(session)
        session.commit()
        assert [a.role for a in made] == [role.value for role in Role]
        assert create_demo_accounts(session) == made  # the demo run again: nothing new
        organisation = get_organisation(session, DEMO_ORGANISATION)
        for account in made:
            user = find_user(session, account.email)
            assert user is not None
            assert passwords.verify_password(user.password_hash, DEMO_PASSWORD).ok
            identity = member_identity(session, user, organisation)
            assert identity.roles == {account.role}
        holder = find_user(session, "concessionnaire@demo.clausier.example")
        assert holder is not None
        assert member_identity(session, holder, organisation).contract_ids == {concession.id}
        session.commit()
        manager = find_user(session, "contract-manager@demo.clausier.example")
        assert manager is not None
        as_manager = Member(manager.id, manager.email, organisation.id, DEMO_ORGANISATION)
        as_holder = Member(holder.id, holder.email, organisation.id, DEMO_ORGANISATION)
    contract = f"/api/organisations/{DEMO_ORGANISATION}/contracts/EP-2024-01"
    assert signed_in(app, as_manager).get(contract).status_code == 200
    holder_client = signed_in(app, as_holder)
    assert holder_client.get(contract).status_code == 200
    assert holder_client.get("/api/analyses").status_code == 403


def test_the_readme_says_how_to_sign_in_to_the_demo() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Se connecter à la démonstration" in readme
    assert f"`{DEMO_PASSWORD}`" in readme
    for account in demo_accounts():
        assert f"`{account.email}`" in readme, account.email
