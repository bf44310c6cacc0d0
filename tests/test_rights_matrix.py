"""Every rule of the URL map × every role × own organisation / another organisation /
anonymous, against one declarative table (``RIGHTS_OF``): endpoint → the action of
``service.accounts.rights.RIGHTS`` it performs (per method when they differ), or ``PUBLIC``.

A rule missing from the table fails the test, so a new route cannot go without a right. The
expectations come from the table and RIGHTS only:

- anonymous: the API answers 401 (problem+json, ``WWW-Authenticate: Bearer``), the pages
  send to the sign-in page; a public endpoint answers neither;
- a role the action does not allow: 403 on its own organisation's object, 404 on another's
  (existence does not leak), 403 on the shared library;
- a role it allows: neither 401, 403 nor a redirect to the sign-in page on its own
  organisation's object (nor 404: every object named exists), 404 on another's.

The data is built once for the module on SQLite (two organisations with a contract, a
delivery, a tick with its file, an amendment, an analysis, a job and a template each; one
user per role in the first); a smaller PostgreSQL run checks the anonymous and the
other-organisation verdicts there too. No answer may be a 500.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from service import create_app
from service.accounts.identity import operator_identity
from service.accounts.models import Role, User
from service.accounts.rights import RIGHTS, Reach
from service.accounts.tokens import create_token
from service.analysis.analyze import analyze_upload
from service.annexes.org_templates import upload_template
from service.auth import is_public
from service.deliveries import amendments
from service.deliveries.checklist import tick_item
from service.deliveries.contracts import get_contract
from service.deliveries.pending import VALIDATION_JOB, receive_delivery
from service.deliveries.record import record_delivery
from service.jobs_models import Job
from service.library.files import import_library
from tests.annexes.test_render import docx_with
from tests.conftest import FIXTURES
from tests.deliveries.factories import GOOD_CSV, make_contract, make_obligation, paris
from tests.members import MemberClient, make_member, organisation, signed_in

PUBLIC = "public"

#: The one table: endpoint → action (or {method: action}), or PUBLIC.
RIGHTS_OF: dict[str, str | dict[str, str]] = {
    # public: the files of the pages, the OpenAPI document and the page that reads it, the
    # sign-in and the invitation (the blueprints « oidc » and « accessibility »: whole, below)
    "static": PUBLIC,
    "api.openapi": PUBLIC,
    "reference.index": PUBLIC,
    "account.sign_in": PUBLIC,
    "account.sign_out": PUBLIC,
    "account.accept_invitation": PUBLIC,
    # one's own account and tokens; the organisation's members, tokens and log (admin)
    "account.profile": "manage_own_account",
    "account.switch_organisation": "manage_own_account",
    "account.password": "manage_own_account",
    "account.close_other_sessions": "manage_own_account",
    "account.tokens": "manage_own_tokens",
    "account.create_api_token": "manage_own_tokens",
    # the token revoked is another member's: the admin's right, not one's own
    "account.revoke_api_token": "manage_tokens",
    "account.members": "manage_users",
    "account.invite_member": "manage_users",
    "account.grant_member_role": "manage_users",
    "account.revoke_member_role": "manage_users",
    "account.disable_member": "manage_users",
    "account.enable_member": "manage_users",
    "account.audit_log": "read_audit",
    "account.audit_export": "read_audit",
    # the shared library
    "library.index": "read_library",
    "library.clause": "read_library",
    "library.version": "read_library",
    "library.compare": "read_library",
    "clause_pdf.version_pdf": "read_library",
    "clause_pdf.diff_pdf": "read_library",
    "search.search": "read_library",
    "library.approve": "approve_version",
    "library.retire": "retire_clause",
    "editor.new_clause": "draft_version",
    "editor.new_version": "draft_version",
    "editor.edit_version": "draft_version",
    "editor.preview": "draft_version",
    "api.list_families": "read_library",
    "api.get_family": "read_library",
    "api.list_clauses": "read_library",
    "api.get_clause": "read_library",
    "api.list_versions": "read_library",
    "api.get_version": "read_library",
    "api.diff_versions": "read_library",
    "api.search": "read_library",
    "api.list_sets": "read_library",
    "api.get_set": "read_library",
    "api.create_clause": "draft_version",
    "api.create_draft": "draft_version",
    "api.edit_draft": "draft_version",
    "api.approve_version": "approve_version",
    "api.retire_version": "retire_clause",
    # analyses, their reports and jobs, annexes and templates of the organisation
    "analyses.index": "read_analysis",
    "analyses.create": "analyse_document",
    "analyses.show": "read_analysis",
    "analyses.rerun": "analyse_document",
    "report_pdf.report_pdf": "read_analysis",
    "jobs.show": "read_analysis",
    "jobs.result": "read_analysis",
    "annexes.annex_form": "generate_annex",
    "annexes.annex_create": "generate_annex",
    "annexes.library_annex_form": "generate_annex",
    "annexes.library_annex_create": "generate_annex",
    "annexes.template_sets": "generate_annex",
    "org_templates.index": "read_templates",
    "org_templates.upload": "manage_templates",
    "api.list_analyses": "read_analysis",
    "api.create_analysis": "analyse_document",
    "api.get_analysis": "read_analysis",
    "api.rerun_analysis": "analyse_document",
    "api.get_report_pdf": "read_analysis",
    "api.get_job": "read_analysis",
    "api.job_result": "read_analysis",
    "api.create_annex": "generate_annex",
    "api.annex_missing": "generate_annex",
    "api.list_org_templates": "read_templates",
    "api.create_org_template": "manage_templates",
    "api.get_org_template": "read_templates",
    "api.org_template_file": "read_templates",
    # organisations, contracts, deliveries, checklists
    "api.list_orgs": "read_organisation",
    "api.create_org": "create_organisation",
    "contracts.overview": "list_contracts",
    "contracts.organisation": "list_contracts",
    "contracts.contract": "read_contract",
    "contracts.new_contract": "manage_contract",
    "contracts.add_obligation": "manage_contract",
    "contracts.import_annex": "manage_contract",
    "contracts.amendments_page": {"GET": "read_contract", "POST": "amend_contract"},
    "contracts.upload": "upload_delivery",
    "contracts.delivery": "read_contract",
    "contracts.delivery_file": "read_contract",
    "pending_deliveries.page": "read_contract",
    "pending_deliveries.file": "read_contract",
    "pending_deliveries.retry": "upload_delivery",
    "checklist.page": "read_contract",
    "checklist.docx": "read_contract",
    "checklist.pdf": "read_contract",
    "checklist.evidence": "read_contract",
    "checklist.tick": "tick_checklist",
    "api.global_dashboard": "list_contracts",
    "api.list_org_contracts": "list_contracts",
    "api.create_contract": "manage_contract",
    "api.get_contract": "read_contract",
    "api.create_obligation": "manage_contract",
    "api.import_annex_obligations": "manage_contract",
    "api.list_amendments": "read_contract",
    "api.get_amendment": "read_contract",
    "api.create_amendment": "amend_contract",
    "api.list_deliveries": "read_contract",
    "api.create_delivery": "upload_delivery",
    "api.get_delivery": "read_contract",
    "api.delivery_file": "read_contract",
    "api.get_pending_delivery": "read_contract",
    "api.pending_delivery_file": "read_contract",
    "api.retry_pending_delivery": "upload_delivery",
    "api.org_dashboard": "list_contracts",
    "api.contract_dashboard": "read_contract",
    "api.org_calendar": "list_contracts",
    "api.create_private_link": "list_contracts",
    "contracts.private_link": "list_contracts",
    "api.contract_calendar": "read_contract",
    "api.get_checklist": "read_contract",
    "api.get_item": "read_contract",
    "api.tick": "tick_checklist",
    "api.evidence_file": "read_contract",
    "api.checklist_docx": "read_contract",
    "api.checklist_pdf": "read_contract",
}

#: Blueprints all of whose endpoints are public: the OpenID Connect sign-in, the
#: accessibility statement.
PUBLIC_BLUEPRINTS = frozenset({"oidc", "accessibility"})

ROLES = [role.value for role in Role]
OWN, OTHER = "valbrune", "montclair"
#: Path parameters naming an object of an organisation: another's answers 404.
OWNED = {"org", "analysis_id", "job_id", "validation_id", "user_id", "token_id"}


@dataclass
class World:
    """The application, one signed-in client per role (in « valbrune »), an anonymous one,
    and the path values of each organisation's objects."""

    app: Flask
    clients: dict[str, MemberClient]
    values: dict[str, dict[str, str]]


