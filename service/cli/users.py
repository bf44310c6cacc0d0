"""``clausier users …``, ``clausier tokens …`` and ``clausier organisations …``: the first
admin, the accounts and their roles, API tokens, and the organisations they belong to — from
a terminal, as the deployment's operator (every act written to the audit log under « ligne de
commande (user) »)."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.identity import Identity, operator_identity
from service.accounts.models import ROLES
from service.cli import fail
from service.errors import ClausierError
from service.extensions import state
from service.french import PARIS, french_datetime

#: Exit code of a refusal: unknown user, organisation or contract, weak password, bad role…
EXIT_REFUSED = 2

ROLE = click.Choice(list(ROLES))


def _operator() -> Identity:
    """The operator at this terminal, as the audit log names them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        name = "inconnu"
    return operator_identity(name)


def _error_text(error: ClausierError) -> str:
    """An error's French message with its field errors, one a line."""
    details = [f"\n  {e['field']} : {e['message']}" for e in getattr(error, "errors", [])]
    return error.detail + "".join(details)


@contextmanager
def _transaction() -> Iterator[Session]:
    """A session committed on success; a refusal is printed in French, exit 2."""
    try:
        with state().db.session() as session:
            yield session
    except ClausierError as error:
        fail(_error_text(error), EXIT_REFUSED)


def _password_from_stdin() -> str:
    """The password on standard input's first line (never on the command line, where `ps`
    and the shell history would show it)."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail("Aucun mot de passe lu sur l'entrée standard.", EXIT_REFUSED)
    return line


def _contracts(session: Session, organisation_id: int, references: tuple[str, ...]) -> list:
    """The organisation's contracts of these references; exit 2 naming an unknown one."""
    from service.deliveries.models import Contract

    found = []
    for reference in references:
        contract = session.scalar(
            select(Contract).where(
                Contract.organisation_id == organisation_id, Contract.reference == reference
            )
        )
        if contract is None:
            fail(f"Aucun contrat « {reference} » dans cette organisation.", EXIT_REFUSED)
        found.append(contract)
    return found


# -- users --------------------------------------------------------------------------------


@click.group("users", cls=AppGroup, help="Comptes des utilisateurs et leurs rôles.")
def users_group() -> None:
    """User commands."""


ORGANISATION = click.option("--organisation", "slug", required=True, help="Identifiant.")
CONTRACTS = click.option(
    "--contract",
    "references",
    multiple=True,
    help="Contrat auquel un concessionnaire est limité (répétable).",
)


