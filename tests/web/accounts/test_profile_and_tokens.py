"""« Mon compte »: the password change, and the API tokens — shown once, usable as
``Authorization: Bearer``, revoked (service/web/account.py)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from service.accounts.models import ApiToken, AuditEntry
from service.accounts.tokens import create_token
from service.accounts.users import get_user, set_password
from service.auth import current_identity
from service.errors import NotSignedIn
from tests.accounts.factories import OPERATOR, PASSWORD, make_user
from tests.web.accounts.conftest import Browser, Valbrune, plain, session_of

NEW_PASSWORD = "Réverbère-Bleu-2027"
SECRET = re.compile(r'id="secret"[^>]*>(clausier_[A-Za-z0-9_-]+)</textarea>')


def _bearer_identity(app: Flask, secret: str):  # type: ignore[no-untyped-def]
    """The identity a request carrying this token stands for."""
    with app.test_request_context(
        "/api/organisations", headers={"Authorization": f"Bearer {secret}"}
    ):
        return current_identity()


def _change_password(
    browser: Browser, current: str, new: str, confirmation: str | None = None
) -> TestResponse:
    """Send the password form of « Mon compte »."""
    return browser.submit(
        "/compte",
        "/compte/mot-de-passe",
        current_password=current,
        password=new,
        confirmation=new if confirmation is None else confirmation,
    )


def test_changing_the_password_needs_the_current_one_and_the_rule(
    browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("achat@valbrune.fr")
    refused = _change_password(browser, "pas le bon", NEW_PASSWORD)
    assert refused.status_code == 422
    assert "mot de passe actuel incorrect" in plain(refused.get_data(as_text=True))
    mismatch = _change_password(browser, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert mismatch.status_code == 422
    assert "la confirmation diffère" in plain(mismatch.get_data(as_text=True))
    weak = _change_password(browser, PASSWORD, "court")
    assert weak.status_code == 422
    assert "au moins 12 caractères" in plain(weak.get_data(as_text=True))
    done = _change_password(browser, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303
    assert "Votre mot de passe a été changé" in browser.page("/compte")
    browser.submit("/compte", "/deconnexion")
    assert browser.sign_in("achat@valbrune.fr", PASSWORD).status_code == 401
    assert browser.sign_in("achat@valbrune.fr", NEW_PASSWORD).status_code == 303


def test_a_token_is_shown_once_works_as_bearer_and_stops_when_revoked(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("admin@valbrune.fr")
    created = browser.submit(
        "/compte/jetons", "/compte/jetons", name="tableau de bord", role="acheteur"
    )
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(created.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert "il ne sera plus jamais affiché" in plain(created.get_data(as_text=True))
    listing = browser.page("/compte/jetons")
    assert secret not in listing and secret[:15] in listing  # its start only, to recognise it
    assert "jamais utilisé" in listing

    identity = _bearer_identity(app, secret)
    assert identity is not None and identity.via == "token"
    assert identity.email == "admin@valbrune.fr" and identity.roles == {"acheteur"}
    assert identity.organisation_slug == "valbrune"
    assert "jamais utilisé" not in browser.page("/compte/jetons")  # the last use is shown

    with session_of(app) as session:
        token_id = session.query(ApiToken.id).scalar()
    revoked = browser.submit("/compte/jetons", f"/compte/jetons/{token_id}/revoquer")
    assert revoked.status_code == 303
    assert "révoqué" in browser.page("/compte/jetons")
    try:
        _bearer_identity(app, secret)
    except NotSignedIn as error:
        assert "révoqué" in error.detail
    else:
        raise AssertionError("a revoked token still signs in")


def test_a_token_is_refused_for_a_role_not_held_or_a_past_expiry(
    browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("achat@valbrune.fr")
    page = browser.page("/compte/jetons")
    assert '<option value="acheteur"' in page and '<option value="admin"' not in page
    forged = browser.submit("/compte/jetons", "/compte/jetons", name="x", role="admin")
    assert forged.status_code == 422
    assert "rôle « admin » non détenu" in plain(forged.get_data(as_text=True))
    past = browser.submit(
        "/compte/jetons", "/compte/jetons", name="x", role="acheteur", expires="2020-01-01"
    )
    assert past.status_code == 422
    assert "date d'expiration à venir" in plain(past.get_data(as_text=True))
    garbled = browser.submit(
        "/compte/jetons", "/compte/jetons", name="x", role="acheteur", expires="demain"
    )
    assert garbled.status_code == 422
    assert "illisible" in plain(garbled.get_data(as_text=True))
    dated = browser.submit(
        "/compte/jetons", "/compte/jetons", name="x", role="acheteur", expires="2099-12-31"
    )
    assert dated.status_code == 201 and "31 décembre 2099" in plain(browser.page("/compte/jetons"))


def test_an_admin_revokes_any_token_of_the_organisation_a_member_only_theirs(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    with session_of(app) as session:
        achat = get_user(session, "achat@valbrune.fr")
        admin = get_user(session, "admin@valbrune.fr")
        theirs = create_token(
            session, achat, valbrune.organisation, "acheteur", name="script", by=OPERATOR
        ).token.id
        admins = create_token(
            session, admin, valbrune.organisation, "admin", name="admin", by=OPERATOR
        ).token.id
        stranger = make_user(session, "x@montclair.fr", valbrune.other, "acheteur")
        foreign = create_token(
            session, stranger, valbrune.other, "acheteur", name="ailleurs", by=OPERATOR
        ).token.id
        session.commit()
    browser.sign_in("achat@valbrune.fr")
    assert "Jetons des autres membres" not in browser.page("/compte/jetons")
    refused = browser.submit("/compte/jetons", f"/compte/jetons/{admins}/revoquer")
    assert refused.status_code == 403
    unknown = browser.submit("/compte/jetons", f"/compte/jetons/{foreign}/revoquer")
    assert unknown.status_code == 404  # another organisation's token does not exist here
    huge = browser.submit("/compte/jetons", "/compte/jetons/99999999999999/revoquer")
    assert huge.status_code == 404
    browser.submit("/compte", "/deconnexion")
    browser.sign_in("admin@valbrune.fr")
    page = browser.page("/compte/jetons")
    assert "Jetons des autres membres" in page and "achat@valbrune.fr" in page
    assert browser.submit("/compte/jetons", f"/compte/jetons/{theirs}/revoquer").status_code == 303
    with session_of(app) as session:
        assert session.get(ApiToken, theirs).revoked_by == "admin@valbrune.fr"
        assert session.get(ApiToken, foreign).revoked_at is None


def test_password_changes_are_limited_per_address_with_a_french_429(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    app.config["SIGNIN_RATE_LIMIT"] = "2 per minute"
    browser.sign_in("achat@valbrune.fr")
    for _ in range(2):
        response = browser.submit(
            "/compte", "/compte/mot-de-passe", current_password="devine", password="x"
        )
        assert response.status_code == 422
    response = browser.submit(
        "/compte", "/compte/mot-de-passe", current_password="devine", password="x"
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "Trop de tentatives depuis votre adresse réseau" in plain(response.text)


def test_a_password_change_ends_the_sessions_begun_before_it_but_not_this_one(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    """Whoever knew the former password (a session left open elsewhere) is signed out; the
    person who changed it goes on."""
    elsewhere = Browser(app.test_client())
    elsewhere.sign_in("achat@valbrune.fr")
    assert "Mon compte" in elsewhere.page("/compte")
    browser.sign_in("achat@valbrune.fr")
    done = _change_password(browser, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303
    assert "Vos sessions ouvertes ailleurs sont fermées" in browser.page("/compte")
    ended = elsewhere.client.get("/compte")
    assert ended.status_code == 303 and "/connexion" in ended.headers["Location"]
    assert "le mot de passe du compte a changé" in plain(
        elsewhere.client.get(ended.headers["Location"]).get_data(as_text=True)
    )
    # Signed out for good: signing in again with the new password works, the old one not.
    assert elsewhere.sign_in("achat@valbrune.fr", PASSWORD).status_code == 401
    assert elsewhere.sign_in("achat@valbrune.fr", NEW_PASSWORD).status_code == 303


def test_an_administrator_s_reset_ends_the_user_s_sessions(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("achat@valbrune.fr")
    assert browser.client.get("/compte").status_code == 200
    with session_of(app) as session:
        user = get_user(session, "achat@valbrune.fr")
        set_password(session, user, NEW_PASSWORD, by=OPERATOR)
        session.commit()
    assert browser.client.get("/compte").status_code == 303


def test_closing_my_other_sessions_keeps_this_one_and_is_journaled(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    elsewhere = Browser(app.test_client())
    elsewhere.sign_in("achat@valbrune.fr")
    browser.sign_in("achat@valbrune.fr")
    page = browser.page("/compte")
    assert "Fermer mes autres sessions" in page
    assert browser.submit("/compte", "/compte/sessions").status_code == 303
    assert "Vos sessions ouvertes sur d'autres navigateurs sont fermées" in browser.page("/compte")
    assert elsewhere.client.get("/compte").status_code == 303
    with session_of(app) as session:
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert "sessions_ended" in actions
    # Without the form token, nothing is closed.
    assert browser.client.post("/compte/sessions").status_code in (400, 403)
