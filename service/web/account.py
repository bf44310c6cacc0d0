"""The account pages: sign-in and sign-out, « Mon compte » (organisations, roles, password)
and the API tokens; the header's account menu. The organisation's members, the invitations
and the audit log are in ``account_members`` (same blueprint).

Every page finds its identity itself (``current_identity``) and asks ``rights.require``;
an anonymous visitor is sent to the sign-in page with the address to come back to.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.models import ROLES, Role, User
from service.accounts.rights import STAFF, can, require, require_token_management
from service.accounts.signin import attempt_sign_in
from service.accounts.tokens import create_token, get_token, list_tokens, revoke_token, token_state
from service.accounts.users import change_password, end_sessions
from service.auth import METHOD_KEY, begin_session, current_identity, end_session, keep_session
from service.errors import (
    ClausierError,
    InvalidAccount,
    InvalidInput,
    NotSignedIn,
    SignInThrottled,
    status_for,
)
from service.extensions import db_session
from service.french import PARIS
from service.organisations import Organisation, get_organisation
from service.web import csrf

bp = Blueprint("account", __name__)
bp.before_request(csrf.protect)

#: Requests per client address on the forms that check a password (sign-in, password
#: change), on top of the per-account delay and lock-out of ``accounts.signin``. Storage on
#: Redis when ``REDIS_URL`` is set (shared by every process), in memory otherwise.
#: A storage that does not answer (Redis down) lets requests through: the per-account delay
#: and lock-out still hold, and nobody is kept out by it.
limiter = Limiter(
    get_remote_address, headers_enabled=False, key_prefix="clausier-signin", swallow_errors=True
)


def _rate_limit() -> str:
    return str(current_app.config["SIGNIN_RATE_LIMIT"])


@bp.record_once
def _init_limiter(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)


@bp.errorhandler(RateLimitExceeded)
def _too_many(error: RateLimitExceeded) -> Response:
    """Too many password forms from one address: 429, in French, with Retry-After."""
    limit = limiter.current_limit
    retry = 60
    if limit is not None:  # the end of the window, which the storage rounds up to a second
        left = math.ceil(limit.reset_at - time.time())
        retry = max(1, min(left, limit.limit.get_expiry()))
    detail = (
        f"Trop de tentatives depuis votre adresse réseau : réessayez dans {retry} s. Si vous"
        " avez oublié votre mot de passe, adressez-vous à l'administrateur de votre organisation."
    )
    if request.endpoint == "account.sign_in":
        html = _sign_in_page(SignInForm.read(), _target(), error=detail)
    else:
        html = render_template("error.html", status=429, title="Trop de tentatives", detail=detail)
    return current_app.make_response((html, 429, {"Retry-After": str(retry)}))


@bp.errorhandler(NotSignedIn)
def _to_sign_in(error: NotSignedIn) -> Response:
    """An anonymous visitor of an account page signs in first, then comes back to it."""
    flash(error.detail, "error")
    if request.method != "GET":  # a form sent after the session ended: start afresh
        return redirect(url_for("account.sign_in"), code=303)
    return redirect(url_for("account.sign_in", suivant=request.full_path.rstrip("?")), code=303)


# -- forms ----------------------------------------------------------------------------------


@dataclass
class Form:
    """A form as typed (passwords never kept) and its errors, by field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        """The value typed in a field."""
        return self.values.get(key, default)

    def refuse(
        self, error: ClausierError, shown: tuple[str, ...], renamed: dict[str, str] | None = None
    ) -> None:
        """Put a domain refusal next to the fields it names, as the form calls them
        (``renamed``: domain name → form name); what concerns no field ``shown`` goes next to
        the first one, with the refusal's whole sentence when it names no field at all."""
        renamed = renamed or {}
        items = getattr(error, "errors", None) or []
        for item in items:
            name = renamed.get(str(item.get("field") or ""), str(item.get("field") or ""))
            message = str(item.get("message")) if name else error.detail
            self.errors.setdefault(name if name in shown else shown[0], []).append(message)
        if not items:
            self.errors.setdefault(shown[0], []).append(error.detail)


