"""Least privilege at the database (service/migrate.py, ``clausier db upgrade``): on PostgreSQL
the schema's owner migrates, and the application connects as a role that can neither switch
the append-only triggers off, nor truncate, alter or drop a table, nor change what is kept.

Roles belong to the whole PostgreSQL cluster, not to the test's schema: each test names its
role uniquely and drops it afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import bindparam, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from service import create_app, migrate
from service.db import Base
from service.errors import ApprovedVersionImmutable, DatabaseRoleRefused
from service.settings import PROJECT_ROOT
from tests.conftest import clausier
from tests.deliveries.factories import GOOD_CSV, make_contract, make_obligation, paris
from tests.members import AGENT, make_member, signed_in

#: PostgreSQL's « insufficient privilege » (permission denied, must be owner…).
INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def owner_url(postgres_url: str) -> str:
    """The test schema (migrated, emptied) as its owner sees it."""
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return postgres_url


@pytest.fixture
def app_url(owner_url: str) -> Iterator[str]:
    """The URL of an application role of this test (not created yet), dropped afterwards."""
    role = f"clausier_app_{uuid.uuid4().hex[:10]}"
    url = make_url(owner_url).set(username=role, password=uuid.uuid4().hex)
    yield url.render_as_string(hide_password=False)
    engine = create_engine(owner_url)
    with engine.begin() as connection:
        if connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first():
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
    engine.dispose()


@pytest.fixture
def served(owner_url: str, app_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application connected as its own role, set up by ``clausier db upgrade``."""
    application = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": app_url,
            "DATABASE_OWNER_URL": owner_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        }
    )
    result = application.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Schéma déjà à jour" in result.output
    assert f"Rôle applicatif « {make_url(app_url).username} »" in result.output
    yield application
    clausier(application).db.dispose()


def refused(app: Flask, statement: str) -> str:
    """Run ``statement`` as the application's role; return the SQLSTATE it was refused with."""
    with clausier(app).db.engine.connect() as connection:
        try:
            connection.execute(text(statement))
        except DBAPIError as error:
            return getattr(error.orig, "sqlstate", None) or "?"
        finally:
            connection.rollback()
    return "accepted"


def test_the_app_role_does_its_work_and_nothing_else(served: Flask) -> None:
    from service.deliveries.checklist import tick_item
    from service.deliveries.record import record_delivery
    from service.library.files import import_library
    from service.library.models import CONTENT_FIELDS
    from service.library.store import add_version, approve_version, get_version

    db = clausier(served).db
    with db.session() as session:
        import_library(session, PROJECT_ROOT / "clauses")
    with db.session() as session:
        version = get_version(session, "reversibilite-concession", 1)
        content = {field: getattr(version, field) for field in CONTENT_FIELDS}
        content["body"] += "\n\nLe plan de réversibilité est mis à jour chaque année."
        draft = add_version(
            session,
            "reversibilite-concession",
            content,
            author="Mme Leroy",
            change_note="Mise à jour annuelle du plan.",
        )
        approve_version(session, "reversibilite-concession", draft.number, approved_by="M. Roy")
    with db.session() as session:
        contract = make_contract(session)
        obligation = make_obligation(session, contract)
        delivery = record_delivery(
            session,
            obligation,
            "2024-07",
            GOOD_CSV,
            filename="inventaire-2024-07.csv",
            sender="Lumicité",
            sender_role="titulaire",
            received_at=paris(2024, 8, 10),
            recorded_by="acheteur",
        )
        assert delivery.valid
        tick_item(session, contract, "delai", "done", "Délai tenu.", "Mme Leroy")
    assert migrate.current_revision(db.engine) == migrate.head_revision(db.engine)
    with db.sessions() as session:  # the app's role signs people up, too
        agent = make_member(session, AGENT)
    page = signed_in(served, agent).get(
        "/organisations/valbrune/contrats/EP-2024-01/reversibilite?au=2024-12-31"
    )
    assert page.status_code == 200
    assert "inventaire-2024-07.csv" in page.get_data(as_text=True)

    # What the role may not do, row or no row: the owner's and the superuser's powers, and
    # changing what is kept.
    for statement in (
        "SET session_replication_role = replica",
        "TRUNCATE delivery",
        "TRUNCATE delivery CASCADE",
        "ALTER TABLE delivery DISABLE TRIGGER delivery_kept",
        "ALTER TABLE delivery ADD COLUMN forged text",
        "DROP TABLE checklist_event",
        "CREATE TABLE forged (id integer)",
        "UPDATE delivery SET filename = 'autre.csv'",
        "DELETE FROM delivery",
        "UPDATE checklist_event SET note = 'réécrit'",
        "DELETE FROM obligation_terms",
        "UPDATE stored_file SET content = 'forged'",
        "DELETE FROM stored_file",
        "UPDATE alembic_version SET version_num = '0001'",
    ):
        assert refused(served, statement) == INSUFFICIENT_PRIVILEGE, statement
    # Every append-only table, whichever migration made it, is out of the role's reach.
    with clausier(served).db.engine.connect() as connection:
        kept = (
            connection.execute(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
                    " JOIN pg_class c ON c.oid = t.tgrelid WHERE p.proname IN :functions"
                    " AND c.relnamespace = current_schema()::regnamespace"
                ).bindparams(bindparam("functions", expanding=True)),
                {"functions": list(migrate.KEPT_FUNCTIONS)},
            )
            .scalars()
            .all()
        )
    assert {"delivery", "checklist_event", "amendment", "obligation_terms"} <= set(kept)
    for table in kept:
        assert refused(served, f"DELETE FROM {table}") == INSUFFICIENT_PRIVILEGE, table
        assert refused(served, f"UPDATE {table} SET id = id") == INSUFFICIENT_PRIVILEGE, table
    # An approved version stays guarded by its trigger, which the role cannot switch off.
    with pytest.raises(ApprovedVersionImmutable), db.session() as session:
        get_version(session, "reversibilite-concession", 1).body = "Réécrit."


