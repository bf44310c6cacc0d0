"""Sign-in by OpenID Connect (ProConnect, a commune's own provider): the authorization code
flow with PKCE (S256), ``state`` and ``nonce``, by Authlib's Flask client; the ID token's
signature, issuer, audience, nonce and expiry checked; the claims completed from the userinfo
endpoint (JSON, or a signed JWT as ProConnect sends it); who that is decided by
``service.accounts.oidc``.

Nothing is registered when ``OIDC_ISSUER`` is empty: the start answers 404. Whatever goes
wrong answers the French error page — 4xx for the browser's or the account's part, 502 when
the provider cannot be reached or answers what cannot be trusted — never a 500.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask.blueprints import BlueprintSetupState
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from service.accounts.oidc import record_flow_failure, sign_in_with_claims
from service.auth import METHOD_KEY, begin_session, end_session
from service.extensions import transaction
from service.http import error_page
from service.web import csrf

bp = Blueprint("oidc", __name__)
bp.before_request(csrf.protect)

#: Where the registered client lives in ``app.extensions``.
EXTENSION = "clausier_oidc"
#: The session key of the ID token, kept for the provider's sign-out (``id_token_hint``).
ID_TOKEN_KEY = "oidc_id_token"
#: Seconds to wait for the provider (discovery, token, keys, userinfo).
TIMEOUT = 10

INTERRUPTED = "Connexion interrompue"
UNAVAILABLE = "Fournisseur d'identité indisponible"


class FlowFailed(Exception):
    """The flow stopped: the page to answer (status, title, detail) and the audit reason."""

    def __init__(self, status: int, title: str, detail: str, reason: str | None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.reason = status, title, detail, reason


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    """Register the provider's client when ``OIDC_ISSUER`` is set (discovery on first use)."""
    config = state.app.config
    issuer = (config.get("OIDC_ISSUER") or "").strip()
    if not issuer:
        return
    oauth = OAuth(state.app)
    state.app.extensions[EXTENSION] = oauth.register(
        "provider",
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT,
        },
    )


@bp.get("/connexion/oidc")
def start() -> Response | tuple[str, int]:
    """Send the browser to the provider, with PKCE, state and nonce; ``suivant`` (a local
    path) is where the sign-in will end."""
    client = _client()
    redirect_uri = url_for("oidc.callback", _external=True)
    try:
        _metadata(client)
        # 256 random bits each; some providers (FranceConnect's family) want 32 characters
        authorization = client.create_authorization_url(
            redirect_uri, state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32)
        )
    except FlowFailed as failure:
        return _failed(failure)
    client.save_authorize_data(
        redirect_uri=redirect_uri, suivant=local_path(request.args.get("suivant")), **authorization
    )
    return redirect(authorization["url"])


@bp.get("/connexion/oidc/retour")
def callback() -> Response | tuple[str, int]:
    """Back from the provider: the code exchanged, the ID token checked, the claims mapped to
    a user and an organisation, the session begun; then on to ``suivant``."""
    client = _client()
    issuer = current_app.config["OIDC_ISSUER"].strip()
    try:
        kept, token, claims = _verified_claims(client)
    except FlowFailed as failure:
        if failure.reason is not None:  # a flow this browser began: worth the audit log
            with transaction() as database:
                record_flow_failure(database, failure.reason, issuer=issuer)
        return _failed(failure)
    with transaction() as database:
        outcome = sign_in_with_claims(
            database,
            claims,
            issuer=issuer,
            siret_claim=current_app.config["OIDC_SIRET_CLAIM"],
            trust_email=bool(current_app.config["OIDC_TRUST_EMAIL"]),
        )
    if outcome.refused is not None:
        return error_page(403, outcome.refused.title, outcome.refused.detail)
    assert outcome.user is not None and outcome.organisation is not None
    begin_session(outcome.user, outcome.organisation.slug, method="oidc")
    session[ID_TOKEN_KEY] = token["id_token"]
    return redirect(local_path(kept.get("suivant")))


@bp.post("/connexion/oidc/deconnexion")
def logout() -> Response:
    """Sign out; a session opened with the provider is closed there too when it offers an
    ``end_session_endpoint`` (RP-initiated logout), then the provider sends the browser back
    to the library."""
    signed_in_with = session.get(METHOD_KEY)
    id_token = session.get(ID_TOKEN_KEY)
    end_session()
    client = current_app.extensions.get(EXTENSION)
    back = url_for("library.index", _external=True)
    if client is None or signed_in_with != "oidc" or not id_token:
        return redirect(back)
    try:
        if not _metadata(client).get("end_session_endpoint"):
            return redirect(back)
        logout_url = client.create_logout_url(
            post_logout_redirect_uri=back, id_token_hint=id_token, client_id=client.client_id
        )
    except FlowFailed:
        return redirect(back)  # signed out here; the provider's session stays open
    return redirect(logout_url["url"])


def local_path(target: str | None) -> str:
    """``target`` when it is a path of this site (« /contrats?x=1 »), else the library: never
    another site (« //ailleurs.example », « https://… », « /\\ailleurs »)."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
        or any(ord(char) < 32 for char in target)
    ):
        return url_for("library.index")
    return target


def _client() -> FlaskOAuth2App:
    """The provider's client, or 404 when sign-in by OpenID Connect is not configured."""
    client = current_app.extensions.get(EXTENSION)
    if client is None:
        raise NotFound()
    return client