class SignInForm(Form):
    """The sign-in form: the address as typed."""

    @classmethod
    def read(cls) -> SignInForm:
        """The submitted address (the password is not kept)."""
        return cls(values={"email": request.form.get("email", "").strip()[:254]})


def local_target(raw: str | None) -> str | None:
    """The address to come back to after signing in, when it is a path of this site; None
    for anything that could lead elsewhere (``//host``, ``https://…``, backslashes, control
    characters, which browsers drop or read as a slash)."""
    if not raw or len(raw) > 2000:
        return None
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in raw):
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return None
    return raw


def _target() -> str | None:
    return local_target(request.values.get("suivant"))


def _home(user: User, organisation: Organisation) -> str:
    """Where signing in leads: the library for the organisation's people, the deliveries for
    a concessionnaire, who has nothing else to do here."""
    roles = {m.role for m in user.memberships if m.organisation_id == organisation.id}
    if roles and not roles & STAFF:
        return url_for("contracts.overview")
    return url_for("library.index")


# -- sign-in, sign-out ----------------------------------------------------------------------


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def sign_in() -> Response | tuple[str, int, dict[str, str]]:
    """The sign-in form; a success signs in, in the user's first organisation, and goes back
    to the page asked for (a path of this site only)."""
    target = _target()
    if request.method == "GET":
        return _sign_in_page(SignInForm(), target), 200, {}
    form = SignInForm.read()
    store = db_session()
    outcome = attempt_sign_in(store, form.get("email"), request.form.get("password", ""))
    store.commit()  # the failure counted and its audit entry stand, whatever the answer
    if outcome.refused is not None:
        headers = {}
        if isinstance(outcome.refused, SignInThrottled):
            headers["Retry-After"] = str(outcome.refused.extra.get("retry_after", 60))
        form.errors["password"] = [outcome.refused.detail]
        return _sign_in_page(form, target), status_for(outcome.refused), headers
    user = outcome.user
    assert user is not None
    organisations = _organisations_of(user)
    if not organisations:
        form.errors["email"] = [
            "Votre compte n'a de rôle dans aucune organisation : adressez-vous à"
            " l'administrateur de votre organisation."
        ]
        return _sign_in_page(form, target), 403, {}
    chosen = organisations[0]
    begin_session(user, chosen.slug, method="password")
    if len(organisations) > 1:
        flash(
            f"Vous agissez pour « {chosen.name} ». Pour une autre de vos organisations,"
            " changez-en dans « Mon compte ».",
            "success",
        )
    return redirect(target or _home(user, chosen), code=303)


def _sign_in_page(form: SignInForm, target: str | None, error: str | None = None) -> str:
    oidc = (
        bool(current_app.config.get("OIDC_ISSUER")) and "oidc.start" in current_app.view_functions
    )
    return render_template(
        "account/sign_in.html",
        form=form,
        target=target,
        error=error,
        oidc=oidc,
        oidc_label=current_app.config.get("OIDC_LABEL") or "ProConnect",
        identity=_quiet_identity(),
    )


def _organisations_of(user: User) -> list[Organisation]:
    """The organisations a user holds a role in, in the order they were given."""
    seen: dict[int, Organisation] = {}
    for membership in user.memberships:
        seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())


@bp.post("/deconnexion")
def sign_out() -> Response:
    """Sign out (written to the audit log), back to the sign-in page."""
    identity = _quiet_identity()
    if identity is not None and identity.via == "session":
        store = db_session()
        audit.record_by(store, identity, "signed_out")
        store.commit()
    provider_logout = current_app.view_functions.get("oidc.logout")
    if session.get(METHOD_KEY) == "oidc" and provider_logout is not None:
        return provider_logout()  # signs out here, then at the provider when it offers it
    end_session()
    flash("Vous êtes déconnecté.", "success")
    return redirect(url_for("account.sign_in"), code=303)


# -- my account -----------------------------------------------------------------------------


