"""The organisation's admin pages of the ``account`` blueprint — members and their roles,
invitations, the audit log and its CSV export — and the public page where an invitation is
accepted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.invitations import (
    accept_invitation as accept,
)
from service.accounts.invitations import (
    find_invitation,
    invite,
    organisation_invitations,
)
from service.accounts.models import ROLES, Role, User
from service.accounts.rights import require, require_member_change
from service.accounts.signin import wait_seconds
from service.accounts.users import (
    disable_user,
    enable_user,
    find_user,
    get_member,
    grant_role,
    list_users,
    revoke_role,
)
from service.auth import METHOD_KEY, begin_session, current_identity
from service.db import utcnow
from service.deliveries.contracts import list_contracts
from service.errors import InvalidAccount, InvalidInput, MalformedRequest, NotSignedIn, UserExists
from service.extensions import db_session
from service.http import file_response, int_arg
from service.organisations import Organisation, get_organisation
from service.web.account import Form, bp

#: Entries of the audit log per page.
AUDIT_PAGE = 50


def _admin(action: str) -> tuple[Identity, Organisation]:
    """The signed-in identity allowed ``action`` in its organisation, and the organisation."""
    identity = current_identity()
    if identity is None or identity.user_id is None:
        raise NotSignedIn("Connectez-vous pour administrer votre organisation.")
    organisation = get_organisation(db_session(), identity.organisation_slug)
    require(identity, action, organisation=organisation)
    return identity, organisation


# -- members --------------------------------------------------------------------------------


@bp.get("/organisation/membres")
def members() -> tuple[str, int, dict[str, str]]:
    """The organisation's members, their roles, the pending invitations, the invitation form."""
    return _members_page(Form())


def _members_page(
    form: Form, status: int = 200, invited: dict[str, Any] | None = None
) -> tuple[str, int, dict[str, str]]:
    identity, organisation = _admin("manage_users")
    store = db_session()
    users = list_users(store, organisation)
    now = utcnow()
    rows = [
        {
            "user": user,
            "roles": [m for m in user.memberships if m.organisation_id == organisation.id],
            "shared": any(m.organisation_id != organisation.id for m in user.memberships),
            "locked": bool(user.locked_until and user.locked_until > now),
            "wait": wait_seconds(user, now),
            "me": user.id == identity.user_id,
        }
        for user in users
    ]
    contracts = list_contracts(store, organisation)
    html = render_template(
        "account/members.html",
        organisation=organisation,
        rows=rows,
        invitations=organisation_invitations(store, organisation),
        contracts=contracts,
        contract_refs={c.id: c.reference for c in contracts},
        ROLES=ROLES,
        CONCESSIONNAIRE=Role.CONCESSIONNAIRE.value,
        form=form,
        invited=invited,
    )
    return html, status, {"Cache-Control": "no-store"} if invited else {}


def _chosen_contracts(organisation: Organisation) -> list[Any]:
    """The organisation's contracts ticked in the form (unknown numbers refused)."""
    wanted = set()
    for raw in request.form.getlist("contracts"):
        if not raw.isdigit() or len(raw) > 9:
            raise MalformedRequest(f"Contrat « {raw[:20]} » illisible.")
        wanted.add(int(raw))
    known = {c.id: c for c in list_contracts(db_session(), organisation)}
    unknown = wanted - set(known)
    if unknown:
        raise InvalidAccount(
            ("Contrats inconnus" if len(unknown) > 1 else "Contrat inconnu")
            + " dans cette organisation.",
            errors=[{"field": "contracts", "message": "contrat inconnu"}],
        )
    return [known[i] for i in sorted(wanted)]


