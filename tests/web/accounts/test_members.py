"""The organisation's members page (admin only) and the acceptance of an invitation
(service/web/account_members.py)."""

from __future__ import annotations

import re

from flask import Flask

from service.accounts.models import User
from service.accounts.users import get_user, grant_role
from tests.accounts.factories import OPERATOR, PASSWORD, make_user
from tests.deliveries.factories import make_contract
from tests.web.accounts.conftest import Browser, Valbrune, plain, session_of

LINK = re.compile(r'id="invitation-link"[^>]*>http://localhost(/invitation/[^<]+)</textarea>')
NEW_PASSWORD = "Lampadaire-Orange-77"


def _invite(browser: Browser, **fields: object) -> str:
    """Invite through the members page; the path of the one-time link."""
    response = browser.submit("/organisation/membres", "/organisation/membres/inviter", **fields)
    assert response.status_code == 201, plain(response.get_data(as_text=True))[-3000:]
    match = LINK.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def test_only_the_admin_reaches_the_members_page(browser: Browser, valbrune: Valbrune) -> None:
    anonymous = browser.client.get("/organisation/membres")
    assert anonymous.status_code == 303
    assert anonymous.headers["Location"] == "/connexion?suivant=%2Forganisation%2Fmembres"
    browser.sign_in("achat@valbrune.fr")
    refused = browser.client.get("/organisation/membres")
    assert refused.status_code == 403
    assert "ne permet pas de gérer les comptes et les rôles" in plain(refused.text)
    assert browser.client.post("/organisation/membres/inviter").status_code == 400  # no token
    browser.submit("/compte", "/deconnexion")
    browser.sign_in("admin@valbrune.fr")
    page = browser.page("/organisation/membres")
    assert "achat@valbrune.fr" in page and "admin@valbrune.fr" in page


