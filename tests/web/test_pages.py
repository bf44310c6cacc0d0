"""The reading pages: library, clause, version, diff and search (service/web/)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from service.extensions import Clausier
from service.library import store
from tests.web.conftest import plain_spaces


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    """Open a page, check its status and return its HTML."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return plain_spaces(response.get_data(as_text=True))


def test_library_lists_families_and_their_clauses(client: FlaskClient, small_library: Path) -> None:
    html = page(client, "/")
    assert (
        'Clausier<span class="site-title__long"> — bibliothèque de clauses données</span>' in html
    )
    assert "Réversibilité" in html and "Open data" in html
    assert "Réversibilité — clause de test" in html
    assert "Ouverture des données — clause de test" in html
    assert '<span class="badge badge--approved">Approuvée</span>' in html
    assert '<span class="badge badge--draft">Projet</span>' in html
    assert "<summary>Éléments requis (4)</summary>" in html
    assert "Le titulaire détruit ses copies et le certifie." in html
    assert html.index("Réversibilité — clause de test") < html.index("Ouverture des données")


def test_library_filters_by_status_and_family(client: FlaskClient, small_library: Path) -> None:
    drafts = page(client, "/?status=draft")
    assert "Ouverture des données — clause de test" in drafts
    assert "Réversibilité — clause de test" not in drafts
    family = page(client, "/?family=reversibilite")
    # What follows the filter form (whose list names every family): the clauses shown.
    shown = family[family.index('name="family"') :].split("</form>", 1)[1]
    assert "Réversibilité — clause de test" in shown and "Open data" not in shown


def test_library_shows_a_bad_filter_in_the_page(client: FlaskClient, small_library: Path) -> None:
    assert "Statut inconnu « brouillon »" in page(client, "/?status=brouillon", 422)
    assert "La famille « inconnue » n&#39;existe pas." in page(client, "/?family=inconnue", 404)


def test_clause_page_shows_the_timeline_in_paris_time(
    client: FlaskClient, small_library: Path
) -> None:
    html = page(client, "/clauses/reversibilite-test")
    assert "<h3>Version 2</h3>" in html and "<h3>Version 1</h3>" in html
    assert html.index("<h3>Version 2</h3>") < html.index("<h3>Version 1</h3>")
    # v2 approved at 2026-03-01T09:00:00Z, v1 created at 2026-01-12T09:00:00Z (UTC+1 in winter)
    assert "Approuvée par Direction des affaires juridiques, le" in html
    assert ">1er mars 2026 à 10 h 00</time>" in html
    assert ">12 janvier 2026 à 10 h 00</time>" in html
    assert "Ajout des formats ouverts et du certificat de suppression." in html
    assert "Retirée par Direction des affaires juridiques" in html


def test_clause_page_shows_the_current_text_with_variables_and_elements(
    client: FlaskClient, small_library: Path
) -> None:
    html = page(client, "/clauses/reversibilite-test")
    assert "Il détruit ensuite ses copies et remet un certificat de suppression." in html
    assert '<span class="chip">[titulaire du contrat]</span>' in html
    assert '<td data-label="Libellé">Délai de restitution (en mois)</td>' in html
    assert "CCAG-TIC 2021 (arrêté du 30 mars 2021)" in html
    assert "4 éléments énoncés sur 4 par cette version." in html
    assert 'href="/clauses/reversibilite-test/versions/1"' in html
    assert 'action="/clauses/reversibilite-test/diff"' in html


def test_version_pages_warn_about_drafts_and_retired_versions(
    client: FlaskClient, small_library: Path
) -> None:
    draft = page(client, "/clauses/open-data-test/versions/1")
    assert "Projet — version non approuvée." in draft
    assert 'action="/clauses/open-data-test/versions/1/approve"' in draft
    retired = page(client, "/clauses/reversibilite-test/versions/1")
    assert "Version retirée</strong> le" in retired
    assert "2 éléments énoncés sur 4 par cette version." in retired
    assert "La version en vigueur est la" in retired


def test_missing_clause_or_version_is_a_404_page(client: FlaskClient, small_library: Path) -> None:
    assert "La clause « absente » n&#39;existe pas." in page(client, "/clauses/absente", 404)
    page(client, "/clauses/reversibilite-test/versions/9", 404)


