"""A page offers an action (button, link, form) only to who may take it: a buyer reads a
clause without « Créer une nouvelle version », a concessionnaire reads the library without
« Nouvelle clause », the author of a draft is not offered to approve it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.accounts.models import Role
from service.library.models import CONTENT_FIELDS
from service.library.store import add_version, get_version
from tests.conftest import clausier
from tests.deliveries.factories import make_contract, make_obligation, make_organisation
from tests.members import AGENT, MemberClient, make_member, signed_in
from tests.web.conftest import plain_spaces

DRAFT = "/clauses/open-data-test"  # its only version is a draft by « DSI — pôle architecture »
IN_FORCE = "/clauses/reversibilite-test"  # v2 approved, v1 retired
CONTRACT = "/organisations/valbrune/contrats/EP-2024-01"


def _as(app: Flask, email: str, *roles: Role, contracts: tuple[object, ...] = ()) -> MemberClient:
    """A client signed in as a member of the test organisation holding only these roles."""
    with clausier(app).db.sessions() as session:
        held = tuple(session.merge(contract) for contract in contracts)
        member = make_member(session, email, tuple(role.value for role in roles), contracts=held)
    return signed_in(app, member)


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return plain_spaces(response.get_data(as_text=True))


def test_a_buyer_reads_a_clause_without_the_editors_actions(
    app: Flask, small_library: Path
) -> None:
    buyer = _as(app, "acheteuse@valbrune.test", Role.ACHETEUR)
    for url in (DRAFT, IN_FORCE, IN_FORCE + "/versions/1"):
        html = _page(buyer, url)
        assert "Créer une nouvelle version" not in html
        assert "créez une nouvelle version" not in html
        assert "Modifier" not in html
        assert "Approuver la version" not in html
        assert "Abandonner ce projet" not in html and "Retirer la version" not in html
        assert "/approve" not in html and "/retire" not in html and "/edit" not in html
        assert "Télécharger en PDF" in html  # what the buyer may do stays
    library = _page(buyer, "/")
    assert "Nouvelle clause" not in library
    assert "Préparer une annexe avec la sélection" in library


def test_an_editor_drafts_but_does_not_approve(app: Flask, small_library: Path) -> None:
    editor = _as(app, "redactrice@valbrune.test", Role.LIBRARY_EDITOR)
    html = _page(editor, DRAFT)
    assert "Créer une nouvelle version" in html and "Modifier ce projet" in html
    assert "Approuver la version" not in html and "Abandonner ce projet" not in html
    assert "Nouvelle clause" in _page(editor, "/")
    # Nor does an editor prepare annexes: no selection to make in the library.
    assert "Préparer une annexe avec la sélection" not in _page(editor, "/")
    assert 'name="clause"' not in _page(editor, "/")


def test_an_approver_approves_and_retires_but_does_not_draft(
    app: Flask, small_library: Path
) -> None:
    approver = _as(app, "approbateur@valbrune.test", Role.LIBRARY_APPROVER)
    draft = _page(approver, DRAFT)
    assert "Approuver la version 1" in draft and "Abandonner ce projet" in draft
    assert "Créer une nouvelle version" not in draft
    assert "Retirer la version 2" in _page(approver, IN_FORCE)


def test_the_author_of_a_draft_is_not_offered_to_approve_it(
    app: Flask, client: FlaskClient, small_library: Path
) -> None:
    with clausier(app).db.session() as session:
        shown = get_version(session, "reversibilite-test", 2)
        content = {field: getattr(shown, field) for field in CONTENT_FIELDS}
        add_version(session, "reversibilite-test", content, author=AGENT, change_note="Relue.")
    html = _page(client, IN_FORCE + "/versions/3")
    assert "Approuver la version 3" not in html
    assert "un autre approbateur de la bibliothèque doit le relire" in html
    assert "Abandonner ce projet" in html  # its author may still abandon it
    # The same draft, read by another approver: the form is there.
    other = _as(app, "relectrice@valbrune.test", Role.LIBRARY_APPROVER)
    assert "Approuver la version 3" in _page(other, IN_FORCE + "/versions/3")


def test_a_concessionnaire_reads_the_library_and_its_contract_without_staff_actions(
    app: Flask, small_library: Path
) -> None:
    with clausier(app).db.session() as session:
        contract = make_contract(
            session,
            make_organisation(session),
            start=dt.date(2025, 1, 1),
            end=dt.date(2026, 12, 31),
        )
        make_obligation(session, contract)
    concessionnaire = _as(
        app, "exploitant@lumiere.test", Role.CONCESSIONNAIRE, contracts=(contract,)
    )
    library = _page(concessionnaire, "/")
    assert "Nouvelle clause" not in library
    assert "Préparer une annexe avec la sélection" not in library
    assert 'href="/analyses"' not in library  # the menu offers no page it would be refused
    clause = _page(concessionnaire, IN_FORCE)
    assert "Créer une nouvelle version" not in clause and "Retirer la version" not in clause
    page = _page(concessionnaire, CONTRACT)
    assert "Déposer une livraison" in page  # its own deliveries: yes
    assert "Ajouter une donnée due" not in page and "Reprendre le tableau" not in page
    checklist = _page(concessionnaire, CONTRACT + "/reversibilite")
    assert "Cocher « " not in checklist
    amendments = _page(concessionnaire, CONTRACT + "/avenants")
    assert "Enregistrer un avenant" not in amendments
    dashboard = _page(concessionnaire, "/organisations/valbrune")
    assert "Nouveau contrat" not in dashboard and "Modèles d'annexe" not in dashboard


@pytest.mark.parametrize(
    ("role", "shown"),
    [(Role.CONTRACT_MANAGER, True), (Role.ACHETEUR, False)],
)
def test_only_the_contract_manager_is_offered_the_contracts_forms(
    app: Flask, small_library: Path, role: Role, shown: bool
) -> None:
    with clausier(app).db.session() as session:
        contract = make_contract(
            session,
            make_organisation(session),
            start=dt.date(2025, 1, 1),
            end=dt.date(2026, 12, 31),
        )
        make_obligation(session, contract)
    member = _as(app, f"{role.value}@valbrune.test", role)
    page = _page(member, CONTRACT)
    for action in ("Déposer une livraison", "Ajouter une donnée due", "Reprendre le tableau"):
        assert (action in page) is shown, action
    assert ("Cocher « " in _page(member, CONTRACT + "/reversibilite")) is shown
    assert ("Enregistrer un avenant" in _page(member, CONTRACT + "/avenants")) is shown
    assert ("Nouveau contrat" in _page(member, "/organisations/valbrune")) is shown


def test_a_member_who_may_read_analyses_but_not_analyse_gets_no_upload_form(
    app: Flask,
) -> None:
    editor = _as(app, "redactrice@valbrune.test", Role.LIBRARY_EDITOR)
    html = _page(editor, "/analyses")
    assert 'id="upload-form"' not in html
    assert "Votre rôle ne permet pas d'analyser un document" in html
    buyer = _as(app, "acheteuse@valbrune.test", Role.ACHETEUR)
    assert 'id="upload-form"' in _page(buyer, "/analyses")
