"""Migration 0008 on a database that already holds organisations: they keep their rows,
without SIREN nor SIRET; the audit log's triggers hold; it goes down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from service import migrate
from service.db import make_engine
from service.errors import AuditEntryKept
from tests.deliveries.test_migration_0006 import engine  # noqa: F401  (the fixture)

ACCOUNT_TABLES = {
    "user_account",
    "membership",
    "membership_contract",
    "invitation",
    "api_token",
    "audit_entry",
}


def _downgrade(database: Engine, revision: str) -> None:
    config = migrate.alembic_config(database)
    with database.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_organisations_are_kept_and_the_log_refuses_changes(engine: Engine) -> None:  # noqa: F811
    migrate.upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (id, slug, name, created_at)"
                " VALUES (1, 'valbrune', 'Commune de Valbrune', CURRENT_TIMESTAMP)"
            )
        )
    migrate.upgrade(engine)
    with engine.begin() as connection:
        row = connection.execute(text("SELECT slug, siren, siret FROM organisation")).one()
        assert tuple(row) == ("valbrune", None, None)
        connection.execute(
            text(
                "INSERT INTO audit_entry (at, actor, organisation_id, action, object, detail)"
                " VALUES (CURRENT_TIMESTAMP, 'x', 1, 'user_created', '', '{}')"
            )
        )
    assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
    # through the application's engine the trigger's error is ours
    checked = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        for statement in ("UPDATE audit_entry SET actor = 'y'", "DELETE FROM audit_entry"):
            with pytest.raises(AuditEntryKept), checked.begin() as connection:
                connection.execute(text(statement))
    finally:
        checked.dispose()
    _downgrade(engine, "0007")
    assert not ACCOUNT_TABLES & set(inspect(engine).get_table_names())
    columns = {c["name"] for c in inspect(engine).get_columns("organisation")}
    assert not {"siren", "siret"} & columns
    migrate.upgrade(engine)  # and up again: the trigger function is made anew
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
