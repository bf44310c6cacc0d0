"""The gate of both faces (service/auth.py): who is asked to sign in, how; the CSRF token of a
cookie-authenticated API write; the session cookie's flags; a delivery's sender from the
identity and the back-dated reception, the contract manager's alone and logged."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.accounts.models import AuditEntry
from service.auth import METHOD_KEY, ORGANISATION_KEY, USER_KEY
from service.deliveries.models import Delivery
from tests.conftest import clausier
from tests.deliveries.factories import GOOD_CSV, make_contract, make_obligation
from tests.members import AGENT, Member, make_member, organisation, signed_in, token_for

DELIVERIES = "/api/organisations/valbrune/contracts/EP-2024-01/obligations/inventaire/deliveries"


def _contract(app: Flask) -> int:
    """The Valbrune concession and its monthly inventory; its id."""
    with clausier(app).db.sessions() as session:
        contract = make_contract(session, organisation(session))
        make_obligation(session, contract)
        session.commit()
        return contract.id


def _deliveries(app: Flask) -> int:
    with clausier(app).db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Delivery)) or 0


def _upload(client: FlaskClient, **extra: object) -> object:
    headers = extra.pop("headers", None)
    return client.post(
        DELIVERIES,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(GOOD_CSV), "inventaire.csv"), "period": "2024-08", **extra},
        headers=headers,
    )


def test_a_page_sends_the_anonymous_to_the_sign_in_page_and_back(
    anonymous_client: FlaskClient,
) -> None:
    page = anonymous_client.get("/analyses?page=2")
    assert page.status_code == 303
    assert page.headers["Location"] == "/connexion?suivant=%2Fanalyses%3Fpage%3D2"
    form = anonymous_client.post("/analyses", data={})
    assert form.status_code == 303
    assert form.headers["Location"] == "/connexion?suivant=%2Fanalyses"


def test_the_api_answers_401_in_french_with_the_scheme(anonymous_client: FlaskClient) -> None:
    response = anonymous_client.get("/api/clauses")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "jeton d'API" in response.get_json()["detail"]
    forged = anonymous_client.get(
        "/api/clauses", headers={"Authorization": "Bearer clausier_inconnu"}
    )
    assert forged.status_code == 401
    assert forged.mimetype == "application/problem+json"


def test_the_public_routes_need_no_identity(anonymous_client: FlaskClient) -> None:
    assert anonymous_client.get("/api/openapi.json").status_code == 200
    assert anonymous_client.get("/reference-api").status_code == 200
    css = anonymous_client.get("/static/clausier.css")
    assert css.status_code == 200
    css.close()


def test_a_cookie_write_from_another_site_creates_nothing(app: Flask, client: FlaskClient) -> None:
    """The session cookie alone does not write: another site's form (Origin elsewhere, no
    token) is refused 403 and no delivery is kept; the session's token lets it through."""
    _contract(app)
    evil = _upload(client, headers={"Origin": "http://evil.example", "X-CSRF-Token": ""})
    assert evil.status_code == 403
    assert evil.mimetype == "application/problem+json"
    assert "CSRF" in evil.get_json()["detail"]
    assert _deliveries(app) == 0
    wrong = _upload(client, headers={"X-CSRF-Token": "pas-le-bon"})
    assert wrong.status_code == 403 and _deliveries(app) == 0
    good = _upload(client)  # the test client sends the session's token, as the pages' scripts
    assert good.status_code == 201, good.get_json()
    assert _deliveries(app) == 1


def test_a_token_call_needs_no_csrf_token(app: Flask, member: Member) -> None:
    _contract(app)
    with clausier(app).db.sessions() as session:
        secret = token_for(session, member, "contract_manager")
    program = app.test_client()  # no cookie at all
    response = program.post(
        DELIVERIES,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(GOOD_CSV), "inventaire.csv"), "period": "2024-08"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["sender"].startswith(f"{AGENT} (jeton ")


