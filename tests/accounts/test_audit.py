"""The audit log is append-only in the database itself (migration 0008), on SQLite and
PostgreSQL: no UPDATE nor DELETE, whoever sends it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from service.accounts import audit
from service.accounts.models import AuditEntry
from service.errors import AuditEntryKept, status_for
from service.organisations import ensure_organisation
from tests.accounts.factories import OPERATOR, make_user


def test_what_is_done_is_written_with_who_where_what_and_when(db_session: Session) -> None:
    valbrune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    user = make_user(db_session, "a@valbrune.fr", valbrune, "acheteur")
    entries = audit.list_entries(db_session, valbrune.id)
    assert [(e.action, e.object, e.detail) for e in entries] == [
        ("role_granted", f"user:{user.id}", {"role": "acheteur", "contracts": []})
    ]
    assert entries[0].actor == "ligne de commande (tests)" and entries[0].at.tzinfo
    created = audit.list_entries(db_session)[-1]
    assert (created.action, created.detail) == (
        "user_created",
        {"email": "a@valbrune.fr", "password": True},
    )


def test_an_unknown_action_is_a_bug_not_an_entry(db_session: Session) -> None:
    with pytest.raises(ValueError):
        audit.record_by(db_session, OPERATOR, "whatever")


def test_the_database_refuses_to_change_or_delete_an_entry(db_session: Session) -> None:
    entry = audit.record_by(db_session, OPERATOR, "user_created", object="user:1")
    db_session.commit()
    attempts = [
        lambda: db_session.execute(update(AuditEntry).values(actor="personne")),
        lambda: db_session.execute(text("UPDATE audit_entry SET detail = detail")),
        lambda: db_session.execute(delete(AuditEntry)),
        lambda: db_session.execute(text("DELETE FROM audit_entry WHERE id = :i"), {"i": entry.id}),
    ]
    for attempt in attempts:
        with pytest.raises(AuditEntryKept) as refused:
            attempt()
        assert status_for(refused.value) == 409
        assert "journal d'audit" in refused.value.detail
        db_session.rollback()
    with pytest.raises(AuditEntryKept):
        db_session.delete(db_session.get(AuditEntry, entry.id))
        db_session.flush()
    db_session.rollback()
    assert db_session.scalar(select(AuditEntry.actor)) == "ligne de commande (tests)"
