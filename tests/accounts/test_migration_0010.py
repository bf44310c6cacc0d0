"""Migration 0010: users keep their rows and gain the link to a provider's subject, one user
per subject; it goes down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from service import migrate
from tests.deliveries.test_migration_0006 import engine  # noqa: F401  (the fixture)


def test_users_gain_a_unique_link_to_a_subject(engine: Engine) -> None:  # noqa: F811
    migrate.upgrade(engine, "0009")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user_account (id, email, display_name, disabled, failed_signins,"
                " created_at) VALUES (1, 'a@valbrune.fr', 'A', false, 0, CURRENT_TIMESTAMP),"
                " (2, 'b@valbrune.fr', 'B', false, 0, CURRENT_TIMESTAMP)"
            )
        )
    migrate.upgrade(engine, "0010")
    link = "UPDATE user_account SET oidc_issuer = 'https://idp', oidc_subject = 's' WHERE id = :id"
    with engine.begin() as connection:
        assert connection.execute(
            text("SELECT email FROM user_account ORDER BY id")
        ).scalars().all() == [
            "a@valbrune.fr",
            "b@valbrune.fr",
        ]
        connection.execute(text(link), {"id": 1})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(link), {"id": 2})
    config = migrate.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    columns = {c["name"] for c in inspect(engine).get_columns("user_account")}
    assert not {"oidc_issuer", "oidc_subject"} & columns
    migrate.upgrade(engine, "0010")
    assert migrate.current_revision(engine) == "0010"