def test_upgrading_again_keeps_the_role_and_its_rights(
    served: Flask, owner_url: str, app_url: str
) -> None:
    engine = create_engine(owner_url)
    try:
        assert migrate.grant_app_role(engine, app_url) == make_url(app_url).username
    finally:
        engine.dispose()
    assert refused(served, "SELECT count(*) FROM delivery") == "accepted"
    assert refused(served, "UPDATE delivery SET filename = 'autre.csv'") == INSUFFICIENT_PRIVILEGE
    with clausier(served).db.engine.connect() as connection:
        attributes = connection.execute(
            text(
                "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
                " FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
    assert not any(attributes)


def test_the_owner_itself_is_refused_as_the_app_role(owner_url: str) -> None:
    engine = create_engine(owner_url)
    try:
        with pytest.raises(DatabaseRoleRefused, match="distinct du propriétaire"):
            migrate.grant_app_role(engine, owner_url)
    finally:
        engine.dispose()


def test_sqlite_has_no_app_role(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'clausier.sqlite3'}")
    with pytest.raises(DatabaseRoleRefused, match="SQLite"):
        migrate.grant_app_role(engine, f"sqlite:///{tmp_path / 'clausier.sqlite3'}")


def test_an_owner_without_createrole_uses_a_role_made_beforehand_and_checks_it(
    postgres_url: str,
) -> None:
    """A schema owned by a plain role (no superuser, no CREATEROLE), as in production: it
    migrates, then grants to the application role an administrator made; a role with powers is
    refused."""
    suffix = uuid.uuid4().hex[:10]
    schema, owner, app, admin_role = (
        f"clausier_owned_{suffix}",
        f"clausier_owner_{suffix}",
        f"clausier_app_{suffix}",
        f"clausier_admin_{suffix}",
    )
    admin = create_engine(postgres_url)
    base = make_url(postgres_url).set(query={"options": f"-csearch_path={schema}"})

    def url_of(role: str) -> str:
        return base.set(username=role, password=suffix).render_as_string(hide_password=False)

    with admin.begin() as connection:
        connection.execute(text(f"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{suffix}'"))
        connection.execute(text(f"CREATE ROLE \"{app}\" LOGIN PASSWORD '{suffix}'"))
        connection.execute(text(f"CREATE ROLE \"{admin_role}\" LOGIN CREATEDB PASSWORD '{suffix}'"))
        connection.execute(text(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{owner}"'))
    engine = create_engine(url_of(owner))
    try:
        migrate.upgrade(engine)
        assert migrate.grant_app_role(engine, url_of(app)) == app
        served = create_engine(url_of(app))
        with served.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM delivery")).scalar_one() == 0
        served.dispose()
        with pytest.raises(DatabaseRoleRefused, match="pouvoirs d'administration"):
            migrate.grant_app_role(engine, url_of(admin_role))
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            for role in (app, admin_role, owner):
                connection.execute(text(f'DROP OWNED BY "{role}"'))
                connection.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