@users_group.command("create", help="Crée un compte avec un rôle dans une organisation.")
@click.argument("email")
@ORGANISATION
@click.option("--role", required=True, type=ROLE)
@click.option("--name", "display_name", default="", help="Nom affiché.")
@CONTRACTS
@click.option("--password-stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard.")
def users_create(
    email: str,
    slug: str,
    role: str,
    display_name: str,
    references: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create a user holding one role (the first admin, a demo account…)."""
    from service.accounts.users import create_user, grant_role
    from service.organisations import get_organisation

    password = _password_from_stdin() if password_stdin else None
    by = _operator()
    with _transaction() as session:
        organisation = get_organisation(session, slug)
        contracts = _contracts(session, organisation.id, references)
        user = create_user(session, email, by=by, display_name=display_name, password=password)
        grant_role(session, user, organisation, role, by=by, contracts=contracts)
        address = user.email
    click.echo(f"Compte créé : {address}, rôle « {role} » dans « {slug} ».")
    if password is None:
        click.echo(
            "  Sans mot de passe local : connexion par OpenID Connect, ou donnez-en un avec"
            " « clausier users password --password-stdin »."
        )


@users_group.command("invite", help="Invite une adresse à prendre un rôle (lien à usage unique).")
@click.argument("email")
@ORGANISATION
@click.option("--role", required=True, type=ROLE)
@CONTRACTS
def users_invite(email: str, slug: str, role: str, references: tuple[str, ...]) -> None:
    """Create an invitation and print its secret, this once."""
    from service.accounts.invitations import invite
    from service.organisations import get_organisation

    with _transaction() as session:
        organisation = get_organisation(session, slug)
        contracts = _contracts(session, organisation.id, references)
        invitation, secret = invite(
            session, email, organisation, role, by=_operator(), contracts=contracts
        )
        address, expires = invitation.email, invitation.expires_at
    click.echo(
        f"Invitation de {address}, rôle « {role} » dans « {slug} », valable jusqu'au"
        f" {french_datetime(expires)}."
    )
    click.echo("Secret d'invitation (affiché cette seule fois, à transmettre à la personne) :")
    click.echo(secret)


@users_group.command("role", help="Donne un rôle (ou le retire avec --remove).")
@click.argument("email")
@ORGANISATION
@click.option("--role", required=True, type=ROLE)
@CONTRACTS
@click.option("--remove", is_flag=True, help="Retire le rôle au lieu de le donner.")
def users_role(email: str, slug: str, role: str, references: tuple[str, ...], remove: bool) -> None:
    """Grant or revoke a role in an organisation."""
    from service.accounts.users import get_user, grant_role, revoke_role
    from service.organisations import get_organisation

    by = _operator()
    with _transaction() as session:
        organisation = get_organisation(session, slug)
        user = get_user(session, email)
        if remove:
            held = revoke_role(session, user, organisation, role, by=by)
        else:
            contracts = _contracts(session, organisation.id, references)
            grant_role(session, user, organisation, role, by=by, contracts=contracts)
        address = user.email
    if remove:
        verb = "retiré" if held else "n'était pas détenu"
        click.echo(f"Rôle « {role} » de {address} dans « {slug} » : {verb}.")
    else:
        click.echo(f"Rôle « {role} » donné à {address} dans « {slug} ».")


@users_group.command("password", help="Donne un mot de passe local (lu sur l'entrée standard).")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, required=True, help="Obligatoire.")
def users_password(email: str, password_stdin: bool) -> None:
    """Set a user's local password; their failed sign-ins are forgotten."""
    from service.accounts.users import get_user, set_password

    password = _password_from_stdin()
    with _transaction() as session:
        user = get_user(session, email)
        set_password(session, user, password, by=_operator())
        address = user.email
    click.echo(f"Mot de passe de {address} enregistré.")


@users_group.command("disable", help="Désactive un compte (ni connexion ni jeton ; rien d'effacé).")
@click.argument("email")
def users_disable(email: str) -> None:
    """Disable a user."""
    from service.accounts.users import disable_user, get_user

    with _transaction() as session:
        user = get_user(session, email)
        disable_user(session, user, by=_operator())
        address = user.email
    click.echo(f"Compte {address} désactivé.")


@users_group.command("enable", help="Réactive un compte et lève son verrouillage.")
@click.argument("email")
def users_enable(email: str) -> None:
    """Enable a user again, lock-out lifted."""
    from service.accounts.users import enable_user, get_user

    with _transaction() as session:
        user = get_user(session, email)
        enable_user(session, user, by=_operator())
        address = user.email
    click.echo(f"Compte {address} actif.")


@users_group.command("list", help="Liste les comptes (d'une organisation avec --organisation).")
@click.option("--organisation", "slug", help="Identifiant de l'organisation.")
def users_list(slug: str | None) -> None:
    """Print every user with their roles."""
    from service.accounts.users import list_users
    from service.deliveries.models import Contract
    from service.organisations import get_organisation

    with _transaction() as session:
        organisation = get_organisation(session, slug) if slug else None
        users = list_users(session, organisation)
        references = {i: r for i, r in session.execute(select(Contract.id, Contract.reference))}
        for user in users:
            flags = " [désactivé]" if user.disabled else ""
            if user.locked_until and user.locked_until > dt.datetime.now(dt.UTC):
                flags += " [verrouillé]"
            roles = ", ".join(
                f"{m.organisation.slug}:{m.role}"
                + (
                    f" ({', '.join(references[c.contract_id] for c in m.contracts)})"
                    if m.contracts
                    else ""
                )
                for m in user.memberships
                if organisation is None or m.organisation_id == organisation.id
            )
            click.echo(f"{user.email}  {user.display_name}{flags}  {roles or '(aucun rôle)'}")
    if not users:
        click.echo("Aucun compte.")


# -- tokens -------------------------------------------------------------------------------


@click.group("tokens", cls=AppGroup, help="Jetons d'API (programmes, scripts de dépôt).")
def tokens_group() -> None:
    """API token commands."""


@tokens_group.command("create", help="Crée un jeton et l'affiche, cette seule fois.")
@click.argument("email")
@ORGANISATION
@click.option("--role", required=True, type=ROLE, help="Un rôle que le compte détient.")
@click.option("--name", required=True, help="À quoi sert le jeton.")
@click.option("--expires", help="Dernier jour de validité, AAAA-MM-JJ (heure de Paris).")
def tokens_create(email: str, slug: str, role: str, name: str, expires: str | None) -> None:
    """Create an API token and print its secret."""
    from service.accounts.tokens import create_token
    from service.accounts.users import get_user
    from service.organisations import get_organisation

    expires_at = None
    if expires:
        try:
            day = dt.date.fromisoformat(expires)
        except ValueError:
            fail(f"Date illisible « {expires} » : écrivez AAAA-MM-JJ.", EXIT_REFUSED)
        # valid through that whole day in Paris
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=PARIS)
        expires_at = midnight.astimezone(dt.UTC)
    with _transaction() as session:
        organisation = get_organisation(session, slug)
        user = get_user(session, email)
        issued = create_token(
            session, user, organisation, role, name=name, by=_operator(), expires_at=expires_at
        )
        number = issued.token.id
    until = f", jusqu'au {french_datetime(expires_at)}" if expires_at else ", sans expiration"
    click.echo(f"Jeton n° {number} « {name} » : {email}, rôle « {role} » dans « {slug} »{until}.")
    click.echo("Secret (affiché cette seule fois ; seule son empreinte est conservée) :")
    click.echo(issued.secret)