def _objects(session: Any, slug: str) -> dict[str, str]:
    """An organisation with one of everything; the path values that name them."""
    operator = operator_identity("tests")
    org = organisation(session, slug)
    contract = make_contract(session, org, reference="EP-1")
    obligation = make_obligation(session, contract)
    delivery = record_delivery(
        session,
        obligation,
        "2024-08",
        GOOD_CSV,
        filename="inventaire.csv",
        sender="Lumicité",
        sender_role="titulaire",
        received_at=paris(2024, 9, 1),
        recorded_by="acheteur",
    )
    event = tick_item(
        session, contract, "suppression", "done", "Reçu.", "M. Roy", ("certificat.pdf", b"%PDF")
    )
    changes = amendments.changes_from_data([{"kind": "contract_end", "end_on": "2031-07-14"}])
    amendments.amend_contract(
        session,
        contract,
        effective_on=dt.date(2025, 1, 1),
        reason="Prolongation",
        author=operator.actor,
        changes=changes,
    )
    text = f"Article 1 — Réversibilité\nLe titulaire de {slug} restitue les données.\n"
    analysis, _ = analyze_upload(session, text.encode(), "cctp.txt", organisation_id=org.id)
    job = Job(
        id=str(uuid.uuid4()),
        kind="analysis_report",
        key=uuid.uuid4().hex,
        params={"analysis_id": analysis.id},
        state="failed",
        error="Pour le test.",
        organisation_id=org.id,
    )
    session.add(job)
    # A large delivery whose background validation failed: its page and its file stay.
    accepted = receive_delivery(
        session,
        obligation,
        "2024-09",
        GOOD_CSV,
        background_bytes=0,
        filename="inventaire-septembre.csv",
        sender="Lumicité",
        sender_role="titulaire",
    )
    validation = Job(
        id=str(uuid.uuid4()),
        kind=VALIDATION_JOB,
        key=uuid.uuid4().hex,
        params=accepted.params,
        state="failed",
        error="Pour le test.",
        organisation_id=org.id,
    )
    session.add(validation)
    template = upload_template(
        session, org, "En-tête", "entete.docx", docx_with("{{ objet }}"), operator.actor
    )
    someone = make_member(session, f"quelqu-un@{slug}.test", ("acheteur",), slug=slug)
    issued = create_token(
        session,
        session.get(User, someone.user_id),
        org,
        "acheteur",
        name="Script de dépôt",
        by=operator,
    )
    session.flush()
    return {
        "user_id": str(someone.user_id),
        "token_id": str(issued.token.id),
        "secret": "invitation-inconnue",
        "org": slug,
        "reference": "EP-1",
        "dataset": "inventaire",
        "delivery_id": str(delivery.id),
        "event_id": str(event.id),
        "number": "1",
        "item": "suppression",
        "analysis_id": str(analysis.id),
        "job_id": job.id,
        "validation_id": validation.id,
        "template_id": str(template.id),
        "clause_id": "open-data-test",
        "family_id": "open_data",
        "set_id": "inconnu",
        "filename": "clausier.css",
    }


