"""The annex of clauses picked in the library: /annexe?clause=… (service/web/annexes.py)."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path

import docx
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.annexes.wording import subject

Token = Callable[[str], str]

OPEN_DATA = "open-data-marche"
REVERSIBILITY = "reversibilite-marche"
TITLES = {
    OPEN_DATA: "Fourniture des données en vue de leur ouverture — marché public",
    REVERSIBILITY: "Réversibilité des prestations — marché de services numériques",
}
URL = f"/annexe?clause={OPEN_DATA}&clause={REVERSIBILITY}"
#: Every required value of the two clauses.
COMPLETE = {
    "acheteur": "Commune de Villebrune",
    "objet": "Hébergement du portail citoyen",
    "reference": "2025-DSI-021",
    "v_titulaire": "Société Exemple & Fils",
    "v_portail_open_data": "https://data.villebrune.fr",
    "v_penalite_jour_euros": "250",
}


def text_of(response: TestResponse) -> str:
    """The page's HTML with entities decoded."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


def test_the_form_lists_the_selected_clauses_and_their_variables(
    client: FlaskClient, reference_library: Path
) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    page = text_of(response)
    for clause_id, title in TITLES.items():
        assert title in page
        assert f'name="clause" value="{clause_id}" checked' in page
    assert "cybersecurite-marche" not in page
    assert 'name="acheteur"' in page and 'name="objet"' in page and 'name="reference"' in page
    assert "Adresse du portail open data de l'acheteur" in page
    assert 'name="v_portail_open_data"' in page and 'name="v_penalite_jour_euros"' in page
    assert '<option value="Licence Ouverte 2.0" selected>' in page, "a default is prefilled"
    assert f'action="/annexe?clause={OPEN_DATA}&clause={REVERSIBILITY}"' in page


def test_complete_values_give_a_docx_with_both_clauses(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    data = {"csrf_token": form_token(URL), "clause": list(TITLES), **COMPLETE}
    response = client.post(URL, data=data)
    assert response.status_code == 200, text_of(response)
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="annexe-donnees.docx"'
    )
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for t in document.tables for row in t.rows for cell in row.cells)
    for title in TITLES.values():
        assert subject(title) in text  # the article's heading: the clause's subject
    assert "Société Exemple & Fils" in text and "https://data.villebrune.fr" in text
    assert "{{" not in text


def test_an_unticked_clause_is_left_out(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    data = {"csrf_token": form_token(URL), "clause": [REVERSIBILITY], **COMPLETE}
    response = client.post(URL, data=data)
    assert response.status_code == 200, text_of(response)
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert subject(TITLES[REVERSIBILITY]) in text and subject(TITLES[OPEN_DATA]) not in text


def test_missing_values_are_listed_back_with_422(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    data = {"csrf_token": form_token(URL), "clause": list(TITLES), "objet": "Objet <gardé>"}
    response = client.post(URL, data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "L'annexe n'a pas été générée." in page
    assert "Valeur obligatoire manquante : Titulaire du contrat" in page
    assert "Valeur obligatoire manquante : Acheteur ou autorité concédante" in page
    assert 'value="Objet <gardé>"' in page
    for title in TITLES.values():
        assert title in page


def test_nothing_ticked_is_shown_in_the_form(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    response = client.post(URL, data={"csrf_token": form_token(URL), **COMPLETE})
    assert response.status_code == 422
    assert "Aucune clause n'est sélectionnée" in text_of(response)


def test_no_clause_selected_is_a_400_page(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    posted = client.post("/annexe", data={"csrf_token": form_token(URL), **COMPLETE})
    for response in (client.get("/annexe"), posted):
        assert response.status_code == 400
        assert "Cochez au moins une clause dans la bibliothèque" in text_of(response)


def test_an_unknown_clause_is_404(client: FlaskClient, reference_library: Path) -> None:
    assert client.get("/annexe?clause=inconnue").status_code == 404


def test_posting_without_the_form_token_is_refused(
    client: FlaskClient, reference_library: Path
) -> None:
    response = client.post(URL, data={"clause": list(TITLES), **COMPLETE})
    assert response.status_code == 400
    assert response.headers.get("Content-Type", "").startswith("text/html")


def test_the_library_page_has_checkboxes_and_the_annex_button(
    client: FlaskClient, reference_library: Path
) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'method="get" action="/annexe"' in page
    assert 'name="clause" value="reversibilite-marche"' in page
    assert 'name="clause" value="rgpd-renforcee"' in page
    assert "Préparer une annexe avec la sélection" in page