@bp.post("/organisation/membres/inviter")
def invite_member() -> tuple[str, int, dict[str, str]]:
    """Invite an address to a role; the one-time link is shown on this answer only."""
    identity, organisation = _admin("manage_users")
    form = Form(values={k: request.form.get(k, "").strip()[:254] for k in ("email", "role")})
    store = db_session()
    try:
        invitation, secret = invite(
            store,
            form.get("email"),
            organisation,
            form.get("role"),
            by=identity,
            contracts=_chosen_contracts(organisation),
        )
    except InvalidInput as error:
        store.rollback()
        form.refuse(error, ("email", "role", "contracts"))
        return _members_page(form, 422)
    store.commit()
    link = url_for("account.accept_invitation", secret=secret, _external=True)
    return _members_page(Form(), 201, invited={"invitation": invitation, "link": link})


def _member_change(user_id: int, change: str, role: str | None = None) -> tuple[Identity, User]:
    """The identity allowed to make ``change`` to a member, and the member: someone who is no
    member of the identity's organisation answers 404 before any role is looked at, so that
    nobody learns who exists elsewhere."""
    identity = current_identity()
    if identity is None or identity.user_id is None:
        raise NotSignedIn("Connectez-vous pour administrer votre organisation.")
    organisation = get_organisation(db_session(), identity.organisation_slug)
    user = get_member(db_session(), organisation, user_id)
    require(identity, "manage_users", organisation=organisation)
    require_member_change(
        identity,
        user,
        organisation,
        change,
        organisations_held=frozenset(m.organisation_id for m in user.memberships),
        role=role,
    )
    return identity, user


@bp.post("/organisation/membres/<int:user_id>/roles")
def grant_member_role(user_id: int) -> Response:
    """Give a member one more role (a concessionnaire: the contracts ticked)."""
    role = request.form.get("role", "")
    identity, user = _member_change(user_id, "role", role)
    organisation = get_organisation(db_session(), identity.organisation_slug)
    store = db_session()
    grant_role(
        store, user, organisation, role, by=identity, contracts=_chosen_contracts(organisation)
    )
    store.commit()
    flash(f"Rôle « {ROLES[role]} » donné à {user.email}.", "success")
    return redirect(url_for("account.members"), code=303)


@bp.post("/organisation/membres/<int:user_id>/roles/retirer")
def revoke_member_role(user_id: int) -> Response:
    """Take a role away from a member (their tokens for it stop working)."""
    role = request.form.get("role", "")
    identity, user = _member_change(user_id, "revoke", role)
    store = db_session()
    organisation = get_organisation(store, identity.organisation_slug)
    if revoke_role(store, user, organisation, role, by=identity):
        flash(f"Rôle « {ROLES[role]} » retiré à {user.email}.", "success")
    store.commit()
    return redirect(url_for("account.members"), code=303)


@bp.post("/organisation/membres/<int:user_id>/desactiver")
def disable_member(user_id: int) -> Response:
    """Disable a member's account: no sign-in, no token; nothing deleted."""
    identity, user = _member_change(user_id, "disable")
    store = db_session()
    disable_user(store, user, by=identity)
    store.commit()
    flash(f"Le compte de {user.email} est désactivé.", "success")
    return redirect(url_for("account.members"), code=303)


@bp.post("/organisation/membres/<int:user_id>/reactiver")
def enable_member(user_id: int) -> Response:
    """Enable a member's account again, lifting its lock-out."""
    identity, user = _member_change(user_id, "enable")
    store = db_session()
    enable_user(store, user, by=identity)
    store.commit()
    flash(f"Le compte de {user.email} est actif et déverrouillé.", "success")
    return redirect(url_for("account.members"), code=303)


# -- accepting an invitation ----------------------------------------------------------------


