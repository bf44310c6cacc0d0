"""The analysis pages: upload, list, report, re-run, standalone HTML (service/web/analyses.py)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from service.documents.report import render_report_html
from service.library import store
from tests.web.conftest import plain_spaces

Token = Callable[[str], str]

CCTP = """# CCTP — Application de services aux habitants

Marché public de services passé par la commune de Villebrune.

## Article 3 – Réversibilité

À la fin du contrat, quelle qu'en soit la cause (expiration, non-reconduction ou résiliation),
le titulaire restitue à l'acheteur l'ensemble des données, historiques, paramétrages,
journaux et la documentation, dans des formats ouverts et documentés (CSV, JSON) accompagnés
du modèle de données. La restitution complète intervient dans un délai de deux mois à compter
de la fin du contrat. Le titulaire remet un plan de réversibilité dans les trois mois suivant
la notification et assiste l'acheteur et le nouveau titulaire pendant la période de
réversibilité. Après validation, il procède à l'effacement des données, sauvegardes comprises,
et remet un certificat de destruction.

## Article 4 – Hébergement

Les données sont hébergées par le titulaire dans un centre de données sécurisé.
"""


def upload(
    client: FlaskClient,
    token: str,
    data: bytes,
    name: str = "cctp-services.md",
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """Post a file to the upload form as a browser does."""
    return client.post(
        "/analyses",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def text_of(response: TestResponse) -> str:
    """The page's HTML with entities decoded (apostrophes, non-breaking spaces)."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