def test_an_invited_person_sets_a_password_and_joins(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("admin@valbrune.fr")
    link = _invite(browser, email="Nouvelle@Valbrune.fr", role="dpo")
    assert "nouvelle@valbrune.fr" in browser.page("/organisation/membres")  # pending
    browser.submit("/compte", "/deconnexion")

    page = browser.page(link)
    assert "délégué à la protection des données" in page and "nouvelle@valbrune.fr" in page
    mismatch = browser.submit(link, link, password=NEW_PASSWORD, confirmation="autre")
    assert mismatch.status_code == 422
    weak = browser.submit(link, link, password="court", confirmation="court")
    assert weak.status_code == 422 and "au moins 12 caractères" in plain(weak.text)
    joined = browser.submit(
        link, link, display_name="Nina Ouvrard", password=NEW_PASSWORD, confirmation=NEW_PASSWORD
    )
    assert joined.status_code == 303 and joined.headers["Location"] == "/compte"
    page = browser.page("/compte")
    assert "Nina Ouvrard" in page and "délégué à la protection des données" in page
    # the link served once
    assert browser.client.get(link).status_code == 409
    assert browser.client.get("/invitation/nimportequoi").status_code == 404
    browser.submit("/compte", "/deconnexion")
    assert browser.sign_in("nouvelle@valbrune.fr", NEW_PASSWORD).status_code == 303


def test_an_invitation_never_sets_the_password_of_an_existing_account(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    with session_of(app) as session:
        make_user(session, "elu@montclair.fr", valbrune.other, "acheteur")
        session.commit()
    browser.sign_in("admin@valbrune.fr")
    link = _invite(browser, email="elu@montclair.fr", role="acheteur")
    browser.submit("/compte", "/deconnexion")
    page = browser.page(link)
    assert "connectez-vous avec ce compte" in page and 'name="password"' not in page
    taken = browser.submit("/connexion", link, password=NEW_PASSWORD, confirmation=NEW_PASSWORD)
    assert taken.status_code == 403
    assert browser.sign_in("elu@montclair.fr", NEW_PASSWORD).status_code == 401  # unchanged
    response = browser.sign_in("elu@montclair.fr", PASSWORD, suivant=link)
    assert response.headers["Location"] == link
    assert browser.submit(link, link).status_code == 303
    page = browser.page("/compte")
    assert "Bienvenue : vous êtes acheteur de « Commune de Valbrune »" in page
    assert "Commune de Montclair" in page  # the account keeps its other organisation


def test_a_concessionnaire_is_invited_to_named_contracts(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    with session_of(app) as session:
        contract = make_contract(session, valbrune.organisation)
        foreign = make_contract(session, valbrune.other, reference="AUTRE-1")
        session.commit()
        contract_id, foreign_id = contract.id, foreign.id
    browser.sign_in("admin@valbrune.fr")
    none = browser.submit(
        "/organisation/membres",
        "/organisation/membres/inviter",
        email="depot@lumicite.fr",
        role="concessionnaire",
    )
    assert none.status_code == 422 and "au moins un contrat" in plain(none.text)
    assert 'value="depot@lumicite.fr"' in none.text  # the form keeps what was typed
    other = browser.submit(
        "/organisation/membres",
        "/organisation/membres/inviter",
        email="depot@lumicite.fr",
        role="concessionnaire",
        contracts=str(foreign_id),
    )
    assert other.status_code == 422 and "contrat inconnu" in plain(other.text)
    garbled = browser.submit(
        "/organisation/membres",
        "/organisation/membres/inviter",
        email="depot@lumicite.fr",
        role="concessionnaire",
        contracts="1; DROP TABLE",
    )
    assert garbled.status_code == 400
    link = _invite(
        browser, email="depot@lumicite.fr", role="concessionnaire", contracts=str(contract_id)
    )
    browser.submit("/compte", "/deconnexion")
    browser.submit(link, link, password=NEW_PASSWORD, confirmation=NEW_PASSWORD)
    with session_of(app) as session:
        user = get_user(session, "depot@lumicite.fr")
        (membership,) = user.memberships
        assert membership.role == "concessionnaire"
        assert [link.contract_id for link in membership.contracts] == [contract_id]


def test_the_admin_changes_roles_and_disables_but_not_their_own_admin(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    achat = valbrune.acheteur_id
    browser.sign_in("admin@valbrune.fr")
    granted = browser.submit(
        "/organisation/membres", f"/organisation/membres/{achat}/roles", role="library_editor"
    )
    assert granted.status_code == 303
    revoked = browser.submit(
        "/organisation/membres", f"/organisation/membres/{achat}/roles/retirer", role="acheteur"
    )
    assert revoked.status_code == 303
    with session_of(app) as session:
        assert [m.role for m in session.get(User, achat).memberships] == ["library_editor"]
    unknown = browser.submit(
        "/organisation/membres", f"/organisation/membres/{achat}/roles", role="dieu"
    )
    assert unknown.status_code == 422 and "Rôle inconnu" in plain(unknown.text)

    mine = browser.submit(
        "/organisation/membres",
        f"/organisation/membres/{valbrune.admin_id}/roles/retirer",
        role="admin",
    )
    assert mine.status_code == 403
    myself = browser.submit(
        "/organisation/membres", f"/organisation/membres/{valbrune.admin_id}/desactiver"
    )
    assert myself.status_code == 403

    assert (
        browser.submit(
            "/organisation/membres", f"/organisation/membres/{achat}/desactiver"
        ).status_code
        == 303
    )
    assert "désactivé" in browser.page("/organisation/membres")
    browser.submit("/compte", "/deconnexion")
    assert browser.sign_in("achat@valbrune.fr").status_code == 401
    browser.sign_in("admin@valbrune.fr")
    enabled = browser.submit("/organisation/membres", f"/organisation/membres/{achat}/reactiver")
    assert enabled.status_code == 303
    browser.submit("/compte", "/deconnexion")
    assert browser.sign_in("achat@valbrune.fr").status_code == 303


def test_another_organisations_member_or_a_shared_account_is_out_of_reach(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    with session_of(app) as session:
        stranger = make_user(session, "x@montclair.fr", valbrune.other, "acheteur").id
        shared = make_user(session, "partage@valbrune.fr", valbrune.organisation, "acheteur")
        grant_role(session, shared, valbrune.other, "acheteur", by=OPERATOR)
        session.commit()
        shared_id = shared.id
    browser.sign_in("admin@valbrune.fr")
    for path in ("roles/retirer", "desactiver", "reactiver", "roles"):
        response = browser.submit(
            "/organisation/membres",
            f"/organisation/membres/{stranger}/{path}",
            role="acheteur",
        )
        assert response.status_code == 404, path
    refused = browser.submit(
        "/organisation/membres", f"/organisation/membres/{shared_id}/desactiver"
    )
    assert refused.status_code == 403
    assert "seul l'exploitant" in plain(refused.text)
    page = browser.page("/organisation/membres")
    assert "a aussi des rôles dans une autre organisation" in page
    assert "x@montclair.fr" not in page