def _world(database_url: str, data_dir: Path) -> World:
    app = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(data_dir / "index"),
            # A report is a background job: rendered once, not once per role.
            "REPORT_BACKGROUND_PAGES": 0,
        }
    )
    db = app.extensions["clausier"].db
    with db.sessions() as session:
        import_library(session, FIXTURES / "library")
        values = {slug: _objects(session, slug) for slug in (OWN, OTHER)}
        session.commit()
        held = get_contract(session, organisation(session, OWN), "EP-1")
        members = {
            role: make_member(session, f"{role}@valbrune.test", (role,), contracts=(held,))
            for role in ROLES
        }
    clients = {role: signed_in(app, member) for role, member in members.items()}
    clients["anonymous"] = MemberClient(app, app.response_class, use_cookies=True)
    return World(app, clients, values)


@pytest.fixture(scope="module")
def small_pdfs() -> Iterator[None]:
    """Every PDF laid out from one short page: the matrix asks each role for each PDF route,
    and what it checks is who gets one, not its pages (tests/documents and tests/web check
    those) — a real weasyprint layout still, of a page instead of twenty."""
    import weasyprint

    render = weasyprint.HTML.render

    def short(self: Any, *args: Any, **kwargs: Any) -> Any:
        return render(weasyprint.HTML(string="<p>Matrice des droits</p>"), *args, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(weasyprint.HTML, "render", short)
    yield
    patch.undo()


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, small_pdfs: None
) -> Iterator[World]:
    """The data and the clients, built once for the module on SQLite."""
    directory = tmp_path_factory.mktemp("matrix")
    shutil.copy(sqlite_template, directory / "clausier.sqlite3")
    built = _world(f"sqlite:///{directory / 'clausier.sqlite3'}", directory / "data")
    yield built
    built.app.extensions["clausier"].db.dispose()


