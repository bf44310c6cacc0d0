"""The demo's accounts: one per role in the demo organisation, and the concessionnaire of the
sample lighting concession, all with the one password the README gives. Demo only: no other
command creates them, and ``clausier demo`` is a development server."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.identity import operator_identity
from service.accounts.models import ROLES, Role
from service.accounts.users import create_user, find_user, grant_role
from service.deliveries.models import Contract
from service.organisations import Organisation

#: The demo organisation (contracts/concession-eclairage/contract.yaml).
DEMO_ORGANISATION = "valmont-sur-loire"
#: The lighting concession the demo's concessionnaire holds.
DEMO_CONCESSION = "EP-2024-01"
#: The password of every demo account — public, in the README: samples only.
DEMO_PASSWORD = "Valmont-Demo-2026"
#: Where the demo's addresses live (a reserved domain: no mail goes anywhere).
DOMAIN = "demo.clausier.example"


@dataclass(frozen=True)
class DemoAccount:
    """One account of the demo: its address and the role it holds."""

    email: str
    role: str


def demo_accounts() -> list[DemoAccount]:
    """One account per role, the concessionnaire's last."""
    return [DemoAccount(f"{role.value.replace('_', '-')}@{DOMAIN}", role.value) for role in Role]


def create_demo_accounts(session: Session) -> list[DemoAccount]:
    """Create (or find again) the demo's accounts in the demo organisation; the concessionnaire
    holds the lighting concession. Running the demo twice changes nothing."""
    operator = operator_identity("demo")
    organisation = session.scalar(
        select(Organisation).where(Organisation.slug == DEMO_ORGANISATION)
    )
    if organisation is None:
        return []
    concession = session.scalar(
        select(Contract).where(
            Contract.organisation_id == organisation.id, Contract.reference == DEMO_CONCESSION
        )
    )
    accounts = []
    for account in demo_accounts():
        if account.role == Role.CONCESSIONNAIRE and concession is None:
            continue
        user = find_user(session, account.email) or create_user(
            session,
            account.email,
            by=operator,
            display_name=f"Démo — {ROLES[account.role]}",
            password=DEMO_PASSWORD,
        )
        contracts = [concession] if account.role == Role.CONCESSIONNAIRE else []
        grant_role(session, user, organisation, account.role, by=operator, contracts=contracts)
        accounts.append(account)
    return accounts
