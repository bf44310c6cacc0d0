"""The rules compiled from the library in the database: the same as from its folder, compiled
again whenever the library changes, and each caller's library state its own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from service.analysis.rules import load_ruleset, ruleset_from_files
from service.library import store
from service.library.models import Family


def test_the_database_gives_the_rules_of_the_folder(
    reference_library: Path, db_session: Session
) -> None:
    assert load_ruleset(db_session) == ruleset_from_files(reference_library)


def test_a_retired_clause_is_no_longer_suggested(
    reference_library: Path, db_session: Session
) -> None:
    before = load_ruleset(db_session)
    family = next(f for f in before.families if f.clauses)
    clause = family.clauses[0]
    store.retire_version(db_session, clause.clause_id, clause.version, retired_by="Test")
    after = load_ruleset(db_session)
    assert clause.clause_id in before.library_state["clauses"]
    assert clause.clause_id not in after.library_state["clauses"]
    assert clause not in next(f for f in after.families if f.id == family.id).clauses


def test_a_family_given_a_new_signal_is_compiled_again(
    reference_library: Path, db_session: Session
) -> None:
    before = load_ruleset(db_session)
    family = db_session.get(Family, "sobriete")
    assert family is not None
    family.signals = [*family.signals, "tableau de bord carbone"]
    db_session.flush()
    after = load_ruleset(db_session)
    signals = next(f for f in after.families if f.id == "sobriete").signals
    assert "tableau de bord carbone" in [text for text, _ in signals]
    assert before.library_state != after.library_state


def test_each_caller_has_its_own_library_state(
    reference_library: Path, db_session: Session
) -> None:
    first = load_ruleset(db_session)
    first.library_state["clauses"].clear()
    assert load_ruleset(db_session).library_state["clauses"]