def _rules(app: Flask) -> list[tuple[Rule, str]]:
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        ),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


def _entry(endpoint: str) -> str | dict[str, str] | None:
    if endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS:
        return PUBLIC
    return RIGHTS_OF.get(endpoint)


def _action(endpoint: str, method: str) -> str:
    entry = _entry(endpoint)
    assert entry is not None, endpoint
    return entry[method] if isinstance(entry, dict) else entry


def _url(rule: Rule, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)


def _send(client: MemberClient, method: str, url: str) -> Any:
    # A form carries its token as a browser's would: what is refused is refused by the right.
    data = {} if method == "GET" or url.startswith("/api") else {"csrf_token": client.csrf}
    response = client.open(url, method=method, data=data)
    response.get_data()  # read, then closed: a static file is a file
    response.close()
    return response


def _signed_in_page(response: Any) -> bool:
    return response.status_code in (302, 303) and response.headers.get("Location", "").startswith(
        "/connexion"
    )


def test_every_rule_is_in_the_table_and_every_action_in_rights(world: World) -> None:
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    missing = sorted(endpoint for endpoint in endpoints if _entry(endpoint) is None)
    assert not missing, f"routes sans droit déclaré dans RIGHTS_OF : {missing}"
    for endpoint in endpoints:
        entry = _entry(endpoint)
        assert entry is not None
        for action in entry.values() if isinstance(entry, dict) else [entry]:
            assert action == PUBLIC or action in RIGHTS, (endpoint, action)
            view = world.app.view_functions[endpoint]
            assert (action == PUBLIC) == is_public(endpoint, view), endpoint