def _metadata(client: FlaskOAuth2App) -> dict[str, Any]:
    """The provider's discovery document, whose issuer must be the one configured."""
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise FlowFailed(502, UNAVAILABLE, _UNREACHABLE, "provider_unreachable") from error
    configured = current_app.config["OIDC_ISSUER"].strip().rstrip("/")
    if str(metadata.get("issuer", "")).rstrip("/") != configured:
        client.server_metadata.pop("_loaded_at", None)  # read again next time
        raise FlowFailed(
            502,
            UNAVAILABLE,
            "Le fournisseur d'identité ne se présente pas sous l'adresse configurée : "
            "l'administrateur de Clausier doit vérifier OIDC_ISSUER.",
            "issuer_mismatch",
        )
    return metadata


def _verified_claims(client: FlaskOAuth2App) -> tuple[dict[str, Any], dict[str, Any], dict]:
    """What the start kept, the token response and the claims — the ID token's, checked,
    completed by the userinfo endpoint's — or FlowFailed."""
    state = request.args.get("state") or ""
    kept = client.framework.get_state_data(session, state)
    if not kept:  # nobody's flow: nothing to write down
        raise FlowFailed(400, INTERRUPTED, _EXPIRED, None)
    if request.args.get("error"):
        client.framework.clear_state_data(session, state)
        code = request.args["error"][:64]
        raise FlowFailed(
            403 if code == "access_denied" else 400,
            INTERRUPTED,
            f"Le fournisseur d'identité a interrompu la connexion (« {code} ») : recommencez, "
            "ou connectez-vous avec votre mot de passe Clausier.",
            f"provider_error:{code}",
        )
    if not request.args.get("code"):
        raise FlowFailed(400, INTERRUPTED, _EXPIRED, "no_code")
    metadata = _metadata(client)
    # RFC 9207: the answer names its issuer, so that another provider's cannot be mixed up
    returned_issuer = request.args.get("iss")
    if returned_issuer is None and metadata.get("authorization_response_iss_parameter_supported"):
        raise FlowFailed(400, INTERRUPTED, _UNTRUSTED, "response_issuer")
    if returned_issuer is not None and returned_issuer != metadata["issuer"]:
        raise FlowFailed(400, INTERRUPTED, _UNTRUSTED, "response_issuer")
    try:
        token = client.authorize_access_token(claims_options=id_token_options(client, metadata))
        claims = token.get("userinfo")
        if not claims or "id_token" not in token:
            raise FlowFailed(502, UNAVAILABLE, _UNTRUSTED, "no_id_token")
        return kept, token, {**_userinfo(client, metadata, token, claims["sub"]), **claims}
    except requests.RequestException as error:
        raise FlowFailed(502, UNAVAILABLE, _UNREACHABLE, "provider_unreachable") from error
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        raise FlowFailed(502, UNAVAILABLE, _UNTRUSTED, _reason(error)) from error


_EXPIRED = (
    "Cette connexion a expiré ou n'a pas été commencée dans ce navigateur : recommencez depuis "
    "la page de connexion."
)
_UNREACHABLE = (
    "Le fournisseur d'identité ne répond pas : réessayez dans quelques minutes, ou "
    "connectez-vous avec votre mot de passe Clausier."
)
_UNTRUSTED = (
    "La réponse du fournisseur d'identité n'a pas pu être vérifiée : la connexion est refusée. "
    "Recommencez ; si cela se reproduit, prévenez l'administrateur de Clausier."
)


def id_token_options(client: FlaskOAuth2App, metadata: dict[str, Any]) -> dict[str, Any]:
    """What the ID token's claims must hold beyond its signature, nonce and expiry, which
    Authlib checks: the provider's issuer, and this client among its audience — Authlib alone
    would take any audience with an ``azp`` naming this client."""
    return {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "values": [client.client_id]},
    }


def _reason(error: Exception) -> str:
    """The audit reason of an unverifiable answer: the error's kind and code."""
    code = getattr(error, "error", None) or type(error).__name__
    return f"untrusted:{code}"[:64]


def _userinfo(
    client: FlaskOAuth2App, metadata: dict[str, Any], token: dict[str, Any], subject: str
) -> dict[str, Any]:
    """The claims of the userinfo endpoint (none without one): JSON, or a JWT signed by the
    provider for this client; its subject must be the ID token's."""
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    response = client.get(endpoint, token=token)
    response.raise_for_status()
    if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
        keys = KeySet.import_key_set(client.fetch_jwk_set())
        decoded = jwt.decode(response.text, keys)
        claims = dict(decoded.claims)
        if claims.get("iss", metadata["issuer"]) != metadata["issuer"] or claims.get(
            "aud", client.client_id
        ) not in (client.client_id, [client.client_id]):
            raise ValueError("userinfo JWT for another issuer or client")
    else:
        claims = dict(response.json())
    if claims.get("sub") != subject:  # OpenID Connect Core 5.3.2
        raise ValueError("userinfo subject differs from the ID token's")
    return claims


def _failed(failure: FlowFailed) -> tuple[str, int]:
    return error_page(failure.status, failure.title, failure.detail)