def test_diff_reads_like_tracked_changes(client: FlaskClient, small_library: Path) -> None:
    html = page(client, "/clauses/reversibilite-test/diff?from=1&to=2")
    assert '<ins class="diff-ins">, dans un format ouvert et\ndocumenté,</ins>' in html
    assert '<del class="diff-del">' in html
    # a new paragraph reads as one, not as a run of line ends
    assert '<ins class="diff-ins"><br><br>Il détruit ensuite ses copies' in html
    assert "mots ajoutés" in html
    assert '<th scope="row">Éléments requis</th>' in html
    assert '<ins class="diff-ins">Certificat de suppression</ins>' in html
    assert 'Version 1</a> <span class="badge badge--retired">' in html


def test_diff_with_a_bad_version_number_is_refused(
    client: FlaskClient, small_library: Path
) -> None:
    html = page(client, "/clauses/reversibilite-test/diff?from=x", 400)
    assert "doit être un nombre entier" in html
    page(client, "/clauses/reversibilite-test/diff?from=1&to=7", 404)


def test_search_folds_accents_and_highlights(client: FlaskClient, small_library: Path) -> None:
    html = page(client, "/search?q=penalite")
    assert "1 résultat pour « penalite »" in html
    assert 'href="/clauses/open-data-test/versions/1"' in html
    assert "<mark" in html and "pénalités</mark>" in html
    assert '<span class="chip">[licence de publication]</span>' in html
    assert "Open data" in html


def test_search_states_empty_no_result_and_bad_input(
    client: FlaskClient, small_library: Path
) -> None:
    assert "Saisissez un ou plusieurs mots" in page(client, "/search")
    assert "Aucun résultat pour « zorglub »" in page(client, "/search?q=zorglub")
    filtered = page(client, "/search?q=penalite&status=approved")
    assert "cherchez dans toute la bibliothèque" in filtered
    unknown = page(client, "/search?q=penalite&family=inconnue", 404)
    assert "La famille « inconnue » n&#39;existe pas." in unknown
    assert 'value="penalite"' in unknown
    assert "Statut inconnu" in page(client, "/search?q=penalite&status=brouillon", 422)


