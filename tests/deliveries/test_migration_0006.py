"""Migration 0006 on a database that already follows contracts: every obligation gets the
terms it was created with, every period points to them (service/migrations/versions/0006)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from service import migrate
from tests.conftest import POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of each kind (PostgreSQL: a schema of its own)."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without PostgreSQL
    admin = create_engine(POSTGRES_URL)
    schema = f"clausier_migration_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_existing_obligations_get_their_terms(engine: Engine) -> None:
    migrate.upgrade(engine, "0005")
    with engine.begin() as connection:
        run = connection.execute
        run(
            text(
                "INSERT INTO organisation (id, slug, name, created_at)"
                " VALUES (1, 'v', 'V', CURRENT_TIMESTAMP)"
            )
        )
        run(
            text(
                "INSERT INTO contract (id, organisation_id, reference, title, kind,"
                " titulaire_name, start_on, end_on, created_at) VALUES (1, 1, 'C', 'T',"
                " 'concession', 'L', '2024-07-15', '2030-07-14', CURRENT_TIMESTAMP)"
            )
        )
        for number, frequency in ((1, "monthly"), (2, "yearly")):
            run(
                text(
                    "INSERT INTO obligation (id, contract_id, dataset, title, description,"
                    " format, frequency, delay_days, deliverer, created_at) VALUES"
                    " (:id, 1, :dataset, 'T', '', 'csv', :frequency, 20, 'titulaire',"
                    " CURRENT_TIMESTAMP)"
                ),
                {"id": number, "dataset": f"jeu{number}", "frequency": frequency},
            )
            run(
                text(
                    "INSERT INTO period (obligation_id, contract_id, start_on, end_on, due_on)"
                    " VALUES (:id, 1, '2024-07-15', '2024-07-31', '2024-08-20')"
                ),
                {"id": number},
            )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT period.obligation_id, obligation_terms.frequency,"
                " obligation_terms.effective_on, obligation_terms.amendment_id"
                " FROM period JOIN obligation_terms ON obligation_terms.id = period.terms_id"
                " ORDER BY period.obligation_id"
            )
        ).all()
    assert [(r[0], r[1], str(r[2]), r[3]) for r in rows] == [
        (1, "monthly", "2024-07-15", None),
        (2, "yearly", "2024-07-15", None),
    ]
