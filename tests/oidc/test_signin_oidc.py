"""Sign-in by OpenID Connect end to end (service/web/oidc.py): a real provider (oidc-provider,
started by the fixtures), Clausier served on a real port, a browser-like HTTP session that
follows the redirects and fills in the provider's sign-in form."""

from __future__ import annotations

import base64
import html
import json
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.oidc.core import CodeIDToken
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError
from sqlalchemy import select

from service.accounts.invitations import invite
from service.accounts.models import AuditEntry, Invitation, User
from service.accounts.oidc import NO_ORGANISATION, UNVERIFIED
from service.accounts.users import create_user, grant_role
from service.organisations import ensure_organisation, set_identifiers
from service.web.oidc import EXTENSION, ID_TOKEN_KEY, id_token_options
from tests.accounts.factories import OPERATOR
from tests.conftest import clausier
from tests.oidc.conftest import ACCOUNTS, CLIENT_SECRET, IDENTITY_PATH, Served, free_port
from tests.web.conftest import plain_spaces

FORM = re.compile(r'<form[^>]*action="([^"]+)"')
ABORT = re.compile(r'href="([^"]*/abort)"')


def _prepare(served: Served) -> None:
    """Two organisations known by their SIRET; the agent of Valbrune a member there; the
    newcomer invited to the syndicate."""
    with clausier(served.app).db.session() as session:
        valbrune = ensure_organisation(session, "valbrune", "Commune de Valbrune")
        set_identifiers(session, valbrune, siren=None, siret=ACCOUNTS["agent-valbrune"]["siret"])
        syndicat = ensure_organisation(session, "syndicat", "Syndicat numérique")
        set_identifiers(session, syndicat, siren=None, siret=ACCOUNTS["invitee"]["siret"])
        for address in ("agent@valbrune.fr", "acheteuse@valbrune.fr"):
            agent = create_user(session, address, by=OPERATOR)
            grant_role(session, agent, valbrune, "acheteur", by=OPERATOR)
        invite(session, ACCOUNTS["invitee"]["email"], syndicat, "contract_manager", by=OPERATOR)


def _login_page(browser: requests.Session, served: Served, suivant: str) -> requests.Response:
    """Start at Clausier and follow the redirects to the provider's sign-in form."""
    page = browser.get(f"{served.url}/connexion/oidc", params={"suivant": suivant}, timeout=10)
    assert page.status_code == 200 and 'name="login"' in page.text, page.text[:500]
    return page


def _submit(
    browser: requests.Session, page: requests.Response, login: str, **options: bool
) -> requests.Response:
    """Fill in and send the provider's sign-in form (its development form: any password)."""
    action = urljoin(page.url, html.unescape(FORM.search(page.text).group(1)))
    form = {"prompt": "login", "login": login, "password": "peu-importe"}
    return browser.post(action, data=form, timeout=10, **options)


def sign_in(
    served: Served, login: str, suivant: str = IDENTITY_PATH
) -> tuple[requests.Session, requests.Response]:
    """A whole sign-in by a fresh browser: the session and the last page it reached."""
    browser = requests.Session()
    return browser, _submit(browser, _login_page(browser, served, suivant), login)


def _identity(browser: requests.Session, served: Served) -> dict | None:
    return browser.get(served.url + IDENTITY_PATH, timeout=10).json()["identity"]


def _audit(served: Served, action: str) -> list[AuditEntry]:
    with clausier(served.app).db.session() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by("id"))
        )