def analysed(client: FlaskClient, form_token: Token) -> tuple[int, str]:
    """Upload the sample CCTP, follow the redirect; return the analysis number and report page."""
    response = upload(client, form_token("/analyses"), CCTP.encode())
    assert response.status_code == 303
    match = re.fullmatch(r"/analyses/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return int(match.group(1)), text_of(page)


def family_block(page: str, family: str) -> str:
    """The HTML of one family's block in the report."""
    start = page.index(f'id="famille-{family}"')
    return page[start : page.index("</article>", start)]


def test_upload_redirects_to_a_report_with_verdicts_and_quoted_articles(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    _, page = analysed(client, form_token)
    assert "Analyse terminée." in page
    assert "<h1>cctp-services.md</h1>" in page
    reversibility = family_block(page, "reversibilite")
    assert '<span class="badge badge--present">présente</span>' in reversibility
    assert "Article 3 — Réversibilité</span> : « " in reversibility
    hosting = family_block(page, "hebergement")
    assert "Article 4 — Hébergement" in hosting
    assert 'badge--present">présente' not in hosting
    assert '<span class="badge badge--missing">absente</span>' in family_block(page, "sobriete")
    assert "Aucun article du document ne traite de cette famille." in page


def test_report_explains_missing_elements_and_links_the_clause_to_add(
    client: FlaskClient, reference_library: Path, form_token: Token, db_session: Session
) -> None:
    _, page = analysed(client, form_token)
    hosting = family_block(page, "hebergement")
    family = store.get_family(db_session, "hebergement")
    location = next(e for e in family.elements if e.key == "localisation")
    assert location.label in hosting and location.explanation in hosting
    assert '<span class="tag tag--essential">essentiel</span>' in hosting
    assert "Clause à ajouter :" in hosting
    assert re.search(r'href="/clauses/[a-z0-9-]+/versions/\d+"', hosting)
    assert 'href="/api/analyses/' in page


def test_several_files_in_the_form_are_judged_together_as_a_consultation(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    cctp = CCTP + "\n## Article 30 – Divers\n\nVoir l'article 12 du CCAP.\n"
    files = [(io.BytesIO(cctp.encode()), "cctp.md"), (io.BytesIO(b"# CCAP\n\nRien."), "ccap.md")]
    response = client.post(
        "/analyses",
        data={"csrf_token": form_token("/analyses"), "file": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = plain_spaces(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Pièces de la consultation" in page
    assert "cctp.md" in page and "ccap.md" in page
    assert "Par pièce" in page


def test_two_pieces_of_one_name_are_refused_in_the_form(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    files = [(io.BytesIO(CCTP.encode()), "a.md"), (io.BytesIO(CCTP.encode()), "a.md")]
    response = client.post(
        "/analyses",
        data={"csrf_token": form_token("/analyses"), "file": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = plain_spaces(response.get_data(as_text=True))
    assert "« a.md »" in page and "renommez-en une" in page


def test_report_draws_the_coverage_chart_with_one_bar_per_family(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    _, page = analysed(client, form_token)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and '<title id="coverage-title">' in svg
    assert len(re.findall(r'class="coverage__bar coverage__bar--', svg)) == 10
    assert re.search(r"Réversibilité : présente, \d/\d éléments essentiels", svg)  # text alt
    assert "Sur 10 familles de clauses données" in page


def test_each_family_says_its_verdict_in_a_sentence_without_a_bare_percentage(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    _, page = analysed(client, form_token)
    assert '<p class="finding__explanation">Présente : ' in page
    assert '<p class="finding__explanation">Absente : ' in page
    assert "confiance" not in page


def test_same_file_again_reopens_its_analysis(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    number, _ = analysed(client, form_token)
    again = upload(client, form_token("/analyses"), CCTP.encode(), name="copie.md")
    assert again.status_code == 303 and again.headers["Location"] == f"/analyses/{number}"
    page = text_of(client.get(again.headers["Location"]))
    assert "Ce document avait déjà été analysé le " in page
    assert ": voici son analyse." in page


def test_a_word_97_file_is_refused_with_advice(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000
    response = upload(client, form_token("/analyses"), doc, name="ancien.doc")
    assert response.status_code == 415
    page = text_of(response)
    assert 'id="upload-error"' in page and ".docx" in page
    assert 'name="file"' in page  # the form again


def test_an_upload_without_a_file_or_an_empty_file_is_a_400_in_the_form(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    token = form_token("/analyses")
    none = client.post("/analyses", data={"csrf_token": token}, content_type="multipart/form-data")
    assert none.status_code == 400
    assert "Choisissez un document à analyser" in text_of(none)
    empty = upload(client, token, b"", name="vide.md")
    assert empty.status_code == 400
    assert "Le fichier « vide.md » est vide" in text_of(empty)


def test_the_list_shows_past_analyses_with_their_counts(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    assert "Aucune analyse pour l'instant" in text_of(client.get("/analyses"))
    number, _ = analysed(client, form_token)
    listing = text_of(client.get("/analyses"))
    assert f'href="/analyses/{number}">cctp-services.md</a>' in listing
    assert "Marché de services" in listing
    counts = re.search(r'<ul class="counts">(.*?)</ul>', listing, re.S)
    assert counts
    badges = re.findall(r'badge--(\w+)[^"]*">(\d+) ', counts.group(1))
    assert [kind for kind, _ in badges] == ["present", "weak", "missing", "contradicted"]
    assert sum(int(n) for _, n in badges) == 10
    assert 'aria-current="page">Analyses</a>' in listing


def test_rerun_creates_a_linked_analysis_and_shows_the_changes(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    number, page = analysed(client, form_token)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(f"/analyses/{number}/rerun", data={"csrf_token": token.group(1)})
    assert response.status_code == 303
    newer = int(response.headers["Location"].rsplit("/", 1)[1])
    assert newer != number
    assert client.get(f"/api/analyses/{newer}").get_json()["previous_id"] == number
    rerun = text_of(client.get(response.headers["Location"]))
    assert "Analyse relancée avec la bibliothèque actuelle" in rerun
    assert f"Changements depuis l'analyse n° {number}" in rerun
    assert "Aucun verdict n'a changé" in rerun


def test_forms_without_their_token_are_refused(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    number, _ = analysed(client, form_token)
    refused = client.post(
        "/analyses",
        data={"file": (io.BytesIO(CCTP.encode()), "x.md")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "Formulaire expiré ou invalide" in text_of(refused)
    assert client.post(f"/analyses/{number}/rerun").status_code == 400


def test_an_unknown_analysis_is_a_french_404_page(client: FlaskClient) -> None:
    response = client.get("/analyses/999")
    assert response.status_code == 404
    assert "L'analyse n° 999 n'existe pas." in text_of(response)
    assert client.get("/analyses/99999999999").status_code == 404


def test_a_request_over_the_size_limit_is_a_french_413_page(
    client: FlaskClient, app: Flask, form_token: Token
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(client, form_token("/analyses"), b"x" * 20_000, name="gros.txt")
    assert response.status_code == 413
    page = text_of(response)
    assert "Requête trop volumineuse" in page and "taille maximale" in page


def test_script_uploads_get_the_report_address(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    response = upload(
        client,
        form_token("/analyses"),
        CCTP.encode(),
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 200
    location = response.get_json()["location"]
    assert re.fullmatch(r"/analyses/\d+", location)
    assert "Analyse terminée." in text_of(client.get(location))


def test_render_report_html_is_a_standalone_document(
    client: FlaskClient,
    reference_library: Path,
    form_token: Token,
    app: Flask,
    db_session: Session,
) -> None:
    number, _ = analysed(client, form_token)
    report = client.get(f"/api/analyses/{number}").get_json()
    with app.app_context():
        document = render_report_html(db_session, report)
        linked = render_report_html(db_session, report, base_url="https://clausier.example/")
    labels = [f.label for f in store.list_families(db_session)]
    assert document.startswith("<!doctype html>") and document.rstrip().endswith("</html>")
    assert "<style>" in document and "badge--present" in document
    assert not re.search(r'<link|<script|src="|href="(?!#)', document)
    text = html.unescape(document)
    assert len(labels) == 10 and all(label in text for label in labels)
    assert "Article 3 — Réversibilité" in text and "<svg" in document
    assert re.search(r'href="https://clausier\.example/clauses/[a-z0-9-]+/versions/\d+"', linked)