def _me(action: str) -> tuple[Identity, Organisation, User]:
    """The signed-in identity allowed ``action`` in its organisation, the organisation, the
    user."""
    identity = current_identity()
    if identity is None or identity.user_id is None:
        raise NotSignedIn("Connectez-vous pour accéder à votre compte.")
    store = db_session()
    organisation = get_organisation(store, identity.organisation_slug)
    require(identity, action, organisation=organisation)
    user = store.get(User, identity.user_id)
    assert user is not None  # the identity was made from it in this request
    return identity, organisation, user


@bp.get("/compte")
def profile() -> tuple[str, int]:
    """Who I am, my organisations and roles, the switch between them, the password form."""
    return _profile_page(Form())


def _profile_page(form: Form, status: int = 200) -> tuple[str, int]:
    identity, organisation, user = _me("manage_own_account")
    roles_by_org: dict[int, list[str]] = {}
    for membership in user.memberships:
        roles_by_org.setdefault(membership.organisation_id, []).append(ROLES[membership.role])
    html = render_template(
        "account/profile.html",
        identity=identity,
        organisation=organisation,
        user=user,
        organisations=_organisations_of(user),
        roles_by_org={key: sorted(labels) for key, labels in roles_by_org.items()},
        my_roles=sorted(ROLES[role] for role in identity.roles),
        method=session.get(METHOD_KEY, ""),
        form=form,
    )
    return html, status


@bp.post("/compte/organisation")
def switch_organisation() -> Response:
    """Act in another of my organisations."""
    _, _, user = _me("manage_own_account")
    slug = request.form.get("organisation", "")
    chosen = next((o for o in _organisations_of(user) if o.slug == slug), None)
    if chosen is None:
        raise InvalidAccount(f"Vous n'avez pas de rôle dans l'organisation « {slug[:80]} ».")
    begin_session(user, chosen.slug, method=session.get(METHOD_KEY) or "password")
    flash(f"Vous agissez maintenant pour « {chosen.name} ».", "success")
    return redirect(url_for("account.profile"), code=303)


@bp.post("/compte/mot-de-passe")
@limiter.limit(_rate_limit)
def password() -> Response | tuple[str, int]:
    """Change my local password: the current one, the new one twice."""
    identity, _, user = _me("manage_own_account")
    form = Form()
    new = request.form.get("password", "")
    if new != request.form.get("confirmation", ""):
        form.errors["confirmation"] = ["la confirmation diffère du nouveau mot de passe"]
        return _profile_page(form, 422)
    store = db_session()
    try:
        change_password(store, user, request.form.get("current_password", ""), new, by=identity)
    except InvalidInput as error:
        store.rollback()
        form.refuse(error, ("password", "current_password"))
        return _profile_page(form, 422)
    store.commit()
    keep_session(user)
    flash(
        "Votre mot de passe a été changé. Vos sessions ouvertes ailleurs sont fermées.", "success"
    )
    return redirect(url_for("account.profile"), code=303)


@bp.post("/compte/sessions")
def close_other_sessions() -> Response:
    """Close my sessions on every other browser (a forgotten computer, a lost phone); this
    one goes on. API tokens are not sessions: they are revoked one by one."""
    identity, _, user = _me("manage_own_account")
    store = db_session()
    end_sessions(store, user, by=identity)
    store.commit()
    keep_session(user)
    flash("Vos sessions ouvertes sur d'autres navigateurs sont fermées.", "success")
    return redirect(url_for("account.profile"), code=303)


# -- API tokens -----------------------------------------------------------------------------


@bp.get("/compte/jetons")
def tokens() -> tuple[str, int, dict[str, str]]:
    """My API tokens (an admin: every token of the organisation) and the creation form."""
    return _tokens_page(Form())


