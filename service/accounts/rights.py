"""Who may do what: the one table of rights, and the rules the faces call.

Every action a page, an API route or a command performs is named here with the roles allowed
and what it reaches: the shared library, the identity's organisation, or one contract of it
(a concessionnaire only its own). ``require`` answers in the order that leaks nothing:

1. no identity → NotSignedIn (401 for the API, the sign-in page for the pages);
2. an object of another organisation, or a contract a concessionnaire does not hold →
   NotFound (404), whatever the role: existence does not leak;
3. no role allowing the action → Forbidden (403).

The command line acts as the deployment's operator (``Identity.operator``), who holds every
right: whoever runs it already holds the database. Rules beyond roles (an approver who is not
the author, a back-dated delivery) are functions here too, so that no view decides them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from service.accounts.identity import Identity
from service.accounts.models import ROLES, Role
from service.errors import Forbidden, NotFound, NotSignedIn


class Reach(enum.StrEnum):
    """What an action is about."""

    #: The shared clause library: a role in any organisation counts.
    LIBRARY = "library"
    #: Something of the identity's organisation (analysis, template, user, token…).
    ORGANISATION = "organisation"
    #: One contract of the identity's organisation; a concessionnaire's own only.
    CONTRACT = "contract"
    #: The deployment itself: the operator only (command line).
    DEPLOYMENT = "deployment"


@dataclass(frozen=True)
class Right:
    """The roles allowed an action, what it reaches, and how a refusal names it."""

    roles: frozenset[str]
    reach: Reach
    label: str


def _roles(*roles: Role) -> frozenset[str]:
    return frozenset(role.value for role in roles)


A, DSI, DPO = Role.ACHETEUR, Role.DSI, Role.DPO
EDITOR, APPROVER = Role.LIBRARY_EDITOR, Role.LIBRARY_APPROVER
MANAGER, ADMIN, CONC = Role.CONTRACT_MANAGER, Role.ADMIN, Role.CONCESSIONNAIRE
#: Every role.
EVERYONE = frozenset(ROLES)
#: The organisation's own people: every role but the outside concessionnaire.
STAFF = EVERYONE - {CONC.value}

#: The one table of rights: action → roles allowed, reach, French label.
RIGHTS: dict[str, Right] = {
    # the shared library
    "read_library": Right(EVERYONE, Reach.LIBRARY, "lire la bibliothèque de clauses"),
    "draft_version": Right(_roles(EDITOR), Reach.LIBRARY, "rédiger une version de clause"),
    "approve_version": Right(_roles(APPROVER), Reach.LIBRARY, "approuver une version de clause"),
    "retire_clause": Right(_roles(APPROVER), Reach.LIBRARY, "retirer une version de clause"),
    "manage_template_sets": Right(
        _roles(EDITOR), Reach.LIBRARY, "gérer les jeux de modèles de la bibliothèque"
    ),
    # analyses, annexes, templates of the organisation
    "analyse_document": Right(_roles(A, DSI, DPO, MANAGER), Reach.ORGANISATION, "analyser un CCTP"),
    "read_analysis": Right(STAFF, Reach.ORGANISATION, "lire les analyses"),
    "generate_annex": Right(
        _roles(A, DSI, DPO, MANAGER), Reach.ORGANISATION, "produire une annexe"
    ),
    "read_templates": Right(STAFF, Reach.ORGANISATION, "consulter les modèles d'annexe"),
    "manage_templates": Right(
        _roles(A, ADMIN), Reach.ORGANISATION, "déposer ou retirer un modèle d'annexe"
    ),
    # contracts and deliveries
    "list_contracts": Right(
        STAFF | {CONC.value},
        Reach.ORGANISATION,
        "voir les contrats et leurs échéances (un concessionnaire : les siens)",
    ),
    "read_contract": Right(
        STAFF | {CONC.value}, Reach.CONTRACT, "lire un contrat et ses livraisons"
    ),
    "manage_contract": Right(
        _roles(MANAGER), Reach.ORGANISATION, "créer un contrat ou ses obligations"
    ),
    "amend_contract": Right(_roles(MANAGER), Reach.CONTRACT, "enregistrer un avenant"),
    "upload_delivery": Right(_roles(MANAGER, CONC), Reach.CONTRACT, "déposer une livraison"),
    "backdate_delivery": Right(
        _roles(MANAGER), Reach.CONTRACT, "donner une date de réception antérieure"
    ),
    "tick_checklist": Right(_roles(MANAGER), Reach.CONTRACT, "cocher la liste de réversibilité"),
    # the organisation's people, tokens, log and data
    "manage_own_account": Right(EVERYONE, Reach.ORGANISATION, "gérer votre compte"),
    "read_organisation": Right(EVERYONE, Reach.ORGANISATION, "voir votre organisation"),
    "manage_own_tokens": Right(EVERYONE, Reach.ORGANISATION, "gérer vos jetons d'API"),
    "manage_tokens": Right(_roles(ADMIN), Reach.ORGANISATION, "gérer les jetons d'API"),
    "manage_users": Right(_roles(ADMIN), Reach.ORGANISATION, "gérer les comptes et les rôles"),
    "manage_organisation": Right(
        _roles(ADMIN), Reach.ORGANISATION, "modifier l'organisation (nom, SIREN, SIRET)"
    ),
    "read_audit": Right(_roles(ADMIN), Reach.ORGANISATION, "lire le journal d'audit"),
    "export_organisation": Right(
        _roles(ADMIN), Reach.ORGANISATION, "exporter les données de l'organisation"
    ),
    # the deployment
    "create_organisation": Right(frozenset(), Reach.DEPLOYMENT, "créer une organisation"),
}


class OrganisationRef(Protocol):
    """What the rights need of an organisation."""

    id: int


class ContractRef(Protocol):
    """What the rights need of a contract."""

    id: int
    organisation_id: int


def require(
    identity: Identity | None,
    action: str,
    *,
    organisation: OrganisationRef | None = None,
    contract: ContractRef | None = None,
) -> Identity:
    """Refuse what the identity may not do (NotSignedIn, NotFound, Forbidden — in that order,
    see the module); the identity when it may."""
    right = RIGHTS[action]  # an unknown action is a bug of the caller: KeyError
    if identity is None:
        raise NotSignedIn(f"Connectez-vous pour {right.label}.")
    if identity.operator:
        return identity
    if right.reach in (Reach.ORGANISATION, Reach.CONTRACT):
        owner = organisation.id if organisation is not None else None
        if contract is not None:
            owner = contract.organisation_id if owner is None else owner
            if contract.organisation_id != owner:
                raise NotFound("Ce contrat n'existe pas dans cette organisation.")
        if owner is not None and owner != identity.organisation_id:
            raise NotFound("Introuvable dans votre organisation.")
        if contract is not None and not sees_contract(identity, contract):
            raise NotFound("Ce contrat n'existe pas dans cette organisation.")
    if not identity.roles & right.roles:
        held = ", ".join(sorted(ROLES[r] for r in identity.roles)) or "aucun rôle"
        raise Forbidden(f"Votre rôle ({held}) ne permet pas de {right.label}.", action=action)
    if right.reach is Reach.CONTRACT and contract is None and not identity.roles & STAFF:
        # A concessionnaire acts on one of its contracts, named: never on all of them.
        raise Forbidden(
            f"Précisez le contrat : un concessionnaire ne peut {right.label} que"
            " pour ses propres contrats.",
            action=action,
        )
    return identity


def can(
    identity: Identity | None,
    action: str,
    *,
    organisation: OrganisationRef | None = None,
    contract: ContractRef | None = None,
) -> bool:
    """Whether ``require`` would let the identity do it (to show a button or not)."""
    try:
        require(identity, action, organisation=organisation, contract=contract)
    except (NotSignedIn, NotFound, Forbidden):
        return False
    return True


def sees_contract(identity: Identity, contract: ContractRef) -> bool:
    """Whether a contract exists for the identity: one of its organisation's, and for a
    concessionnaire one it holds."""
    if identity.operator:
        return True
    if contract.organisation_id != identity.organisation_id:
        return False
    return bool(identity.roles & STAFF) or contract.id in identity.contract_ids


def visible_contracts(identity: Identity) -> frozenset[int] | None:
    """The contracts a list may show beyond the organisation filter: None for all of them
    (the organisation's staff, the operator), else the concessionnaire's own."""
    if identity.operator or identity.roles & STAFF:
        return None
    return identity.contract_ids


# -- rules beyond roles ---------------------------------------------------------------------


def person(actor: str) -> str:
    """The person behind an actor's name as written down: an address, without the token it
    acted through (« a@b.fr (jeton 3) » is a@b.fr), folded."""
    return actor.split(" (jeton ", 1)[0].strip().casefold()


def require_approval(identity: Identity | None, author: str) -> Identity:
    """A version is approved by a library approver who is not its author (through a token
    of theirs neither): Forbidden otherwise."""
    identity = require(identity, "approve_version")
    if person(author) == person(identity.actor):
        raise Forbidden(
            "Une version ne peut pas être approuvée par son auteur : un autre approbateur doit"
            " la relire.",
            action="approve_version",
        )
    return identity


def require_delivery(
    identity: Identity | None, contract: ContractRef, *, backdated: bool
) -> Identity:
    """Who may deliver for a contract: its manager or its concessionnaire; an earlier
    reception time than now (a file received by mail) is the contract manager's alone."""
    identity = require(identity, "upload_delivery", contract=contract)
    if backdated:
        require(identity, "backdate_delivery", contract=contract)
    return identity


def delivery_sender(identity: Identity) -> tuple[str, str]:
    """The sender of a delivery and the side it delivers for (``titulaire`` or ``acheteur``,
    as ``record_delivery`` takes them), from the identity — never from a form field."""
    side = "acheteur" if identity.operator or identity.roles & STAFF else "titulaire"
    return identity.actor, side


class TokenRef(Protocol):
    """What the rights need of an API token."""

    user_id: int
    organisation_id: int


def require_token_management(identity: Identity | None, token: TokenRef) -> Identity:
    """A user manages their own tokens; the organisation's admin manages all of them."""
    organisation = _Org(token.organisation_id)
    if identity is not None and identity.user_id is not None and token.user_id == identity.user_id:
        return require(identity, "manage_own_tokens", organisation=organisation)
    return require(identity, "manage_tokens", organisation=organisation)


@dataclass(frozen=True)
class _Org:
    id: int


class MemberRef(Protocol):
    """What the rights need of a user whose account an admin changes."""

    id: int


def require_member_change(
    identity: Identity | None,
    member: MemberRef,
    organisation: OrganisationRef,
    change: str,
    *,
    organisations_held: frozenset[int] = frozenset(),
    role: str | None = None,
) -> Identity:
    """What an organisation's admin may change of a member (``change``: ``role``,
    ``revoke``, ``disable`` or ``enable``): not take away their own admin role nor disable
    themselves (the organisation would keep no admin to undo it); not disable nor enable an
    account that also holds roles in another organisation (``organisations_held``), which
    is the whole deployment's — the operator's, at the command line."""
    identity = require(identity, "manage_users", organisation=organisation)
    if identity.operator:
        return identity
    own = member.id == identity.user_id
    if own and (change == "disable" or (change == "revoke" and role == Role.ADMIN)):
        raise Forbidden(
            "Vous ne pouvez pas vous retirer le rôle d'administrateur ni désactiver votre propre"
            " compte : un autre administrateur doit le faire.",
            action="manage_users",
        )
    if change in ("disable", "enable") and organisations_held - {organisation.id}:
        raise Forbidden(
            "Ce compte a aussi des rôles dans une autre organisation : retirez-lui ses rôles"
            " ici ; seul l'exploitant de Clausier peut le désactiver ou le réactiver.",
            action="manage_users",
        )
    return identity
