"""French full-text search of the library (service/library/search.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from service.errors import InvalidQuery
from service.library import search, store
from service.library.search import EXTRA_STOP_WORDS, SearchIndex, french_analyzer, make_schema
from tests.conftest import clausier
from tests.library.factories import content, make_family


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


# -- inflected forms ---------------------------------------------------------------------

#: Forms of one word each; the analyzer must give every form of a group the same key.
FORMS = {
    "héberger": "hébergées hébergement héberger hebergees hebergement hébergés",
    "restituer": "restituées restituer restitution restituees restitue Restitutions",
    "sécurité": "sécurité securite Sécurité",
    "sécuriser": "sécurisées sécuriser securisees sécurisation",
    "pénalité": "pénalités penalites Pénalité penalite",
    "œuvre": "œuvre oeuvre Œuvres",
}
#: The groups a query for a group finds: its own, and the related one (a verb in -iser and
#: the word it derives from).
RELATED = {group: {group} for group in FORMS} | {
    "sécurité": {"sécurité", "sécuriser"},
    "sécuriser": {"sécurité", "sécuriser"},
}
#: One clause per written form: a query for any form of the group finds both.
CLAUSES = {
    "heberg-participe": ("héberger", "Les données sont hébergées en France."),
    "heberg-nom": ("héberger", "L'hébergement des données est situé en France."),
    "restit-participe": ("restituer", "Les données sont restituées à l'acheteur."),
    "restit-verbe": ("restituer", "Le titulaire doit restituer les fichiers."),
    "secur-participe": ("sécuriser", "Les données sont sécurisées."),
    "secur-nom": ("sécurité", "La sécurité des systèmes est garantie."),
    "penal-pluriel": ("pénalité", "Des pénalités s'appliquent."),
    "penal-singulier": ("pénalité", "Une pénalité s'applique au retard."),
    "oeuvre-ligature": ("œuvre", "La mise en œuvre est documentée."),
    "oeuvre-pluriel": ("œuvre", "Les œuvres sont livrées."),
}


@pytest.mark.parametrize("group", sorted(FORMS))
def test_analyzer_gives_every_form_of_a_word_one_key(group: str) -> None:
    keys = {word: _tokens(word) for word in FORMS[group].split()}
    assert len({tuple(k) for k in keys.values()}) == 1, keys


@pytest.fixture
def inflected(app: Flask, db_session: Session) -> SearchIndex:
    """A library of one clause per written form, indexed."""
    make_family(db_session, "reversibilite", ("perimetre",))
    for clause_id, (_, sentence) in CLAUSES.items():
        store.create_clause(
            db_session,
            clause_id,
            "reversibilite",
            content(title="Clause", body=sentence + "\n", variables=[], elements=[]),
            author="Juriste",
        )
    db_session.commit()
    search_index = clausier(app).index
    search_index.rebuild(db_session)
    return search_index


def test_any_form_finds_every_form_accents_or_not(
    inflected: SearchIndex, db_session: Session
) -> None:
    """« hébergées » and « hebergees » find « hébergement », and the other way round; the
    matching word is highlighted in the excerpt, whatever its form."""
    wrong = {}
    for group, words in FORMS.items():
        expected = {clause for clause, (word, _) in CLAUSES.items() if word in RELATED[group]}
        for query in words.split():
            hits = inflected.search(db_session, query).hits
            found = {hit.clause_id for hit in hits}
            if found != expected or not all("<mark>" in hit.excerpt for hit in hits):
                wrong[query] = (sorted(found), [hit.excerpt for hit in hits])
    assert wrong == {}


def _old_schema() -> Schema:
    """The schema of indexes built before the analyzer had a version: folded, then stemmed."""
    old = (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | StopFilter(stoplist=stopwords_for_language("fr") | EXTRA_STOP_WORDS)
        | CharsetFilter(accent_map)
        | StemFilter(lang="fr")
    )
    schema = make_schema()
    for name in ("title", "legal_basis", "text"):
        schema._fields[name] = TEXT(analyzer=old, stored=name != "legal_basis")
    return schema


@pytest.mark.parametrize("stored_version", [None, "1"])
def test_an_index_of_an_older_analyzer_is_rebuilt(
    app: Flask,
    inflected: SearchIndex,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    stored_version: str | None,
) -> None:
    """An index left by an older version of Clausier is rebuilt at its first search."""
    directory = tmp_path / "old-index"
    with monkeypatch.context() as patch:
        patch.setattr(search, "make_schema", _old_schema)
        with clausier(app).db.sessions() as session:
            old = SearchIndex(directory)
            old.rebuild(session)
            assert old.search(session, "hébergées").total == 1, "the old analyzer misses a form"
    (directory / "analyzer").unlink(missing_ok=True)
    if stored_version is not None:
        (directory / "analyzer").write_text(stored_version)
    with clausier(app).db.sessions() as session:
        hits = SearchIndex(directory).search(session, "hébergées").hits
    assert {hit.clause_id for hit in hits} == {"heberg-participe", "heberg-nom"}
    assert (directory / "analyzer").read_text() == str(search.ANALYZER_VERSION)


def test_a_related_word_ranks_after_the_word_itself(app: Flask, db_session: Session) -> None:
    """« autorisation » also finds « autorité », but after the clauses that say it."""
    make_family(db_session, "reversibilite", ("perimetre",))
    sentences = {
        "a-autorite": "L'autorité concédante reçoit les fichiers.",
        "b-autorisation": "Toute sous-traitance est soumise à autorisation écrite.",
        "c-securise": "Les échanges sont sécurisés.",
    }
    for clause_id, sentence in sentences.items():
        store.create_clause(
            db_session,
            clause_id,
            "reversibilite",
            content(title="Clause", body=sentence + "\n", variables=[], elements=[]),
            author="Juriste",
        )
    db_session.commit()
    search_index = clausier(app).index
    search_index.rebuild(db_session)
    found = [hit.clause_id for hit in search_index.search(db_session, "autorisation").hits]
    assert found == ["b-autorisation", "a-autorite"]
    secured = [hit.clause_id for hit in search_index.search(db_session, "sécurité").hits]
    assert secured == ["c-securise"]
