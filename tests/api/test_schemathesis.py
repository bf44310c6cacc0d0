"""Schemathesis over the whole OpenAPI document, against the application in-process.

Every operation of ``/api/openapi.json`` (the fixture checks the served document is the one
tested) gets a few generated requests — valid ones and
invalid ones, the schema's edge values, methods it does not declare — and every check
schemathesis has: no server error, every status and content type documented, every JSON body
and header as declared, valid requests accepted, invalid ones refused with a 4xx, a 405 with
its ``Allow``. The run is bounded (``MAX_EXAMPLES`` an operation) and seeded (``SEED``, with
Hypothesis' example database off), so a failure shows again on the next run.

Every request carries an API token of a user holding every staff role in the demo
organisation: the token of a role the operation's right allows (a token has one role), so the
run reaches past the 403s; the document's security is checked too (without the token: 401).

Each operation starts from the same database: the demo data (``clausier demo``: the
reference library, the sample CCTP analysed, the lighting concession and its deliveries),
plus an organisation template, a ticked checklist item with its file and a finished report
job, built once on SQLite and copied for each operation. Path parameters are drawn half the
time from those records, so the run reaches past the 404s.

SQLite only, to keep the run to about a minute (30 examples × 58 operations: 40 to 70 s on
a shared two-core machine, 2.5 min at 60); what differs on PostgreSQL (NUL in a text, integers
beyond 2^31) has its own tests on both databases in ``test_errors.py``.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth

from service import create_app
from service.accounts.rights import RIGHTS
from service.api.declare import OPERATIONS
from service.api.openapi import document
from service.settings import PROJECT_ROOT
from tests.conftest import clausier
from tests.members import STAFF_ROLES, make_member, token_for

#: The run's seed and its examples an operation; another seed or more examples for a deeper
#: run by hand (CLAUSIER_SCHEMATHESIS_SEED=…, CLAUSIER_SCHEMATHESIS_EXAMPLES=…).
SEED = int(os.environ.get("CLAUSIER_SCHEMATHESIS_SEED", "14"))
MAX_EXAMPLES = int(os.environ.get("CLAUSIER_SCHEMATHESIS_EXAMPLES", "30"))

ORG = "valmont-sur-loire"
CONTRACT = f"/api/organisations/{ORG}/contracts/EP-2024-01"
#: Records of the demo data (and of what ``demo_data`` adds), by path parameter.
KNOWN: dict[str, Any] = {
    "org": ORG,
    "reference": "EP-2024-01",
    "dataset": "inventaire_points_lumineux",
    "clause_id": "reversibilite-concession",
    "number": 1,
    "family_id": "reversibilite",
    "analysis_id": 1,
    "set_id": "concession-eclairage-public",
    "template_id": 1,
    "item": "perimetre",
    "event_id": 1,
}

#: Operations whose domain checks what a JSON Schema cannot say — a file's content, a rule
#: across fields, values the chosen clauses ask for: there a request the schema allows may be
#: refused with these statuses (a problem+json all the same, the checks still hold for the
#: rest: no 5xx, statuses, media types and bodies as documented, invalid requests refused).
REFUSED_BY_THE_DOMAIN: dict[str, tuple[tuple[int, ...], str]] = {
    "createAnalysis": ((415, 422), "the file must be a readable CCTP"),
    "importAnnexObligations": ((422,), "the file must be a readable DOCX annex"),
    "createOrgTemplate": ((422,), "the file must be a DOCX template the sandbox accepts"),
    "createDelivery": (
        (415, 422),
        "the file of the obligation's format, a period of the obligation, a sender; "
        "received_at is the buyer's",
    ),
    "createAnnex": (
        (422,),
        "one of clauses, analysis_id, template_set; the values the chosen clauses ask for",
    ),
    "annexMissing": ((422,), "one of clauses, analysis_id, template_set"),
    "createContract": ((422,), "the end after the start; each obligation's terms together"),
    "createObligation": ((422,), "a Table Schema with fields; a day for a one-off delivery"),
    "createAmendment": ((422,), "each kind of change with its fields; a reason, an author"),
    "tick": ((422,), "« done » or « pending », an author, a note or a file"),
    "createClause": ((422,), "the text's placeholders and the variables declared match"),
    "createDraft": ((422,), "the text's placeholders and the variables declared match"),
    "editDraft": ((422,), "the text's placeholders and the variables declared match"),
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
#: The run's user: every staff role in the demo organisation.
RUNNER = "schemathesis@demo.clausier.example"
#: Its API tokens, one per staff role (secrets, filled by ``demo_data``).
TOKENS: dict[str, str] = {}
#: Each operation's right, by operation id.
RIGHT_OF = {operation.operation_id: operation.right for operation in OPERATIONS}


def _bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def _token_for(operation_id: str) -> dict[str, str]:
    """The token of a role the operation's right allows (any for one nobody may call)."""
    right = RIGHT_OF.get(operation_id)
    allowed = RIGHTS[right].roles if right is not None else frozenset()
    role = next((role for role in STAFF_ROLES if role in allowed), STAFF_ROLES[0])
    return _bearer(role)


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "database": "none",
            # NUL in a text is refused by the database layer, on every write (422, code
            # « nul », tests/api/test_errors.py), which the document does not state field by
            # field.
            "allow-x00": False,
        },
        "operations": [
            {
                "include-operation-id": operation_id,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [*ACCEPTED, *map(str, statuses)]
                    }
                },
            }
            for operation_id, (statuses, _why) in REFUSED_BY_THE_DOMAIN.items()
        ],
    }
)
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> Any:
    """Half the time, aim a request with valid path parameters at the demo's records."""
    names = [name for name in case.path_parameters or {} if name in KNOWN]
    if not names or case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return st.just(case)

    def aim(known: bool) -> schemathesis.Case:
        if known:
            case.path_parameters = {**case.path_parameters, **{n: KNOWN[n] for n in names}}
        return case

    return st.booleans().map(aim)