@tokens_group.command("revoke", help="Révoque un jeton (définitivement).")
@click.argument("number", type=int)
def tokens_revoke(number: int) -> None:
    """Revoke a token by its number."""
    from service.accounts.tokens import get_token, revoke_token

    with _transaction() as session:
        revoked = revoke_token(session, get_token(session, number), by=_operator())
    click.echo(f"Jeton n° {number} {'révoqué' if revoked else 'déjà révoqué'}.")


@tokens_group.command("list", help="Liste les jetons (jamais leur secret).")
@click.option("--organisation", "slug", help="Identifiant de l'organisation.")
@click.option("--user", "email", help="Adresse du compte.")
def tokens_list(slug: str | None, email: str | None) -> None:
    """Print tokens with their state and last use."""
    from service.accounts.tokens import list_tokens, token_state
    from service.accounts.users import get_user
    from service.organisations import get_organisation

    with _transaction() as session:
        organisation = get_organisation(session, slug) if slug else None
        user = get_user(session, email) if email else None
        tokens = list_tokens(session, organisation, user)
        for token in tokens:
            used = french_datetime(token.last_used_at) or "jamais utilisé"
            click.echo(
                f"n° {token.id}  {token.prefix}…  « {token.name} »  {token.user.email}"
                f"  {token.organisation.slug}:{token.role}  {token_state(token)}  ({used})"
            )
    if not tokens:
        click.echo("Aucun jeton.")


# -- organisations --------------------------------------------------------------------------


@click.group("organisations", cls=AppGroup, help="Organisations servies (acheteurs).")
def organisations_group() -> None:
    """Organisation commands."""


@organisations_group.command("create", help="Crée une organisation (SIREN, SIRET facultatifs).")
@click.argument("slug")
@click.argument("name")
@click.option("--siren", help="9 chiffres.")
@click.option("--siret", help="14 chiffres (donne le SIREN).")
def organisations_create(slug: str, name: str, siren: str | None, siret: str | None) -> None:
    """Create an organisation, or find it again under the same name."""
    from service.accounts import audit
    from service.organisations import create_organisation, set_identifiers

    by = _operator()
    with _transaction() as session:
        organisation, created = create_organisation(session, slug, name)
        if siren or siret:
            set_identifiers(session, organisation, siren=siren, siret=siret)
            audit.record_by(
                session,
                by,
                "organisation_identified",
                organisation_id=organisation.id,
                object=f"organisation:{organisation.id}",
                detail={"siren": organisation.siren, "siret": organisation.siret},
            )
    click.echo(f"Organisation « {slug} » {'créée' if created else 'déjà connue'}.")


@organisations_group.command("list", help="Liste les organisations.")
def organisations_list() -> None:
    """Print every organisation with its identifiers."""
    from service.organisations import list_organisations

    with _transaction() as session:
        for organisation in list_organisations(session):
            ids = " ".join(
                f"{label} {value}"
                for label, value in (("SIREN", organisation.siren), ("SIRET", organisation.siret))
                if value
            )
            click.echo(f"{organisation.slug}  {organisation.name}  {ids}".rstrip())
