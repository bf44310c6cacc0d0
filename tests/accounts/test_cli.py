"""``clausier users|tokens|organisations …`` end to end (service/cli/users.py): French
messages, exit 0 or 2, what they write read back through the domain."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from service.accounts.invitations import accept_invitation
from service.accounts.models import AuditEntry, User
from service.accounts.signin import attempt_sign_in
from service.accounts.tokens import token_identity
from service.errors import NotSignedIn
from service.organisations import get_organisation
from tests.accounts.factories import PASSWORD
from tests.conftest import clausier
from tests.deliveries.factories import make_contract


def _run(runner: FlaskCliRunner, *args: str, input: str | None = None, code: int = 0) -> str:
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def valbrune(runner: FlaskCliRunner) -> str:
    _run(runner, "organisations", "create", "valbrune", "Commune de Valbrune")
    return "valbrune"


def test_organisations_are_created_with_a_checked_siret(runner: FlaskCliRunner) -> None:
    out = _run(runner, "organisations", "create", "toulouse", "Mairie", "--siret", "21310555400017")
    assert "Organisation « toulouse » créée." in out
    assert "toulouse  Mairie  SIREN 213105554 SIRET 21310555400017" in _run(
        runner, "organisations", "list"
    )
    refused = _run(runner, "organisations", "create", "x", "X", "--siret", "21310555400018", code=2)
    assert "SIRET invalide (14 chiffres, clé de Luhn)" in refused
    assert "x  X" not in _run(runner, "organisations", "list")  # nothing written


def test_the_first_admin_is_created_with_a_password_read_on_stdin(
    app: Flask, runner: FlaskCliRunner, valbrune: str
) -> None:
    out = _run(
        runner,
        "users",
        "create",
        "Admin@Valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "admin",
        "--name",
        "Alice Admin",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert out == "Compte créé : admin@valbrune.fr, rôle « admin » dans « valbrune ».\n"
    with clausier(app).db.session() as session:
        actions = {a: b for a, b in session.execute(select(AuditEntry.action, AuditEntry.actor))}
        assert attempt_sign_in(session, "admin@valbrune.fr", PASSWORD).user is not None
    assert set(actions) == {"user_created", "role_granted"}
    assert all(actor.startswith("ligne de commande (") for actor in actions.values())
    again = _run(
        runner,
        "users",
        "create",
        "ADMIN@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "admin",
        code=2,
    )
    assert "Un compte existe déjà pour l'adresse « admin@valbrune.fr »." in again


def test_a_refused_create_writes_nothing(app: Flask, runner: FlaskCliRunner, valbrune: str) -> None:
    weak = _run(
        runner,
        "users",
        "create",
        "a@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "acheteur",
        "--password-stdin",
        input="court\n",
        code=2,
    )
    assert "Mot de passe trop faible : il faut au moins 12 caractères" in weak
    assert "password : au moins 12 caractères" in weak
    unknown = _run(
        runner,
        "users",
        "create",
        "a@valbrune.fr",
        "--organisation",
        "nulle-part",
        "--role",
        "acheteur",
        code=2,
    )
    assert "L'organisation « nulle-part » n'existe pas." in unknown
    bad_role = _run(
        runner,
        "users",
        "create",
        "a@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "root",
        code=2,
    )
    assert "Invalid value for '--role'" in bad_role
    with clausier(app).db.session() as session:
        assert session.scalar(select(User)) is None
    assert "Aucun compte." in _run(runner, "users", "list")


def test_roles_are_given_listed_and_taken_away(runner: FlaskCliRunner, valbrune: str) -> None:
    _run(runner, "users", "create", "d@valbrune.fr", "--organisation", valbrune, "--role", "dpo")
    out = _run(
        runner,
        "users",
        "role",
        "D@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "library_approver",
    )
    assert "Rôle « library_approver » donné à d@valbrune.fr dans « valbrune »." in out
    assert "valbrune:dpo, valbrune:library_approver" in _run(runner, "users", "list")
    out = _run(
        runner,
        "users",
        "role",
        "d@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "dpo",
        "--remove",
    )
    assert "Rôle « dpo » de d@valbrune.fr dans « valbrune » : retiré." in out
    listing = _run(runner, "users", "list", "--organisation", valbrune)
    assert "valbrune:library_approver" in listing and "dpo" not in listing.split("  ", 2)[2]
    missing = _run(
        runner,
        "users",
        "role",
        "x@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "dpo",
        code=2,
    )
    assert "Aucun compte pour l'adresse « x@valbrune.fr »." in missing


def test_a_concessionnaire_is_created_for_named_contracts(
    app: Flask, runner: FlaskCliRunner, valbrune: str
) -> None:
    with clausier(app).db.session() as session:
        make_contract(session, get_organisation(session, valbrune), reference="EP-2024-01")
    refused = _run(
        runner,
        "users",
        "create",
        "depot@lumicite.fr",
        "--organisation",
        valbrune,
        "--role",
        "concessionnaire",
        code=2,
    )
    assert "donnez au moins un contrat" in refused
    unknown = _run(
        runner,
        "users",
        "create",
        "depot@lumicite.fr",
        "--organisation",
        valbrune,
        "--role",
        "concessionnaire",
        "--contract",
        "EP-0000",
        code=2,
    )
    assert "Aucun contrat « EP-0000 » dans cette organisation." in unknown
    _run(
        runner,
        "users",
        "create",
        "depot@lumicite.fr",
        "--organisation",
        valbrune,
        "--role",
        "concessionnaire",
        "--contract",
        "EP-2024-01",
    )
    assert "valbrune:concessionnaire (EP-2024-01)" in _run(runner, "users", "list")


def test_a_disabled_account_is_listed_so_and_enabled_again(
    runner: FlaskCliRunner, valbrune: str
) -> None:
    _run(runner, "users", "create", "a@valbrune.fr", "--organisation", valbrune, "--role", "dsi")
    assert "Compte a@valbrune.fr désactivé." in _run(runner, "users", "disable", "a@valbrune.fr")
    assert "[désactivé]" in _run(runner, "users", "list")
    assert "Compte a@valbrune.fr actif." in _run(runner, "users", "enable", "a@valbrune.fr")
    assert "[désactivé]" not in _run(runner, "users", "list")


def test_a_password_is_set_from_stdin(app: Flask, runner: FlaskCliRunner, valbrune: str) -> None:
    _run(runner, "users", "create", "a@valbrune.fr", "--organisation", valbrune, "--role", "dsi")
    out = _run(runner, "users", "password", "a@valbrune.fr", "--password-stdin", input=PASSWORD)
    assert "Mot de passe de a@valbrune.fr enregistré." in out
    with clausier(app).db.session() as session:
        assert attempt_sign_in(session, "a@valbrune.fr", PASSWORD).user is not None


def test_an_invitation_prints_its_secret_once_and_it_opens_the_role(
    app: Flask, runner: FlaskCliRunner, valbrune: str
) -> None:
    out = _run(
        runner,
        "users",
        "invite",
        "n@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "contract_manager",
    )
    assert "Invitation de n@valbrune.fr, rôle « contract_manager » dans « valbrune »" in out
    secret = out.strip().splitlines()[-1]
    with clausier(app).db.session() as session:
        user = accept_invitation(session, secret, password=PASSWORD)
        assert user.email == "n@valbrune.fr"
    assert "valbrune:contract_manager" in _run(runner, "users", "list")


def test_a_token_is_shown_once_listed_without_its_secret_and_revoked(
    app: Flask, runner: FlaskCliRunner, valbrune: str
) -> None:
    _run(runner, "users", "create", "a@valbrune.fr", "--organisation", valbrune, "--role", "dsi")
    out = _run(
        runner,
        "tokens",
        "create",
        "a@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "dsi",
        "--name",
        "supervision",
        "--expires",
        "2099-12-31",
    )
    assert "Jeton n° 1 « supervision » : a@valbrune.fr, rôle « dsi » dans « valbrune »" in out
    assert "jusqu'au 1er janvier 2100 à 0 h 00" in out  # the whole last day, Paris time
    secret = out.strip().splitlines()[-1]
    listing = _run(runner, "tokens", "list", "--organisation", valbrune)
    assert secret not in listing and f"{secret[:15]}…" in listing
    assert "actif  (jamais utilisé)" in listing
    with clausier(app).db.session() as session:
        assert token_identity(session, secret).roles == {"dsi"}
    assert "n° 1" in _run(runner, "tokens", "list", "--user", "a@valbrune.fr")
    assert "(jamais utilisé)" not in _run(runner, "tokens", "list")
    assert "Jeton n° 1 révoqué." in _run(runner, "tokens", "revoke", "1")
    assert "Jeton n° 1 déjà révoqué." in _run(runner, "tokens", "revoke", "1")
    assert "révoqué" in _run(runner, "tokens", "list")
    with clausier(app).db.session() as session, pytest.raises(NotSignedIn):
        token_identity(session, secret)
    assert "Aucun jeton n° 9." in _run(runner, "tokens", "revoke", "9", code=2)


def test_a_token_for_a_role_not_held_or_a_bad_date_is_refused(
    runner: FlaskCliRunner, valbrune: str
) -> None:
    _run(runner, "users", "create", "a@valbrune.fr", "--organisation", valbrune, "--role", "dsi")
    refused = _run(
        runner,
        "tokens",
        "create",
        "a@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "admin",
        "--name",
        "x",
        code=2,
    )
    assert "Jeton refusé : rôle « admin » non détenu." in refused
    late = _run(
        runner,
        "tokens",
        "create",
        "a@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "dsi",
        "--name",
        "x",
        "--expires",
        "31/12/2099",
        code=2,
    )
    assert "Date illisible « 31/12/2099 » : écrivez AAAA-MM-JJ." in late
    past = _run(
        runner,
        "tokens",
        "create",
        "a@valbrune.fr",
        "--organisation",
        valbrune,
        "--role",
        "dsi",
        "--name",
        "x",
        "--expires",
        (dt.date.today() - dt.timedelta(days=2)).isoformat(),
        code=2,
    )
    assert "date d'expiration à venir" in past
    assert "Aucun jeton." in _run(runner, "tokens", "list")