def _tokens_page(
    form: Form, status: int = 200, issued: Any = None
) -> tuple[str, int, dict[str, str]]:
    identity, organisation, user = _me("manage_own_tokens")
    store = db_session()
    mine = list_tokens(store, organisation, user)
    others = (
        [t for t in list_tokens(store, organisation) if t.user_id != user.id]
        if can(identity, "manage_tokens", organisation=organisation)
        else None
    )
    html = render_template(
        "account/tokens.html",
        identity=identity,
        organisation=organisation,
        mine=mine,
        others=others,
        state=token_state,
        roles=sorted(identity.roles),
        ROLES=ROLES,
        form=form,
        issued=issued,
    )
    # A page holding a secret is kept by no cache.
    return html, status, {"Cache-Control": "no-store"}


@bp.post("/compte/jetons")
def create_api_token() -> tuple[str, int, dict[str, str]]:
    """Create a token for one of my roles here; its secret is shown on this answer only."""
    identity, organisation, user = _me("manage_own_tokens")
    form = Form(values={k: request.form.get(k, "").strip() for k in ("name", "role", "expires")})
    expires_at = _end_of_day(form, "expires")
    if form.errors:
        return _tokens_page(form, 422)
    store = db_session()
    try:
        issued = create_token(
            store,
            user,
            organisation,
            form.get("role") or (identity.role or ""),
            name=form.get("name"),
            by=identity,
            expires_at=expires_at,
        )
    except InvalidInput as error:
        store.rollback()
        form.refuse(error, ("name", "role", "expires"), {"expires_at": "expires"})
        return _tokens_page(form, 422)
    store.commit()
    return _tokens_page(Form(), 201, issued=issued)


def _end_of_day(form: Form, key: str) -> dt.datetime | None:
    """The end of the Paris day typed (AAAA-MM-JJ), in UTC; None when empty."""
    raw = form.get(key)
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        form.errors[key] = [f"date « {raw[:40]} » illisible (AAAA-MM-JJ)"]
        return None
    if day.year > 9000:
        form.errors[key] = ["date trop lointaine"]
        return None
    last_second = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=PARIS)
    return last_second.astimezone(dt.UTC)


@bp.post("/compte/jetons/<int:token_id>/revoquer")
def revoke_api_token(token_id: int) -> Response:
    """Revoke a token: mine, or as admin any of the organisation's."""
    identity, organisation, _ = _me("manage_own_tokens")
    store = db_session()
    token = get_token(store, token_id, organisation)
    require_token_management(identity, token)
    revoked = revoke_token(store, token, by=identity)
    store.commit()
    flash(
        f"Le jeton « {token.name} » est révoqué."
        if revoked
        else f"Le jeton « {token.name} » était déjà révoqué.",
        "success",
    )
    return redirect(url_for("account.tokens"), code=303)


# -- the header's account menu --------------------------------------------------------------


@dataclass(frozen=True)
class NavAccount:
    """What the header shows of the signed-in user."""

    name: str
    organisation: str
    admin: bool


def _quiet_identity() -> Identity | None:
    """The request's identity, or None when it cannot be known (a refused token, a database
    that does not answer): the header and the sign-in page never fail for it."""
    try:
        return current_identity()
    except (ClausierError, SQLAlchemyError):
        return None


@bp.app_template_global()
def account_nav() -> NavAccount | None:
    """The signed-in user for the header's menu, or None."""
    identity = _quiet_identity()
    if identity is None or identity.user_id is None:
        return None
    try:
        # By its key: the page has usually loaded it already, and the session's identity map
        # answers without a query.
        organisation = db_session().get(Organisation, identity.organisation_id)
    except SQLAlchemyError:
        return None
    if organisation is None:
        return None
    return NavAccount(
        name=identity.display_name or identity.email,
        organisation=organisation.name,
        admin=Role.ADMIN.value in identity.roles,
    )


@bp.app_template_global()
def sign_in_url() -> str:
    """The sign-in page, to come back to the page shown."""
    if request.endpoint == "account.sign_in":
        return url_for("account.sign_in")
    back = local_target(request.full_path.rstrip("?")) if request.method == "GET" else None
    return url_for("account.sign_in", suivant=back) if back else url_for("account.sign_in")


from service.web import account_members  # noqa: E402,F401  (its routes join the blueprint)