class _Queue:
    """A job runner that leaves jobs queued: no thread outlives its operation's database."""

    def enqueue(self, db: Any, job_id: str) -> None:
        """Leave the job queued."""


def _app(data: Path) -> Flask:
    # Every example is an upload from one address: its rate left unbounded, so that each is
    # judged by the operation, not refused for the run's pace (tests/test_slots.py holds it).
    return create_app({"TESTING": True, "CLAUSIER_DATA_DIR": str(data), "UPLOAD_RATE_LIMIT": "off"})


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory of the demo, with one record of each kind the API serves."""
    data = tmp_path_factory.mktemp("schemathesis") / "demo"
    app = _app(data)
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    with clausier(app).db.sessions() as session:
        member = make_member(session, RUNNER, slug=ORG)
        TOKENS.update({role: token_for(session, member, role) for role in STAFF_ROLES})
    client = app.test_client()
    assert client.get("/api/openapi.json").get_json() == document()
    template = (PROJECT_ROOT / "templates" / "docx" / "annexe_donnees.docx").read_bytes()
    uploaded = client.post(
        f"/api/organisations/{ORG}/templates",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(template), "modele.docx"), "name": "Modèle"},
        headers=_bearer("admin"),
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    ticked = client.post(
        f"{CONTRACT}/checklist/items/{KNOWN['item']}",
        content_type="multipart/form-data",
        data={"state": "done", "file": (io.BytesIO(b'{"preuve": true}'), "preuve.json")},
        headers=_bearer("contract_manager"),
    )
    assert ticked.status_code == 201, ticked.get_json()
    client.environ_base["HTTP_AUTHORIZATION"] = _bearer("contract_manager")["Authorization"]
    report = client.get(f"/api/analyses/{KNOWN['analysis_id']}/report.pdf")
    assert report.status_code == 202
    clausier(app).jobs.shutdown()  # type: ignore[attr-defined]  # the job done, its PDF stored
    KNOWN["job_id"] = report.get_json()["id"]
    deliveries = client.get(f"{CONTRACT}/obligations/{KNOWN['dataset']}/deliveries")
    KNOWN["delivery_id"] = deliveries.get_json()["items"][-1]["id"]
    for path in (
        f"{CONTRACT}/obligations/{KNOWN['dataset']}/deliveries/{KNOWN['delivery_id']}",
        f"/api/clauses/{KNOWN['clause_id']}/versions/{KNOWN['number']}",
        f"/api/families/{KNOWN['family_id']}",
        f"/api/template-sets/{KNOWN['set_id']}",
        f"/api/organisations/{ORG}/templates/{KNOWN['template_id']}",
        f"{CONTRACT}/checklist/files/{KNOWN['event_id']}",
        f"/api/jobs/{KNOWN['job_id']}/result",
    ):
        assert client.get(path).status_code == 200, path
    clausier(app).db.dispose()
    return data


@pytest.fixture
def demo_app(demo_data: Path, tmp_path: Path) -> Iterator[Flask]:
    """The application on a copy of the demo data, one per operation."""
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    app = _app(data)
    clausier(app).jobs = _Queue()
    yield app
    clausier(app).db.dispose()


# One copy of the database an operation, shared by its examples: what the fixture is for.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def keeps_to_its_document(case: schemathesis.Case, demo_app: Flask) -> None:
    """A generated request, with the token of a role allowed to make it, gets an answer the
    document describes, and the right one."""
    operation_id = case.operation.definition.raw.get("operationId", "")
    # ``ignored_auth`` probes without the token through schemathesis' own HTTP transport, not
    # this in-process app; tests/test_rights_matrix.py holds every route to 401 without one.
    case.call_and_validate(
        app=demo_app, headers=_token_for(operation_id), excluded_checks=[ignored_auth]
    )


#: Every operation of the document, by its id (service/api/declare.py gives each one).
OPERATION_IDS = [
    result.ok().definition.raw["operationId"] for result in schema.get_all_operations()
]
assert len(set(OPERATION_IDS)) == len(OPERATION_IDS), "an operation id given twice"

# One test an operation, ``test_<operationId>``, each the test above on a schema of that one
# operation: its own pytest item, run, counted and reported alone, in one process and under
# pytest-xdist alike. (One test parametrized by the whole schema gave its 58 items one node id
# under pytest 9.2, and xdist's schedulers key their work by node id: under ``--dist
# loadgroup`` one operation of 58 ran, counted as one test.) The cases are those of the
# whole schema's run — each operation's seed derives from ``SEED`` and its label, the
# configuration and hooks are the schema's — and one more kind: the methods a path does not
# declare, tried once per path before, are tried for each of its operations. (Not
# ``schema.include``: its filter is added to the configuration's, either sufficing.)
for _operation_id in OPERATION_IDS:
    _one = schema.exclude(operation_id=[other for other in OPERATION_IDS if other != _operation_id])
    assert len(list(_one.get_all_operations())) == 1, _operation_id
    globals()[f"test_{_operation_id}"] = _one.parametrize()(keeps_to_its_document)
