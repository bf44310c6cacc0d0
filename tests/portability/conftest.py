"""Fixtures of the export/import tests: one organisation with every kind of row (and a second
that must not leave), built and exported once per kind of database through ``clausier
export``; and a fresh, empty, migrated database to import into, for each test."""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.orm import Session

from service import create_app, jobs, migrate
from service.accounts import passwords
from service.accounts.invitations import find_invitation, invite
from service.accounts.tokens import create_token, revoke_token, token_identity
from service.analysis.analyze import analyze_consultation_upload, analyze_upload
from service.annexes.org_templates import upload_template
from service.db import Base
from service.deliveries.amendments import ChangeTerms, amend_contract
from service.deliveries.checklist import tick_item
from service.deliveries.contracts import create_contract
from service.deliveries.record import record_delivery
from service.jobs_models import Job
from service.library.files import import_library
from service.organisations import set_identifiers
from service.portability.tables import (
    EXPORTED,
    VIRTUAL,
    consultation_pieces,
    rows_of,
    table,
)
from tests.accounts.factories import OPERATOR, make_user
from tests.annexes.test_render import docx_with
from tests.conftest import FIXTURES, POSTGRES_URL, clausier
from tests.deliveries.factories import (
    BAD_CSV,
    GOOD_CSV,
    SIREN,
    deliver,
    make_obligation,
    make_organisation,
    paris,
)

CCTP = """# CCTP — Portail de démarches en ligne

## Article 7 – Réversibilité

À la fin du marché, le titulaire restitue à l'acheteur l'ensemble des données dans un format
ouvert et documenté, dans un délai de deux mois.
"""
CCAP = """# CCAP — Portail de démarches en ligne

## Article 12 – Propriété des données

Les données produites dans le cadre du marché appartiennent à l'acheteur.
"""


@dataclass
class Exported:
    """An organisation exported by ``clausier export``, with what its database held."""

    kind: str
    directory: Path
    slug: str
    organisation_id: int
    #: Every exported table's rows in the source database (all columns), by primary key.
    rows: dict[str, list[dict[str, Any]]]
    #: The stored files' bytes, by checksum.
    contents: dict[str, bytes]
    #: What belongs to the second organisation alone, and its own export (its contract cites
    #: no clause of the library).
    other_slug: str
    other_directory: Path
    other_emails: set[str]
    other_files: set[str]
    #: The entry the export wrote in the source's audit log.
    export_entry: dict[str, Any]
    export_output: str
    #: The secrets of an active token and of a pending invitation, as their holders have them.
    token_secret: str
    invitation_secret: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exported]:
    """Build the two organisations on a fresh database and export the first through the
    command line."""
    tmp = tmp_path_factory.mktemp(f"source-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'source.sqlite3'}"
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp / "source.sqlite3")
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate(url)
    app = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": url,
            "SEARCH_INDEX_DIR": str(tmp / "index"),
        }
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
        ids = _build(app)
    directory = tmp / "export"
    result = app.test_cli_runner().invoke(
        args=["export", "--organisation", "valbrune", str(directory)]
    )
    assert result.exit_code == 0, result.output
    other = app.test_cli_runner().invoke(
        args=["export", "--organisation", "castelbois", str(tmp / "export-castelbois")]
    )
    assert other.exit_code == 0, other.output
    db = clausier(app).db
    with db.sessions() as session:
        pieces = consultation_pieces(session, ids["org"])
        # In the source, the secrets work: after the import, they must not.
        assert token_identity(session, ids["token_secret"]).email == "admin@valbrune.fr"
        assert find_invitation(session, ids["invitation_secret"]).email == "nouveau@lumicite.fr"
        session.rollback()  # a token's use is recorded: not in the snapshot below
    with db.engine.connect() as connection:
        rows = {
            name: [
                dict(r._mapping) for r in connection.execute(_all_columns(name, ids["org"], pieces))
            ]
            for name in EXPORTED
            if name not in VIRTUAL
        }
        contents = dict(
            connection.execute(
                select(table("stored_file").c.sha256, table("stored_file").c.content)
            ).all()
        )
        entry = connection.execute(
            select(table("audit_entry"))
            .where(
                table("audit_entry").c.action == "organisation_exported",
                table("audit_entry").c.organisation_id == ids["org"],
            )
            .order_by(table("audit_entry").c.id.desc())
        ).first()
    yield Exported(
        kind=request.param,
        directory=directory,
        slug="valbrune",
        organisation_id=ids["org"],
        rows=rows,
        contents=contents,
        other_slug="castelbois",
        other_directory=tmp / "export-castelbois",
        other_emails={"seule@castelbois.fr"},
        other_files=ids["other_files"],
        export_entry=dict(entry._mapping) if entry else {},
        export_output=result.output,
        token_secret=ids["token_secret"],
        invitation_secret=ids["invitation_secret"],
    )
    db.dispose()