@bp.route("/invitation/<secret>", methods=["GET", "POST"])
def accept_invitation(secret: str) -> Response | tuple[str, int]:
    """Join an organisation by an invitation's link: a new address chooses its password; an
    existing account signs in first, as itself (the link never sets its password)."""
    store = db_session()
    secret = secret[:200]
    invitation = find_invitation(store, secret)
    organisation = invitation.organisation
    account = find_user(store, invitation.email)
    identity = current_identity() if account is not None else None
    form = Form(values={"display_name": request.form.get("display_name", "").strip()[:200]})
    if request.method == "POST":
        if account is not None and (identity is None or identity.user_id != account.id):
            return _invitation_page(invitation, account, identity, form, 403)
        new_password = None
        if account is None:
            new_password = request.form.get("password", "")
            if new_password != request.form.get("confirmation", ""):
                form.errors["confirmation"] = ["la confirmation diffère du mot de passe"]
                return _invitation_page(invitation, account, identity, form, 422)
        try:
            user = accept(
                store, secret, display_name=form.get("display_name"), password=new_password
            )
        except InvalidInput as error:
            store.rollback()
            form.refuse(error, ("password", "display_name"))
            return _invitation_page(invitation, account, identity, form, 422)
        except UserExists:  # the address got an account meanwhile: sign in as it
            store.rollback()
            return redirect(request.path, code=303)
        store.commit()
        begin_session(user, organisation.slug, method=_method(account))
        flash(
            f"Bienvenue : vous êtes {ROLES[invitation.role]} de « {organisation.name} ».",
            "success",
        )
        return redirect(url_for("account.profile"), code=303)
    return _invitation_page(invitation, account, identity, form)


def _method(account: User | None) -> str:
    """How the session goes on: an existing account was signed in already."""
    return (session.get(METHOD_KEY) or "password") if account is not None else "password"


def _invitation_page(
    invitation: Any, account: User | None, identity: Identity | None, form: Form, status: int = 200
) -> tuple[str, int]:
    html = render_template(
        "account/invitation.html",
        invitation=invitation,
        organisation=invitation.organisation,
        role=ROLES[invitation.role],
        account=account,
        identity=identity,
        form=form,
        refused=status == 403,
    )
    return html, status


# -- the audit log --------------------------------------------------------------------------


def _audit_filter() -> audit.AuditFilter:
    """The filter asked for in the query string; a French 400 for what cannot be read."""
    action = request.args.get("action", "").strip() or None
    if action is not None and action not in audit.ACTIONS:
        raise MalformedRequest(f"Action inconnue « {action[:40]} ».")
    days = {}
    for name in ("du", "au"):
        raw = request.args.get(name, "").strip()
        try:
            days[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise MalformedRequest(f"Date « {raw[:40]} » illisible (AAAA-MM-JJ).") from None
    if days["du"] and days["au"] and days["du"] > days["au"]:
        raise MalformedRequest("La date de début suit la date de fin.")
    return audit.AuditFilter(action=action, since=days["du"], until=days["au"])


@bp.get("/organisation/journal")
def audit_log() -> tuple[str, int]:
    """The organisation's audit log, newest first, paged and filtered."""
    _, organisation = _admin("read_audit")
    wanted = _audit_filter()
    page = int_arg("page", 1, maximum=1_000_000) or 1
    entries, total = audit.organisation_entries(
        db_session(), organisation.id, wanted, offset=(page - 1) * AUDIT_PAGE, limit=AUDIT_PAGE
    )
    args = {k: v for k, v in request.args.items() if k in ("action", "du", "au") and v}
    html = render_template(
        "account/audit.html",
        organisation=organisation,
        entries=entries,
        total=total,
        page=page,
        per_page=AUDIT_PAGE,
        args=args,
        wanted=wanted,
        ACTIONS=audit.ACTIONS,
    )
    return html, 200


@bp.get("/organisation/journal.csv")
def audit_export() -> Response:
    """The organisation's audit log (as filtered) as CSV; the export is itself logged."""
    identity, organisation = _admin("read_audit")
    wanted = _audit_filter()
    store = db_session()
    text = audit.export_entries(store, identity, organisation.id, wanted)
    store.commit()
    day = dt.datetime.now(dt.UTC).date().isoformat()
    current_app.logger.info("audit log of %s exported by %s", organisation.slug, identity.actor)
    return file_response(
        ("\ufeff" + text).encode("utf-8"),  # the BOM: a spreadsheet reads the accents right
        "text/csv; charset=utf-8",
        f"journal-{organisation.slug}-{day}.csv",
    )