def test_clause_text_with_html_is_shown_escaped(
    app: Flask, client: FlaskClient, small_library: Path
) -> None:
    clausier: Clausier = app.extensions["clausier"]
    with clausier.db.session() as session:
        store.create_draft(
            session,
            "open-data-test",
            author="<b>Auteur</b>",
            change_note="<img src=x onerror=alert(1)>",
            changes={
                "title": "Titre <script>alert('t')</script>",
                "body": "Texte <script>alert(1)</script> sous {{ licence_ouverte }}.\n",
            },
        )
    html = page(client, "/clauses/open-data-test/versions/2")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Auteur" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Titre &lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in page(client, "/search?q=texte")


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    for url in ("/", "/api/families", "/nope", "/api/nope"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_page_template_carries_inline_style_or_script() -> None:
    """The policy forbids them: a style attribute, a <style> or an inline <script> would be
    ignored by the browser (the standalone report document, not served, inlines its CSS)."""
    import re

    from service.settings import PROJECT_ROOT

    found = []
    for path in (PROJECT_ROOT / "templates" / "html").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if path.name == "_analysis_report.html":
            text = re.sub(r"{%-?\s*if standalone\s*-?%}.*?{%-?\s*endif", "", text, flags=re.S)
        if re.search(r'\sstyle="|<script(?![^>]*\ssrc=)|\son[a-z]+="', text):
            found.append(path.name)
    assert found == []


def test_the_timeline_legend_has_a_colour_for_every_status() -> None:
    from service.documents.environment import STATIC, STATUS_COLOURS

    css = (STATIC / "clausier.css").read_text(encoding="utf-8")
    for status, colour in STATUS_COLOURS.items():
        assert f".legend__swatch--{status.value} {{ background: {colour}; }}" in css


def test_a_version_is_never_in_force_unless_approved_and_latest(
    client: FlaskClient, small_library: Path
) -> None:
    """A draft reads « Projet », never « Projet · en vigueur »; an approved version is « en
    vigueur » only while no later version is approved; a retired one is « retirée »."""
    draft = page(client, "/clauses/open-data-test")
    timeline = draft.split('class="timeline"')[1]
    assert "Projet" in timeline and "en vigueur" not in timeline
    assert "La version en vigueur est la" not in draft
    assert "Aucune version de cette clause n'est encore en vigueur" in draft
    clause = page(client, "/clauses/reversibilite-test")
    items = clause.split('class="timeline"')[1].split("<li")[1:]
    assert "en vigueur" in items[0] and "Approuvée" in items[0]
    assert "en vigueur" not in items[1] and "Retirée" in items[1]


def test_people_read_labels_not_technical_names(client: FlaskClient, small_library: Path) -> None:
    """A variable reads as a blank named by its label, in the clause, the diff and a search
    excerpt; no slug stands in the clause's heading."""
    clause = page(client, "/clauses/reversibilite-test")
    diff = page(client, "/clauses/reversibilite-test/diff?from=1&to=2")
    found = page(client, "/search?q=restitue")
    for html in (clause, diff, found):
        assert "[titulaire du contrat]" in html
        assert 'chip">titulaire<' not in html and "{{ titulaire }}" not in html
        assert "<code>reversibilite-test</code>" not in html
    assert "<span>reversibilite-test</span>" not in clause


def test_a_search_hit_links_the_version_in_force(client: FlaskClient, small_library: Path) -> None:
    """A hit in a retired or superseded version leads to the version in force, naming the
    version whose words matched; a clause with no approved version links the version found."""
    html = page(client, "/search?q=restitue")
    titles = re.findall(r'class="result__title"><a href="([^"]+)"', html)
    assert titles == ["/clauses/reversibilite-test"]  # the best match is in version 1, retired
    assert (
        'Mots trouvés dans la <a href="/clauses/reversibilite-test/versions/1">version 1</a>'
        in (html)
    )
    draft = page(client, "/search?q=penalite")
    assert 'class="result__title"><a href="/clauses/open-data-test/versions/1"' in draft


def test_a_long_query_is_cut_to_what_is_searched_and_shortened_in_the_title(
    client: FlaskClient, small_library: Path
) -> None:
    from service.web.search import QUERY_MAX

    query = "restitution " * 1700  # 20,400 characters, pasted by mistake
    html = page(client, "/search?q=" + query.replace(" ", "+"))
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
    assert len(title) < 120 and "…" in title
    searched = query.strip()[:QUERY_MAX].strip()
    assert f'value="{searched}"' in html, "the form shows what was searched"
    assert f'maxlength="{QUERY_MAX}"' in html
    elsewhere = html.replace(f'value="{searched}"', "")
    assert ("restitution " * 8) not in elsewhere  # no heading repeats it whole


def test_the_diff_renders_markdown_emphasis_with_its_word_marks(
    app: Flask, client: FlaskClient, small_library: Path
) -> None:
    """« **Objet.** » reads in bold in the diff, not as raw marks, and the changed words keep
    their <ins>/<del>, escaped text included."""
    clausier: Clausier = app.extensions["clausier"]
    with clausier.db.session() as session:
        for body in (
            "**Objet.** L'acheteur publie les données <b> sous {{ licence_ouverte }}.\n",
            "**Objet du contrat.** L'acheteur publie *sans délai* les données <b> sous "
            "{{ licence_ouverte }}.\n",
        ):
            store.create_draft(
                session,
                "open-data-test",
                author="DSI",
                change_note="Objet.",
                changes={"body": body},
            )
    html = page(client, "/clauses/open-data-test/diff?from=2&to=3")
    body = html.split('class="diff-text">', 1)[1].split("</div>", 1)[0]
    assert "**" not in body
    assert "<strong>Objet</strong>" in body
    assert '<ins class="diff-ins"><strong> du contrat</strong></ins>' in body
    assert "<em>sans délai</em>" in body
    assert "&lt;b&gt;" in body and "<b>" not in body
    assert '<span class="chip">[licence de publication]</span>' in body