def _all_columns(name: str, organisation_id: int, pieces: set[str]) -> Any:
    """The organisation's rows of a table with every column, withheld ones included."""
    t = table(name)
    query = rows_of(name, organisation_id, pieces)
    return query.with_only_columns(*t.columns)


def _build(app: Flask) -> dict[str, Any]:
    """Two organisations: « valbrune » with a row of every kind, « castelbois » beside it."""
    db = clausier(app).db
    with db.session() as session:
        import_library(session, FIXTURES / "library")
    with app.app_context(), db.session() as session:
        ids = _valbrune(app, session)
    with app.app_context(), db.session() as session:
        ids["other_files"] = _castelbois(session)
    # A report job of the organisation, made by the app's runner: its PDF is a stored file.
    job = jobs.submit(db, "analysis_report", {"analysis_id": ids["analysis"]}, clausier(app).jobs)
    deadline = time.monotonic() + 120
    while True:
        with db.sessions() as session:
            state = session.get(Job, job.id).state
        if state in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert state == "done"
    with db.session() as session:
        # Jobs belong to the organisation whose member asked (migration 0009); the pages set it.
        session.execute(update(Job).where(Job.id == job.id).values(organisation_id=ids["org"]))
    return ids


def _valbrune(app: Flask, session: Session) -> dict[str, Any]:
    organisation = make_organisation(session, "valbrune")
    set_identifiers(session, organisation, siren=None, siret="21310555400017")
    contract = create_contract(
        session,
        organisation,
        reference="EP-2024-01",
        title="Concession de l'éclairage public",
        kind="concession",
        titulaire_name="Lumicité Exploitation SAS",
        titulaire_siren=SIREN,
        start_on=dt.date(2024, 7, 15),
        end_on=dt.date(2030, 7, 14),
        clauses=[("reversibilite-test", 2), ("open-data-test", 1)],
    )
    inventory = make_obligation(session, contract)
    make_obligation(session, contract, "consommations", "yearly", 60, schema=None)
    amend_contract(
        session,
        contract,
        effective_on=dt.date(2025, 1, 1),
        reason="Le délai de l'inventaire passe à trente jours.",
        author="Service de la commande publique",
        changes=[ChangeTerms("inventaire", {"delay_days": 30})],
    )
    deliver(session, inventory, "2024-08", GOOD_CSV, paris(2024, 9, 2), sender_role="acheteur")
    deliver(session, inventory, "2024-09", BAD_CSV)
    record_delivery(
        session,
        inventory,
        "2024-09",
        GOOD_CSV.replace(b"70", b"71"),
        filename="inventaire-corrige.csv",
        sender="Lumicité",
        sender_role="titulaire",
        note="Corrigé",
    )
    tick_item(session, contract, "formats", "done", "Formats vérifiés.", "M. Roux")
    tick_item(
        session, contract, "perimetre", "done", "", "M. Roux", file=("pv.txt", b"PV de recette\n")
    )
    tick_item(session, contract, "perimetre", "pending", "Le PV est incomplet.", "Mme Lebon")
    analysis, _ = analyze_upload(session, CCTP.encode(), "cctp-portail.md")
    consultation, _ = analyze_consultation_upload(
        session, [("cctp.md", CCTP.encode()), ("ccap.md", CCAP.encode())]
    )
    for made in (analysis, consultation):
        made.organisation_id = organisation.id  # analyses belong to the asker's organisation
    upload_template(
        session, organisation, "Modèle maison", "modele.docx", docx_with("Annexe."), "M. Roux"
    )
    admin = make_user(session, "admin@valbrune.fr", organisation, "admin")
    manager = make_user(session, "gestion@valbrune.fr", organisation, "contract_manager", "dsi")
    make_user(
        session,
        "depot@lumicite.fr",
        organisation,
        "concessionnaire",
        password=None,
        contracts=(contract,),
    )
    other = make_organisation(session, "castelbois")
    shared = make_user(session, "partage@exemple.fr", organisation, "acheteur")
    from service.accounts.users import grant_role

    grant_role(session, shared, other, "dpo", by=OPERATOR)
    token = create_token(session, manager, organisation, "dsi", name="Script", by=OPERATOR)
    active = create_token(session, admin, organisation, "admin", name="Ancien", by=OPERATOR)
    revoke_token(session, token.token, by=OPERATOR)
    _, invitation_secret = invite(
        session,
        "nouveau@lumicite.fr",
        organisation,
        "concessionnaire",
        by=OPERATOR,
        contracts=[contract],
    )
    session.flush()
    return {
        "org": organisation.id,
        "analysis": analysis.id,
        "token_secret": active.secret,
        "invitation_secret": invitation_secret,
    }


