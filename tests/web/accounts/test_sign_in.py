"""The sign-in and sign-out pages, the switch between organisations, the header's menu
(service/web/account.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask, render_template, url_for
from sqlalchemy import select

from service.accounts.models import AuditEntry, User
from service.accounts.users import grant_role
from tests.accounts.factories import OPERATOR, PASSWORD
from tests.web.accounts.conftest import Browser, Valbrune, plain, session_of


def _actions(app: Flask, email: str) -> list[str]:
    with session_of(app) as session:
        return list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor == email).order_by(AuditEntry.id)
            )
        )


def test_signing_in_goes_back_to_the_page_asked_for(browser: Browser, valbrune: Valbrune) -> None:
    response = browser.client.get("/compte")
    assert response.status_code == 303
    assert response.headers["Location"] == "/connexion?suivant=%2Fcompte"
    response = browser.sign_in("ADMIN@valbrune.fr", suivant="/compte")
    assert response.status_code == 303
    assert response.headers["Location"] == "/compte"
    page = browser.page("/compte")
    assert "admin@valbrune.fr" in page and "Commune de Valbrune" in page
    assert "administrateur de l'organisation" in page


def test_a_wrong_password_is_refused_next_to_the_field_keeping_the_address(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    response = browser.sign_in("achat@valbrune.fr", "pas le bon")
    assert response.status_code == 401
    html = plain(response.get_data(as_text=True))
    assert 'value="achat@valbrune.fr"' in html
    assert 'id="password" name="password"' in html and 'aria-invalid="true"' in html
    assert "Adresse électronique ou mot de passe incorrect." in html
    assert "Lanterne" not in html  # the password typed is never sent back
    # the failure was committed before the refusal was answered
    assert _actions(app, "achat@valbrune.fr")[-1] == "signin_failed"
    assert browser.client.get("/compte").status_code == 303  # still anonymous


def test_repeated_failures_delay_then_lock_the_account_with_429(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    for _ in range(4):  # three free failures, the fourth earns a delay
        assert browser.sign_in("achat@valbrune.fr", "mauvais").status_code == 401
    response = browser.sign_in("achat@valbrune.fr", PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 2
    assert "réessayez dans" in plain(response.get_data(as_text=True))
    # ten failures in a row lock the account: even the right password is refused
    with session_of(app) as session:
        user = session.get(User, valbrune.acheteur_id)
        user.failed_signins = 9
        user.last_failed_signin_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        session.commit()
    assert browser.sign_in("achat@valbrune.fr", "mauvais").status_code == 429
    response = browser.sign_in("achat@valbrune.fr", PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 800
    assert "verrouillé" in plain(response.get_data(as_text=True))
    assert "signin_throttled" in _actions(app, "achat@valbrune.fr")


def test_too_many_sign_in_requests_from_one_address_get_429_in_french(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    app.config["SIGNIN_RATE_LIMIT"] = "3 per minute"
    for n in range(3):  # different accounts: the limit is the client address's
        assert browser.sign_in(f"inconnu{n}@valbrune.fr", "x").status_code == 401
    response = browser.sign_in("admin@valbrune.fr")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    html = plain(response.get_data(as_text=True))
    assert "Trop de tentatives depuis votre adresse réseau" in html
    assert 'value="admin@valbrune.fr"' in html
    assert browser.client.get("/connexion").status_code == 200  # reading the form is not limited


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/compte",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/%09/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_only_a_local_path_is_followed_after_signing_in(
    browser: Browser, valbrune: Valbrune, target: str
) -> None:
    response = browser.sign_in("achat@valbrune.fr", suivant=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_signing_out_needs_the_form_token_and_is_logged(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("achat@valbrune.fr")
    assert browser.client.post("/deconnexion").status_code == 400  # no token: a forged request
    assert browser.client.get("/compte").status_code == 200
    response = browser.submit("/compte", "/deconnexion")
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    assert browser.client.get("/compte").status_code == 303
    assert _actions(app, "achat@valbrune.fr")[-1] == "signed_out"


def test_signing_out_of_a_provider_session_goes_through_the_provider_sign_out(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("achat@valbrune.fr")
    with browser.client.session_transaction() as cookie:
        cookie["signed_in_with"] = "oidc"  # as web/oidc.py leaves it
    response = browser.submit("/compte", "/deconnexion")
    # No provider configured here: signed out at home, back to the library (the provider's
    # own sign-out is tested against a real provider in tests/oidc).
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert browser.client.get("/compte").status_code == 303
    assert _actions(app, "achat@valbrune.fr")[-1] == "signed_out"


def test_a_member_of_two_organisations_switches_between_them(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    with session_of(app) as session:
        user = session.get(User, valbrune.acheteur_id)
        grant_role(session, user, valbrune.other, "dpo", by=OPERATOR)
        session.commit()
    browser.sign_in("achat@valbrune.fr")
    page = browser.page("/compte")
    assert "Commune de Montclair" in page and "Agir pour cette organisation" in page
    response = browser.submit("/compte", "/compte/organisation", organisation="montclair")
    assert response.status_code == 303
    page = browser.page("/compte")
    assert "Vous agissez maintenant pour « Commune de Montclair »" in page
    assert "délégué à la protection des données" in page
    # an organisation where the user has no role is refused, in French
    response = browser.submit("/compte", "/compte/organisation", organisation="ailleurs")
    assert response.status_code == 422
    assert "Vous n'avez pas de rôle" in plain(response.get_data(as_text=True))


def test_the_header_shows_who_is_signed_in_and_the_admin_links(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    with app.test_request_context("/analyses?page=2"):
        menu = plain(render_template("_account_nav.html"))
    assert "Se connecter" in menu and "Se déconnecter" not in menu
    assert 'href="/connexion?suivant=/analyses?page%3D2"' in menu
    browser.sign_in("achat@valbrune.fr")
    page = plain(browser.client.get("/").text)
    assert "Commune de Valbrune" in page and "Mon compte" in page and "Se déconnecter" in page
    assert "/organisation/membres" not in page
    browser.submit("/compte", "/deconnexion")
    browser.sign_in("admin@valbrune.fr")
    page = plain(browser.client.get("/").text)
    assert "/organisation/membres" in page and "/organisation/journal" in page


def test_the_provider_button_shows_when_one_is_configured(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    if "oidc.start" not in app.view_functions:  # the OpenID Connect blueprint, or its stand-in
        app.add_url_rule("/oidc/start", endpoint="oidc.start", view_func=lambda: "")
    app.config["OIDC_ISSUER"] = ""
    assert "Se connecter avec" not in plain(browser.client.get("/connexion").text)
    app.config.update(OIDC_ISSUER="https://idp.example", OIDC_LABEL="Mon fournisseur")
    html = plain(browser.client.get("/connexion?suivant=/compte").text)
    assert "Se connecter avec Mon fournisseur" in html
    with app.test_request_context():
        start = url_for("oidc.start", suivant="/compte")
    assert f'href="{start}"' in html


def test_hostile_input_gets_a_french_4xx_never_a_500(browser: Browser, valbrune: Valbrune) -> None:
    nul = browser.sign_in("achat\x00@valbrune.fr", "x\x00y")
    assert nul.status_code == 401
    long = browser.sign_in("a" * 10_000 + "@valbrune.fr", "b" * 10_000, suivant="/" + "c" * 5000)
    assert long.status_code == 401
    browser.sign_in("achat@valbrune.fr")
    for fields in ({"name": "jeton\x00"}, {"name": "x" * 5000, "role": "acheteur\x00"}):
        response = browser.submit("/compte/jetons", "/compte/jetons", **fields)
        assert 400 <= response.status_code < 500, fields
        assert "Le jeton n'a pas été créé" in plain(response.text), fields
    response = browser.submit("/compte", "/compte/organisation", organisation="\x00" * 3)
    assert response.status_code == 422


def test_one_visitors_identity_never_passes_to_the_next_in_a_shared_app_context(
    app: Flask, valbrune: Valbrune
) -> None:
    """A server may run inside an application context (``clausier serve`` did, inside the
    command line's): requests then share ``g``, which must not carry who is signed in."""
    with app.app_context():
        alice = Browser(app.test_client())
        alice.sign_in("admin@valbrune.fr")
        assert alice.client.get("/compte").status_code == 200
        stranger = app.test_client()
        assert stranger.get("/compte").status_code == 303
        assert "Se déconnecter" not in plain(stranger.get("/connexion").text)


def test_the_sign_in_limit_counts_each_client_behind_a_trusted_proxy_only(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    """Behind the reverse proxy of TRUSTED_PROXIES, each client has its own count (else one
    person would lock everyone out); without one, a forged X-Forwarded-For changes nothing."""
    app.config["SIGNIN_RATE_LIMIT"] = "2 per minute"

    def attempt(forwarded_for: str) -> int:
        url = "/connexion"
        response = browser.client.post(
            url,
            data={"csrf_token": browser.token(url), "email": "x@valbrune.fr", "password": "x"},
            headers={"X-Forwarded-For": forwarded_for},
        )
        return response.status_code

    assert [attempt(f"203.0.113.{n}") for n in range(3)] == [401, 401, 429]
    app.config["TRUSTED_PROXIES"] = 1
    assert [attempt("198.51.100.7") for _ in range(3)] == [401, 401, 429]
    assert attempt("198.51.100.8") == 401