def test_a_concessionnaire_delivers_as_titulaire_and_cannot_backdate(app: Flask) -> None:
    contract_id = _contract(app)
    with clausier(app).db.sessions() as session:
        from service.deliveries.models import Contract

        contract = session.get(Contract, contract_id)
        holder = make_member(
            session, "depot@lumicite.test", ("concessionnaire",), contracts=(contract,)
        )
        secret = token_for(session, holder, "concessionnaire")
    program = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    backdated = _upload(
        program,
        received_at="2024-09-01T10:00:00+02:00",
        sender="Le gestionnaire",
        sender_role="acheteur",
        headers=bearer,
    )
    assert backdated.status_code == 403
    assert "date de réception antérieure" in backdated.get_json()["detail"]
    sent = _upload(program, sender="Le gestionnaire", sender_role="acheteur", headers=bearer)
    assert sent.status_code == 201
    body = sent.get_json()
    assert body["sender"].startswith("depot@lumicite.test") and body["sender_role"] == "titulaire"


def test_a_backdated_delivery_is_the_managers_and_is_logged(
    app: Flask, client: FlaskClient
) -> None:
    _contract(app)
    response = _upload(client, received_at="2024-09-01T10:00:00+02:00")
    assert response.status_code == 201
    assert response.get_json()["sender_role"] == "acheteur"
    with clausier(app).db.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "delivery_uploaded")
        ).one()
    assert entry.actor == AGENT
    assert entry.detail["backdated"] is True
    assert entry.detail["received_at"] == "2024-09-01T10:00:00+02:00"


def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(
    app: Flask, member: Member
) -> None:
    def cookie(application: Flask) -> str:
        client = application.test_client()
        with client.session_transaction() as session:
            session[USER_KEY] = member.user_id
            session[ORGANISATION_KEY] = member.organisation_slug
            session[METHOD_KEY] = "password"
            session.permanent = True  # as begin_session makes it
        response = client.get("/analyses")  # draws a form: the session gets its token
        assert response.status_code == 200
        return response.headers["Set-Cookie"]

    plain = cookie(app)
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    assert "Expires=" in plain  # a lifetime (SESSION_LIFETIME_HOURS), not the browser's
    app.config["SESSION_COOKIE_SECURE"] = True  # what PREFERRED_URL_SCHEME=https sets
    assert "Secure" in cookie(app)


def test_https_makes_the_cookie_secure_by_default(tmp_path: object, database_url: str) -> None:
    from service import create_app

    served = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "PREFERRED_URL_SCHEME": "https",
        }
    )
    try:
        assert served.config["SESSION_COOKIE_SECURE"] is True
        assert served.config["SESSION_COOKIE_HTTPONLY"] is True
        assert served.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        served.extensions["clausier"].db.dispose()


def test_another_organisations_analysis_is_not_found_and_dedup_is_per_organisation(
    app: Flask, client: FlaskClient, small_library: object
) -> None:
    """The same file sent by two organisations is two analyses; neither sees the other's."""
    text = b"Article 1 - Reversibilite\nLe titulaire restitue les donnees.\n"
    ours = client.post(
        "/api/analyses",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(text), "cctp.txt")},
    )
    assert ours.status_code == 201
    with clausier(app).db.sessions() as session:
        other = signed_in(app, make_member(session, "agent@montclair.test", slug="montclair"))
    theirs = other.post(
        "/api/analyses",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(text), "cctp.txt")},
    )
    assert theirs.status_code == 201  # not « already analysed »: that was another's
    assert theirs.get_json()["id"] != ours.get_json()["id"]
    assert other.get(f"/api/analyses/{ours.get_json()['id']}").status_code == 404
    assert other.get(f"/analyses/{ours.get_json()['id']}").status_code == 404
    listed = other.get("/api/analyses").get_json()["items"]
    assert [a["id"] for a in listed] == [theirs.get_json()["id"]]
    again = client.post(
        "/api/analyses",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(text), "cctp.txt")},
    )
    assert again.status_code == 200 and again.get_json()["id"] == ours.get_json()["id"]