def _castelbois(session: Session) -> set[str]:
    """The second organisation: a contract, a delivery, a member, an analysis."""
    from service.organisations import get_organisation

    other = get_organisation(session, "castelbois")
    contract = create_contract(
        session,
        other,
        reference="EAU-2025",
        title="Délégation du service de l'eau",
        kind="dsp",
        titulaire_name="Eaux du Castel",
        titulaire_siren=None,
        start_on=dt.date(2025, 1, 1),
        end_on=dt.date(2034, 12, 31),
    )
    obligation = make_obligation(session, contract)
    delivery = deliver(session, obligation, "2025-01", b"id;puissance_w\nCB-1;12\n")
    make_user(session, "seule@castelbois.fr", other, "admin")
    analysis, _ = analyze_upload(session, (CCTP + "\nCastelbois.\n").encode(), "cctp-castel.md")
    analysis.organisation_id = other.id
    return {delivery.file_sha256, analysis.file_sha256}


def _truncate(url: str) -> None:
    """Empty the tables of a PostgreSQL schema that hold rows, and restart their sequences
    (truncating the forty tables each time costs a second a test; the others' sequences only
    move with inserts, which leave rows)."""
    engine = create_engine(url)
    probes = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"
        for t in Base.metadata.sorted_tables
    )
    with engine.begin() as connection:
        filled = sorted(connection.execute(text(probes)).scalars())
        if filled:
            names = ", ".join(f'"{name}"' for name in filled)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="module")
def target_schema(exported: Exported) -> Iterator[str | None]:
    """A second PostgreSQL schema, migrated once, for the imports (None on SQLite)."""
    if exported.kind == "sqlite":
        yield None
        return
    admin = create_engine(POSTGRES_URL)
    schema = f"clausier_import_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def target(
    exported: Exported,
    target_schema: str | None,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """A fresh, empty, migrated instance of the same kind of database to import into."""
    if target_schema is None:
        path = tmp_path / "target.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = target_schema
        _truncate(url)
    app = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": url,
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        }
    )
    yield app
    clausier(app).db.dispose()


@pytest.fixture
def copy_of(exported: Exported, tmp_path: Path) -> Path:
    """A copy of the export, to alter."""
    return Path(shutil.copytree(exported.directory, tmp_path / "copie"))