def test_an_agent_is_signed_in_in_the_organisation_of_their_siret(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    served = serve(**oidc_settings)
    _prepare(served)
    browser = requests.Session()
    start = browser.get(
        f"{served.url}/connexion/oidc", params={"suivant": IDENTITY_PATH}, allow_redirects=False
    )
    asked = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.status_code == 302 and start.headers["Location"].startswith(
        oidc_settings["OIDC_ISSUER"]
    )
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
    assert len(asked["state"][0]) == len(asked["nonce"][0]) == 43  # 256 bits each
    assert asked["response_type"] == ["code"] and asked["client_id"] == ["clausier"]
    assert asked["scope"] == ["openid email given_name usual_name siret"]
    page = browser.get(start.headers["Location"], timeout=10)
    landed = _submit(browser, page, "agent-valbrune")
    assert landed.status_code == 200 and urlsplit(landed.url).path == IDENTITY_PATH
    assert landed.json()["identity"] == {
        "email": "agent@valbrune.fr",
        "display_name": "agent",
        "organisation": "valbrune",
        "roles": ["acheteur"],
    }
    with clausier(served.app).db.session() as session:
        user = session.scalar(select(User).where(User.email == "agent@valbrune.fr"))
        assert (user.oidc_issuer, user.oidc_subject) == (
            oidc_settings["OIDC_ISSUER"],
            "agent-valbrune",
        )
    [entry] = _audit(served, "signin_succeeded")
    assert entry.detail["method"] == "oidc" and entry.detail["siret"] == "21310555400017"
    # the provider's answer serves once: played again, it is nobody's flow
    callback = next(r for r in landed.history if "/connexion/oidc/retour" in r.url)
    replay = browser.get(callback.url, timeout=10)
    assert replay.status_code == 400 and "recommencez" in plain_spaces(replay.text)


def test_an_invited_newcomer_gets_an_account_and_the_role_offered(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    served = serve(**oidc_settings)
    _prepare(served)
    _browser, landed = sign_in(served, "invitee")
    assert landed.status_code == 200
    assert landed.json()["identity"] == {
        "email": "nouvelle@syndicat-numerique.fr",
        "display_name": "Dominique Bernard",
        "organisation": "syndicat",
        "roles": ["contract_manager"],
    }
    with clausier(served.app).db.session() as session:
        invitation = session.scalar(select(Invitation))
        assert invitation.accepted_at is not None


def test_an_agent_of_no_organisation_is_refused_in_french(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    served = serve(**oidc_settings)
    _prepare(served)
    browser, landed = sign_in(served, "stranger")
    assert landed.status_code == 403
    assert NO_ORGANISATION in plain_spaces(html.unescape(landed.text))
    assert "Traceback" not in landed.text
    assert _identity(browser, served) is None
    [entry] = _audit(served, "signin_failed")
    assert (entry.actor, entry.detail["reason"]) == ("agent@ailleurs.fr", "unknown")
    with clausier(served.app).db.session() as session:
        assert session.scalar(select(User).where(User.email == "agent@ailleurs.fr")) is None


def test_a_tampered_state_or_issuer_is_refused_and_the_genuine_answer_still_signs_in(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    served = serve(**oidc_settings)
    _prepare(served)
    browser = requests.Session()
    answer = _submit(
        browser,
        _login_page(browser, served, IDENTITY_PATH),
        "agent-valbrune",
        allow_redirects=False,
    )
    while not answer.headers["Location"].startswith(served.url):  # through the provider
        answer = browser.get(answer.headers["Location"], allow_redirects=False, timeout=10)
    callback = answer.headers["Location"]
    state = parse_qs(urlsplit(callback).query)["state"][0]
    tampered = browser.get(callback.replace(state, state[:-2] + "xy"), timeout=10)
    assert tampered.status_code == 400
    assert "n'a pas été commencée dans ce navigateur" in plain_spaces(html.unescape(tampered.text))
    assert _identity(browser, served) is None
    other_issuer = callback.replace("iss=http", "iss=https")
    mixed_up = browser.get(other_issuer, timeout=10)
    assert mixed_up.status_code == 400 and _identity(browser, served) is None
    assert "n'a pas pu être vérifiée" in plain_spaces(html.unescape(mixed_up.text))
    genuine = browser.get(callback, timeout=10)
    assert genuine.json()["identity"]["email"] == "agent@valbrune.fr"


def test_a_sign_in_abandoned_at_the_provider_says_so(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    served = serve(**oidc_settings)
    _prepare(served)
    browser = requests.Session()
    page = _login_page(browser, served, IDENTITY_PATH)
    abort = urljoin(page.url, html.unescape(ABORT.search(page.text).group(1)))
    abandoned = browser.get(abort, timeout=10)
    assert abandoned.status_code == 403
    assert "a interrompu la connexion (« access_denied »)" in plain_spaces(
        html.unescape(abandoned.text)
    )
    [entry] = _audit(served, "signin_failed")
    assert entry.detail["reason"] == "provider_error:access_denied"


def test_claims_sent_as_a_signed_userinfo_jwt_are_read(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    """As with ProConnect: the claims come as a signed JWT from the userinfo endpoint, the
    address without ``email_verified`` — trusted by the setting, refused without it."""
    served = serve(**{**oidc_settings, "OIDC_CLIENT_ID": "clausier-jwt"})
    _prepare(served)
    _browser, refused = sign_in(served, "agent-proconnect")
    assert refused.status_code == 403
    assert UNVERIFIED in plain_spaces(html.unescape(refused.text))
    served.app.config["OIDC_TRUST_EMAIL"] = True
    _browser, landed = sign_in(served, "agent-proconnect")
    assert landed.json()["identity"] == {
        "email": "acheteuse@valbrune.fr",
        "display_name": "acheteuse",
        "organisation": "valbrune",
        "roles": ["acheteur"],
    }
    _browser, invited = sign_in(served, "invitee")
    assert invited.json()["identity"]["display_name"] == "Dominique Bernard"
    # the ID token carries no claim of the person: name and SIRET came from the signed JWT
    assert [e.detail["siret"] for e in _audit(served, "signin_succeeded")] == [
        ACCOUNTS["agent-proconnect"]["siret"],
        ACCOUNTS["invitee"]["siret"],
    ]


def test_only_a_local_page_is_followed_after_sign_in(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    served = serve(**oidc_settings)
    _prepare(served)
    _browser, landed = sign_in(served, "agent-valbrune", suivant="https://ailleurs.example/piege")
    assert landed.status_code == 200 and landed.url == served.url + "/"


def test_signing_out_closes_the_session_at_the_provider_too(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    served = serve(**oidc_settings)
    _prepare(served)
    browser, landed = sign_in(served, "agent-valbrune")
    token = landed.json()["csrf_token"]
    out = browser.post(
        f"{served.url}/connexion/oidc/deconnexion",
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert out.status_code == 302
    target = urlsplit(out.headers["Location"])
    asked = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        oidc_settings["OIDC_ISSUER"] + "/session/end"
    )
    assert asked["post_logout_redirect_uri"] == [served.url + "/"]
    assert asked["id_token_hint"][0].count(".") == 2
    assert _identity(browser, served) is None
    # the provider asks to confirm, then sends the browser back to Clausier
    confirm = browser.get(out.headers["Location"], timeout=10)
    action = urljoin(confirm.url, html.unescape(FORM.search(confirm.text).group(1)))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    back = browser.post(action, data={**fields, "logout": "yes"}, timeout=10)
    # back at the library, signed out: the gate shows the sign-in page, to come back there
    assert back.status_code == 200 and back.url.startswith(served.url + "/connexion?suivant=%2F")
    assert _identity(browser, served) is None


def test_without_an_issuer_there_is_no_sign_in_by_openid_connect(
    serve: Callable[..., Served],
) -> None:
    served = serve()
    assert requests.get(f"{served.url}/connexion/oidc", timeout=10).status_code == 404


def test_an_unreachable_provider_answers_a_french_502(serve: Callable[..., Served]) -> None:
    served = serve(
        OIDC_ISSUER=f"http://127.0.0.1:{free_port()}",
        OIDC_CLIENT_ID="clausier",
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )
    answer = requests.get(f"{served.url}/connexion/oidc", timeout=30)
    assert answer.status_code == 502
    assert "Le fournisseur d'identité ne répond pas" in plain_spaces(html.unescape(answer.text))


def test_a_provider_announcing_another_issuer_is_not_trusted(
    serve: Callable[..., Served], oidc_settings: dict
) -> None:
    other_name = oidc_settings["OIDC_ISSUER"].replace("127.0.0.1", "localhost")
    served = serve(**{**oidc_settings, "OIDC_ISSUER": other_name})
    answer = requests.get(f"{served.url}/connexion/oidc", allow_redirects=False, timeout=10)
    assert answer.status_code == 502
    assert "OIDC_ISSUER" in answer.text


def test_the_id_token_is_checked_signature_nonce_audience_issuer_and_expiry(
    serve: Callable[..., Served], oidc_settings: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client as Clausier registers it, with the face's claim options, refuses an ID token
    that is not for this sign-in: another nonce, a forged signature, another client, another
    issuer, an expired one."""
    served = serve(**oidc_settings)
    _prepare(served)
    browser, _landed = sign_in(served, "agent-valbrune")
    cookie = browser.cookies.get(served.app.config.get("SESSION_COOKIE_NAME", "session"))
    signed = served.app.session_interface.get_signing_serializer(served.app).loads(cookie)
    id_token = signed[ID_TOKEN_KEY]
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert not {"email", "siret", "given_name"} & set(claims)  # those come from userinfo
    client = served.app.extensions[EXTENSION]

    def check(token: str, nonce: str = claims["nonce"]) -> dict:
        with served.app.test_request_context():
            options = id_token_options(client, client.load_server_metadata())
            return client.parse_id_token(
                {"id_token": token}, nonce, claims_cls=CodeIDToken, claims_options=options
            )

    assert check(id_token)["sub"] == "agent-valbrune"  # the genuine one passes
    with pytest.raises(InvalidClaimError, match="nonce"):
        check(id_token, nonce="une-autre-connexion")
    forged = base64.urlsafe_b64encode(
        json.dumps({**claims, "sub": "quelqu-un-d-autre"}).encode()
    ).rstrip(b"=")
    with pytest.raises(BadSignatureError):
        check(f"{header}.{forged.decode()}.{signature}")
    monkeypatch.setattr(client, "client_id", "un-autre-client")
    with pytest.raises(InvalidClaimError, match="aud"):
        check(id_token)
    monkeypatch.undo()
    monkeypatch.setitem(client.server_metadata, "issuer", "http://un-autre-fournisseur")
    with pytest.raises(InvalidClaimError, match="iss"):
        check(id_token)
    monkeypatch.undo()
    later = claims["exp"] + 3600
    monkeypatch.setattr(time, "time", lambda: float(later))
    with pytest.raises(ExpiredTokenError):
        check(id_token)
