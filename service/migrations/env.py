"""Alembic environment: runs on the connection handed over by ``service.migrate``."""

from __future__ import annotations

from alembic import context

from service import models as _models  # noqa: F401  (registers every table)
from service.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run the migrations on the connection given in the config attributes."""
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