def test_the_private_calendar_address_carries_a_revocable_token_of_its_own(
    app: Flask, client: FlaskClient, member: Member
) -> None:
    """The feed opens by its address alone (a calendar program sends no header); its token
    opens nothing else, an API token does not open it by the address, and revoked it is
    closed."""
    _contract(app)
    made = client.post("/api/organisations/valbrune/calendar/private-link")
    assert made.status_code == 201, made.get_json()
    link = made.get_json()
    assert link["role"] == "contract_manager"
    address = link["url"].removeprefix("http://localhost")
    assert address.startswith("/api/organisations/valbrune/calendar.ics?jeton=clausier_ics_")
    calendar = app.test_client()  # no cookie, no header: a calendar program
    feed = calendar.get(address)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in feed.data
    secret = address.split("jeton=", 1)[1]
    elsewhere = calendar.get("/api/clauses", headers={"Authorization": f"Bearer {secret}"})
    assert elsewhere.status_code == 401
    assert calendar.get(f"/api/analyses?jeton={secret}").status_code == 401
    with clausier(app).db.sessions() as session:
        api_secret = token_for(session, member, "contract_manager")
    by_address = calendar.get(f"/api/organisations/valbrune/calendar.ics?jeton={api_secret}")
    assert by_address.status_code == 401
    with clausier(app).db.sessions() as session:
        from service.accounts.identity import operator_identity
        from service.accounts.tokens import get_token, revoke_token

        revoke_token(session, get_token(session, link["token_id"]), by=operator_identity("t"))
        session.commit()
    assert calendar.get(address).status_code == 401


def test_the_organisation_page_makes_a_private_calendar_link(
    app: Flask, client: FlaskClient
) -> None:
    from tests.web.conftest import TOKEN

    page = client.get("/organisations/valbrune").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token is not None and "Lien privé pour mon agenda" in page
    made = client.post("/organisations/valbrune/agenda-prive", data={"csrf_token": token.group(1)})
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    assert "/api/organisations/valbrune/calendar.ics?jeton=clausier_ics_" in html


def test_requests_in_one_application_context_keep_their_own_identity(
    app: Flask, member: Member
) -> None:
    """Served under the command line's application context (which Flask then reuses for
    every request), a request never inherits the identity another one found."""
    with app.app_context():
        agent = signed_in(app, member)
        nobody = app.test_client()
        assert agent.get("/api/organisations").status_code == 200
        assert nobody.get("/api/organisations").status_code == 401
        assert agent.get("/api/organisations").status_code == 200


def test_a_served_worker_does_not_inherit_the_command_lines_context(app: Flask) -> None:
    from flask.globals import _cv_app

    from service.cli.serve import _fresh_connections

    context = app.app_context()
    context.push()  # as the command line's, around ``serve``
    try:
        _fresh_connections(app)(None, None)  # what gunicorn calls in a new worker
        assert _cv_app.get(None) is None
    finally:
        _cv_app.set(context)  # back, to be popped as the command line would
        context.pop()


def test_what_is_done_is_written_in_the_audit_log_by_whom(
    app: Flask, client: FlaskClient, approver_client: FlaskClient, small_library: object
) -> None:
    """Uploads, approvals, retirements, ticks, amendments: each an entry naming the identity."""
    _contract(app)
    base = "/api/organisations/valbrune/contracts/EP-2024-01"
    assert _upload(client).status_code == 201
    draft = client.post(
        "/api/clauses/reversibilite-test/versions",
        json={"change_note": "Trois mois.", "title": "Réversibilité (v3)"},
    )
    assert draft.status_code == 201, draft.get_json()
    approve = "/api/clauses/reversibilite-test/versions/3/approve"
    assert approver_client.post(approve, json={}).status_code == 200
    retire = "/api/clauses/reversibilite-test/versions/2/retire"
    assert approver_client.post(retire, json={}).status_code == 200
    ticked = client.post(
        f"{base}/checklist/items/suppression", json={"state": "pending", "note": "À venir."}
    )
    assert ticked.status_code == 201, ticked.get_json()
    amended = client.post(
        f"{base}/amendments",
        json={
            "effective_on": "2025-01-01",
            "reason": "Prolongation",
            "changes": [{"kind": "contract_end", "end_on": "2031-07-14"}],
        },
    )
    assert amended.status_code == 201, amended.get_json()
    with clausier(app).db.sessions() as session:
        entries = {
            (entry.action, entry.actor)
            for entry in session.scalars(select(AuditEntry).where(AuditEntry.actor != ""))
        }
    assert {
        ("delivery_uploaded", AGENT),
        ("version_approved", "relecteur@valbrune.test"),
        ("version_retired", "relecteur@valbrune.test"),
        ("checklist_ticked", AGENT),
        ("amendment_recorded", AGENT),
    } <= entries
