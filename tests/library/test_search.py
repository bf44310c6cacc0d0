"""French full-text search of the library (service/library/search.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from service.errors import InvalidQuery
from service.library import store
from service.library.search import SearchIndex, french_analyzer
from tests.conftest import clausier


def _tokens(text: str) -> list[str]:
    return [token.text for token in french_analyzer()(text)]


def test_analyzer_folds_accents_stems_and_drops_stop_words() -> None:
    assert _tokens("Les pénalités") == _tokens("penalite")
    assert _tokens("restitution des données") == _tokens("restitutions donnees")
    assert "les" not in _tokens("les données") and "des" not in _tokens("des données")


@pytest.fixture
def index(app: Flask, small_library: Path, db_session: Session) -> SearchIndex:
    search_index = clausier(app).index
    search_index.rebuild(db_session)
    return search_index


def test_search_without_accents_finds_accented_text(
    index: SearchIndex, db_session: Session
) -> None:
    results = index.search(db_session, "penalite")
    assert [hit.clause_id for hit in results.hits] == ["open-data-test"]
    assert ">pénalités</mark>" in results.hits[0].excerpt


def test_results_are_ranked_and_one_per_clause(index: SearchIndex, db_session: Session) -> None:
    results = index.search(db_session, "certificat suppression")
    assert results.hits[0].clause_id == "reversibilite-test"
    assert results.hits[0].number == 2, "v1 does not state the certificate"
    assert len({hit.clause_id for hit in results.hits}) == len(results.hits)


def test_all_versions_lists_each_matching_version(index: SearchIndex, db_session: Session) -> None:
    results = index.search(db_session, "restitue", all_versions=True)
    assert sorted(hit.number for hit in results.hits) == [1, 2]


def test_filters_by_family_and_status(index: SearchIndex, db_session: Session) -> None:
    assert index.search(db_session, "données", family="open_data").total == 1
    assert {h.status for h in index.search(db_session, "données", status="draft").hits} == {"draft"}
    assert index.search(db_session, "restitue", status="retired", all_versions=True).total == 1


def test_legal_basis_is_searchable(index: SearchIndex, db_session: Session) -> None:
    results = index.search(db_session, "L3131-2")
    assert [hit.clause_id for hit in results.hits] == ["open-data-test"]


def test_several_words_fall_back_to_any_word(index: SearchIndex, db_session: Session) -> None:
    results = index.search(db_session, "pénalités zzzinconnu")
    assert [hit.clause_id for hit in results.hits] == ["open-data-test"]


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_refused(index: SearchIndex, db_session: Session, query: str) -> None:
    with pytest.raises(InvalidQuery):
        index.search(db_session, query)


def test_library_change_updates_the_index_without_rebuild(app: Flask, index: SearchIndex) -> None:
    database = clausier(app).db
    with database.session() as session:
        store.create_draft(
            session,
            "open-data-test",
            author="DSI",
            change_note="API",
            changes={
                "body": "Les données sont exposées par une interface "
                "de programmation ouverte sous {{ licence_ouverte }}.\n"
            },
        )
    with database.sessions() as session:
        results = index.search(session, "interface programmation")
    assert [(h.clause_id, h.number) for h in results.hits] == [("open-data-test", 2)]


def test_another_process_index_catches_up_on_search(
    app: Flask, index: SearchIndex, tmp_path: Path
) -> None:
    """An index kept by another process is brought up to date at its next search."""
    other = SearchIndex(tmp_path / "other-index")
    database = clausier(app).db
    with database.sessions() as session:
        other.rebuild(session)
    with database.session() as session:
        store.approve_version(session, "open-data-test", 1, approved_by="DPO")
    with database.sessions() as session:
        hits = other.search(session, "pénalités").hits
    assert [(h.clause_id, h.status) for h in hits] == [("open-data-test", "approved")]


def test_rebuild_reindexes_everything(index: SearchIndex, db_session: Session) -> None:
    assert index.rebuild(db_session) == 3


def test_excerpt_marks_words_by_their_stem_and_escapes_the_rest() -> None:
    from service.library.search import _stem, excerpt

    text = "Le titulaire verse des pénalités <b>de</b> retard & rend les données."
    html = excerpt(text, {_stem("penalite"), _stem("donnees")})
    assert "<mark>pénalités</mark>" in html and "<mark>données</mark>" in html
    assert "&lt;b&gt;de&lt;/b&gt;" in html and "&amp;" in html


def test_excerpt_centres_on_the_matches_of_a_long_text() -> None:
    from service.library.search import _stem, excerpt

    text = " ".join(["préambule"] * 200) + " la réversibilité est due " + " ".join(["fin"] * 200)
    html = excerpt(text, {_stem("réversibilité")}, width=120)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>réversibilité</mark>" in html and len(html) < 200


def test_search_in_an_empty_library_finds_nothing(app: Flask, db_session: Session) -> None:
    assert clausier(app).index.search(db_session, "réversibilité").total == 0


def test_excerpts_leave_out_markdown_marks(index: SearchIndex, db_session: Session) -> None:
    from service.library.search import plain_text

    assert plain_text("5. **Délai.** Le `code`") == "5. Délai. Le code"
    for hit in index.search(db_session, "données", all_versions=True).hits:
        assert "**" not in hit.excerpt