def test_anonymous_is_asked_to_sign_in_everywhere_but_the_public_routes(world: World) -> None:
    client = world.clients["anonymous"]
    for rule, method in _rules(world.app):
        url = _url(rule, world.values[OWN])
        response = _send(client, method, url)
        where = f"{method} {url}"
        assert response.status_code < 500, where
        if _action(rule.endpoint, method) == PUBLIC:
            assert response.status_code != 401 and not _signed_in_page(response), where
        elif url.startswith("/api"):
            assert response.status_code == 401, where
            assert response.mimetype == "application/problem+json", where
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), where
        else:
            assert _signed_in_page(response), where
            assert response.status_code == 303, where  # « see the sign-in page »
            assert "suivant=" in response.headers["Location"], where


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_what_the_table_allows_and_nothing_of_another_organisation(
    world: World, role: str
) -> None:
    client = world.clients[role]
    for rule, method in _rules(world.app):
        action = _action(rule.endpoint, method)
        if action == PUBLIC:
            continue
        right = RIGHTS[action]
        allowed = role in right.roles
        owned = bool(OWNED & set(rule.arguments))
        for side in (OWN, OTHER) if owned else (OWN,):
            url = _url(rule, world.values[side])
            response = _send(client, method, url)
            status = response.status_code
            where = f"{role} {method} {url} → {status}"
            assert status < 500, where
            assert status != 401 and not _signed_in_page(response), where
            if side == OTHER:
                assert status == 404, where
            elif not allowed:
                assert status == 403, where
            else:
                assert status != 403, where
                if right.reach is not Reach.LIBRARY:
                    assert status != 404, where


def test_a_concessionnaire_reaches_only_the_contracts_it_holds(world: World) -> None:
    """Its organisation's other contract answers 404 as another organisation's would."""
    app = world.app
    with app.extensions["clausier"].db.sessions() as session:
        org = organisation(session, OWN)
        make_contract(session, org, reference="EP-2")
        session.commit()
    client = world.clients[Role.CONCESSIONNAIRE.value]
    held = "/api/organisations/valbrune/contracts/EP-1"
    other = "/api/organisations/valbrune/contracts/EP-2"
    assert client.get(held).status_code == 200
    assert client.get(other).status_code == 404
    assert client.get("/organisations/valbrune/contrats/EP-2").status_code == 404
    listed = client.get("/api/organisations/valbrune/contracts").get_json()["items"]
    assert [c["reference"] for c in listed] == ["EP-1"]
    assert world.clients["contract_manager"].get(other).status_code == 200


def test_the_matrix_holds_on_postgresql(
    postgres_url: str, tmp_path: Path, database_url: str
) -> None:
    """On PostgreSQL: anonymous and another organisation's objects, for two roles."""
    if not database_url.startswith("postgresql"):
        pytest.skip("la variante SQLite est le reste de ce module")
    built = _world(database_url, tmp_path / "data")
    try:
        for rule, method in _rules(built.app):
            action = _action(rule.endpoint, method)
            if action == PUBLIC or not OWNED & set(rule.arguments):
                continue
            url = _url(rule, built.values[OTHER])
            for who in ("anonymous", "contract_manager", "acheteur"):
                response = _send(built.clients[who], method, url)
                expected = (401, 302, 303) if who == "anonymous" else (404,)
                assert response.status_code in expected, (who, method, url)
    finally:
        built.app.extensions["clausier"].db.dispose()


def test_the_data_of_the_matrix_is_real(world: World) -> None:
    """The objects the matrix names exist: the contract manager reads each of them."""
    client = world.clients["contract_manager"]
    base = "/api/organisations/valbrune/contracts/EP-1"
    own = world.values[OWN]
    assert client.get(base).get_json()["amendments"][0]["number"] == 1
    delivery = f"{base}/obligations/inventaire/deliveries/{own['delivery_id']}/file"
    assert client.get(delivery).data == GOOD_CSV
    assert client.get(f"{base}/checklist/files/{own['event_id']}").data == b"%PDF"
    analysis = client.get(f"/api/analyses/{own['analysis_id']}")
    assert analysis.status_code == 200 and "cctp.txt" in analysis.get_data(as_text=True)
    assert client.get(f"/api/jobs/{own['job_id']}").get_json()["state"] == "failed"
    validation = f"{base}/obligations/inventaire/deliveries/pending/{own['validation_id']}"
    # Failed when built; the matrix's retries may have run it since.
    assert client.get(validation).get_json()["state"] in ("failed", "queued", "running", "done")
    assert client.get(f"{validation}/file").data == GOOD_CSV
    file = client.get(f"/api/organisations/valbrune/templates/{own['template_id']}/file")
    assert file.status_code == 200 and io.BytesIO(file.data).read(2) == b"PK"
