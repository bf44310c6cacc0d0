"""Versions, approval and retirement of clauses (service/library/store.py)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.errors import (
    ApprovedVersionImmutable,
    ClauseExists,
    InvalidClause,
    InvalidInput,
    InvalidTransition,
    VersionNotFound,
    VersionNumberTaken,
)
from service.library import store
from tests.conftest import clausier
from tests.library.factories import content, make_clause


def test_a_new_clause_starts_as_draft_version_1(db_session: Session) -> None:
    version = make_clause(db_session)
    assert (version.number, version.status, version.author) == (1, "draft", "Juriste")
    assert version.created_at.tzinfo is not None
    assert len(version.content_hash) == 64


def test_drafts_get_consecutive_numbers_and_record_their_note(db_session: Session) -> None:
    make_clause(db_session, approve=True)
    v2 = store.create_draft(
        db_session,
        "rev-test",
        author="DSI",
        change_note="Délai précisé",
        changes={"title": "Réversibilité des données"},
    )
    v3 = store.create_draft(db_session, "rev-test", author="DPO", change_note="Relecture")
    assert (v2.number, v3.number) == (2, 3)
    assert v2.change_note == "Délai précisé" and v3.title == "Réversibilité des données"
    assert v2.body == v3.body


def test_approval_records_who_and_when(db_session: Session) -> None:
    make_clause(db_session)
    version = store.approve_version(db_session, "rev-test", 1, approved_by="Mme Durand")
    assert version.status == "approved"
    assert version.approved_by == "Mme Durand"
    assert version.approved_at is not None and version.approved_at.tzinfo is not None


def test_draft_can_be_edited_in_place(db_session: Session) -> None:
    make_clause(db_session)
    before = store.get_version(db_session, "rev-test", 1).content_hash
    version = store.edit_draft(db_session, "rev-test", 1, {"title": "Nouveau titre"})
    assert version.title == "Nouveau titre" and version.content_hash != before


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_a_blank_change_note_is_refused_on_every_path(db_session: Session, note: str) -> None:
    make_clause(db_session)
    with pytest.raises(InvalidInput) as refused:
        store.create_draft(db_session, "rev-test", author="DSI", change_note=note)
    assert refused.value.errors == [{"field": "change_note", "message": "vide"}]
    with pytest.raises(InvalidInput):
        store.edit_draft(db_session, "rev-test", 1, {}, change_note=note)
    with pytest.raises(InvalidInput):
        store.create_clause(
            db_session, "autre-test", "reversibilite", content(), author="DSI", change_note=note
        )
    assert store.get_version(db_session, "rev-test", 1).change_note.strip()


def test_a_change_note_is_kept_trimmed(db_session: Session) -> None:
    make_clause(db_session)
    draft = store.create_draft(db_session, "rev-test", author="DSI", change_note="  Délai précisé ")
    assert draft.change_note == "Délai précisé"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"body": "Texte avec {{ inconnue }}."}, "variable inconnue « inconnue »"),
        ({"elements": ["absent"]}, "élément « absent » inconnu"),
        ({"title": "  "}, "le titre est vide"),
        ({"contract_types": ["bail"]}, "type de contrat inconnu « bail »"),
        ({"variables": [{"name": "delai", "label": "D", "type": "durée"}]}, "type inconnu"),
        (
            {"variables": [{"name": "delai", "label": "D", "type": "integer", "default": "deux"}]},
            "La variable « delai » attend un nombre entier : sa valeur par défaut « deux » "
            "n'en est pas un.",
        ),
        (
            {
                "variables": [
                    {
                        "name": "delai",
                        "label": "D",
                        "type": "choice",
                        "default": "4",
                        "choices": ["1", "2"],
                    }
                ]
            },
            "La variable « delai » attend l'une des valeurs « 1 », « 2 » : "
            "sa valeur par défaut « 4 » n'en fait pas partie.",
        ),
    ],
)
def test_invalid_content_is_refused_with_the_reason(
    db_session: Session, changes: dict, reason: str
) -> None:
    make_clause(db_session)
    with pytest.raises(InvalidClause) as caught:
        store.edit_draft(db_session, "rev-test", 1, changes)
    assert reason in caught.value.detail


def test_clause_ids_are_unique(db_session: Session) -> None:
    make_clause(db_session)
    with pytest.raises(ClauseExists):
        store.create_clause(db_session, "rev-test", "reversibilite", content(), author="X")


def test_approved_version_cannot_be_edited_through_the_store(db_session: Session) -> None:
    make_clause(db_session, approve=True)
    with pytest.raises(InvalidTransition):
        store.edit_draft(db_session, "rev-test", 1, {"title": "Autre"})


def test_approved_version_cannot_be_changed_through_the_orm(db_session: Session) -> None:
    make_clause(db_session, approve=True)
    db_session.commit()
    version = store.get_version(db_session, "rev-test", 1)
    version.body = "Texte modifié en douce.\n"
    with pytest.raises(ApprovedVersionImmutable) as caught:
        db_session.commit()
    assert "ne peut être ni modifiée ni supprimée" in caught.value.detail
    db_session.rollback()
    assert "délai de {{ delai }}" in store.get_version(db_session, "rev-test", 1).body


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE clause_version SET body = 'falsifié' WHERE clause_id = 'rev-test'",
        "UPDATE clause_version SET approved_by = 'quelqu''un' WHERE clause_id = 'rev-test'",
        "UPDATE clause_version SET status = 'draft' WHERE clause_id = 'rev-test'",
        "DELETE FROM clause_version WHERE clause_id = 'rev-test'",
    ],
    ids=["body", "approver", "back-to-draft", "delete"],
)
def test_approved_version_cannot_be_changed_by_raw_sql(db_session: Session, statement: str) -> None:
    make_clause(db_session, approve=True)
    db_session.commit()
    with pytest.raises(ApprovedVersionImmutable):
        db_session.execute(text(statement))
    db_session.rollback()
    version = store.get_version(db_session, "rev-test", 1)
    assert (version.status, version.approved_by) == ("approved", "Directrice juridique")


def test_retired_version_is_frozen_too(db_session: Session) -> None:
    make_clause(db_session, approve=True)
    store.retire_version(db_session, "rev-test", 1, retired_by="DSI")
    db_session.commit()
    with pytest.raises(ApprovedVersionImmutable):
        db_session.execute(text("UPDATE clause_version SET status = 'approved'"))
    db_session.rollback()
    with pytest.raises(InvalidTransition):
        store.retire_version(db_session, "rev-test", 1, retired_by="DSI")


def test_retiring_an_approved_version_is_allowed(db_session: Session) -> None:
    make_clause(db_session, approve=True)
    version = store.retire_version(db_session, "rev-test", 1, retired_by="DSI")
    db_session.commit()
    assert (version.status, version.retired_by) == ("retired", "DSI")


def test_drafts_may_be_changed_by_sql(db_session: Session) -> None:
    """The freeze concerns approved and retired versions only."""
    make_clause(db_session)
    db_session.commit()
    db_session.execute(text("UPDATE clause_version SET title = 'Brouillon revu'"))
    db_session.commit()
    assert store.get_version(db_session, "rev-test", 1).title == "Brouillon revu"


def test_only_drafts_can_be_approved(db_session: Session) -> None:
    make_clause(db_session, approve=True)
    with pytest.raises(InvalidTransition):
        store.approve_version(db_session, "rev-test", 1, approved_by="X")


def test_unknown_version_is_reported(db_session: Session) -> None:
    make_clause(db_session)
    with pytest.raises(VersionNotFound):
        store.get_version(db_session, "rev-test", 9)


def test_current_version_is_the_latest_approved(db_session: Session) -> None:
    make_clause(db_session, approve=True)
    store.create_draft(db_session, "rev-test", author="X", change_note="projet")
    clause = store.get_clause(db_session, "rev-test")
    assert store.current_version(clause).number == 1


def test_a_rolled_back_draft_gives_its_number_back(db_session: Session) -> None:
    make_clause(db_session)
    db_session.commit()
    store.create_draft(db_session, "rev-test", author="X", change_note="abandonné")
    db_session.rollback()
    version = store.create_draft(db_session, "rev-test", author="X", change_note="gardé")
    db_session.commit()
    assert version.number == 2


@pytest.mark.parametrize("number", [2, 4])
def test_a_version_asked_for_by_number_is_never_renumbered(
    db_session: Session, number: int
) -> None:
    """An import asking for v2 when v2 exists (or v4 after v2) gets a refusal, not v3."""
    make_clause(db_session)
    store.add_version(db_session, "rev-test", content(), author="DSI", change_note="v2")
    with pytest.raises(VersionNumberTaken, match="sa prochaine version est la 3"):
        store.add_version(
            db_session, "rev-test", content(), author="DSI", change_note="x", number=number
        )
    version = store.add_version(
        db_session, "rev-test", content(), author="DSI", change_note="v3", number=3
    )
    assert version.number == 3
    assert [v.number for v in store.get_clause(db_session, "rev-test").versions] == [1, 2, 3]


def test_concurrent_editors_get_unique_gapless_numbers(app: Flask, db_session: Session) -> None:
    """Two connections drafting at the same time get 2 and 3: the second waits, no duplicate."""
    make_clause(db_session, approve=True)
    db_session.commit()
    sessions = clausier(app).db.sessions
    first, second = sessions(), sessions()
    numbers: list[int] = []
    errors: list[BaseException] = []
    v_first = store.create_draft(first, "rev-test", author="A", change_note="A")
    numbers.append(v_first.number)

    def other_editor() -> None:
        try:
            version = store.create_draft(second, "rev-test", author="B", change_note="B")
            numbers.append(version.number)
            second.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    thread = threading.Thread(target=other_editor)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), "the second editor waits for the first one's transaction"
    first.commit()
    thread.join(timeout=30)
    first.close()
    second.close()
    assert errors == []
    assert sorted(numbers) == [2, 3]
    db_session.expire_all()
    versions = store.get_clause(db_session, "rev-test").versions
    assert [(v.number, v.author) for v in versions][1:] in (
        [(2, "A"), (3, "B")],
        [(2, "B"), (3, "A")],
    )
    assert [v.number for v in versions] == [1, 2, 3]


def test_a_clause_with_an_approved_version_is_kept_even_without_foreign_keys(
    app: Flask, small_library: object
) -> None:
    """The `sqlite3` shell does not enforce foreign keys: a trigger keeps the clause (issue 14)."""
    import sqlite3

    url = clausier(app).db.url
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL's foreign keys always hold")
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        approved = connection.execute(
            "SELECT clause_id FROM clause_version WHERE status = 'approved' LIMIT 1"
        ).fetchone()[0]
        with pytest.raises(sqlite3.IntegrityError, match="CLAUSIER_IMMUTABLE_VERSION"):
            connection.execute("DELETE FROM clause WHERE id = ?", (approved,))
    finally:
        connection.close()
