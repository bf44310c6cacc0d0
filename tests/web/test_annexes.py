"""The annex and PDF pages of an analysis (service/web/annexes.py)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.annexes.wording import subject

Token = Callable[[str], str]

CCTP = """# CCTP — Application de services aux citoyens

## Article 1 – Objet

Le présent marché de services porte sur une application de démarches en ligne.

## Article 7 – Réversibilité

À la fin du marché, quelle qu'en soit la cause, le titulaire restitue à l'acheteur l'ensemble
des données, historiques et paramétrages compris, dans un format ouvert et documenté
accompagné du modèle de données, dans un délai de deux mois.

## Article 8 – Hébergement

Les données sont hébergées par le titulaire dans les meilleures conditions.
"""

#: Every required value of the clauses suggested for the CCTP above.
COMPLETE = {
    "acheteur": "Commune de Villebrune",
    "objet": "Application de démarches en ligne",
    "reference": "2025-DSI-014",
    "v_titulaire": "Société Exemple & Fils",
    "v_portail_open_data": "https://data.villebrune.fr",
    "v_motif_sensibilite": "données d'état civil",
    "v_penalite_jour_euros": "250",
    "v_penalite_point_euros": "100",
}


def text_of(response: TestResponse) -> str:
    """The page's HTML with entities decoded."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


@pytest.fixture
def analysis(client: FlaskClient, reference_library: Path) -> dict:
    """An analysis of the sample CCTP, made through the API."""
    response = client.post(
        "/api/analyses",
        data={"file": (io.BytesIO(CCTP.encode()), "cctp.md")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    return response.get_json()


def suggested(report: dict) -> dict[str, dict]:
    """The suggested clause of each family found missing, weak or contradicted."""
    return {
        f["family"]: f["suggested_clause"]
        for f in report["families"]
        if f["verdict"] != "present" and f["suggested_clause"]
    }


def test_report_page_links_to_the_pdf_and_the_annex(client: FlaskClient, analysis: dict) -> None:
    page = text_of(client.get(f"/analyses/{analysis['id']}"))
    assert "Télécharger le rapport PDF" in page
    assert f'href="/analyses/{analysis["id"]}/rapport.pdf"' in page
    assert "Préparer l'annexe « données »" in page
    assert f'href="/analyses/{analysis["id"]}/annexe"' in page


def test_the_pdf_route_returns_a_pdf(client: FlaskClient, analysis: dict) -> None:
    client.application.config["REPORT_BACKGROUND_PAGES"] = 100  # made within the request
    response = client.get(f"/analyses/{analysis['id']}/rapport.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data.startswith(b"%PDF")


def test_the_form_lists_the_suggested_clauses_ticked_and_their_variables(
    client: FlaskClient, analysis: dict
) -> None:
    response = client.get(f"/analyses/{analysis['id']}/annexe")
    assert response.status_code == 200
    page = text_of(response)
    clauses = suggested(analysis)
    assert "reversibilite" not in clauses, "a family found present suggests nothing"
    for family, clause in clauses.items():
        assert clause["title"] in page
        assert f'name="family" value="{family}" checked' in page
    assert 'name="acheteur"' in page and 'name="objet"' in page and 'name="reference"' in page
    assert "Adresse du portail open data de l'acheteur" in page
    assert 'name="v_portail_open_data"' in page
    # a default of the library is prefilled
    assert 'name="v_rpo_heures" type="text" inputmode="numeric" value="24"' in page
    assert "(obligatoire)" in page


def test_missing_values_are_listed_back_with_422_keeping_what_was_typed(
    client: FlaskClient, analysis: dict, form_token: Token
) -> None:
    url = f"/analyses/{analysis['id']}/annexe"
    token = form_token(url)
    data = {
        "csrf_token": token,
        "family": list(suggested(analysis)),
        "objet": "Objet tapé <à garder>",
    }
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "L'annexe n'a pas été générée." in page
    for label in (
        "Titulaire du contrat",
        "Adresse du portail open data de l'acheteur",
        "Acheteur ou autorité concédante",
    ):
        assert f"Valeur obligatoire manquante : {label}" in page
    assert 'value="Objet tapé <à garder>"' in page
    assert 'aria-invalid="true"' in page


def test_complete_values_give_a_docx_with_the_ticked_clauses_only(
    client: FlaskClient, analysis: dict, form_token: Token
) -> None:
    url = f"/analyses/{analysis['id']}/annexe"
    clauses = suggested(analysis)
    left_out = "sobriete"
    ticked = [family for family in clauses if family != left_out]
    response = client.post(url, data={"csrf_token": form_token(url), "family": ticked, **COMPLETE})
    assert response.status_code == 200, text_of(response)
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="annexe-donnees.docx"'
    )
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for t in document.tables for row in t.rows for cell in row.cells)
    for family in ticked:  # each article headed by its subject
        assert subject(clauses[family]["title"]) in text
    assert subject(clauses[left_out]["title"]) not in text
    assert "Société Exemple & Fils" in text
    assert "{{" not in text


def test_nothing_ticked_is_shown_in_the_form(
    client: FlaskClient, analysis: dict, form_token: Token
) -> None:
    url = f"/analyses/{analysis['id']}/annexe"
    response = client.post(url, data={"csrf_token": form_token(url), **COMPLETE})
    assert response.status_code == 422
    assert "Aucune clause n'est sélectionnée" in text_of(response)


def test_posting_without_the_form_token_is_refused(client: FlaskClient, analysis: dict) -> None:
    response = client.post(f"/analyses/{analysis['id']}/annexe", data=COMPLETE)
    assert response.status_code == 400


def test_an_unknown_analysis_is_404(client: FlaskClient, reference_library: Path) -> None:
    assert client.get("/analyses/999/annexe").status_code == 404
    assert client.get("/analyses/999/rapport.pdf").status_code == 404


def test_values_not_of_their_type_are_shown_beside_their_fields_keeping_what_was_typed(
    client: FlaskClient, analysis: dict, form_token: Token
) -> None:
    url = f"/analyses/{analysis['id']}/annexe"
    wrong = {"v_penalite_jour_euros": "trois", "v_portail_open_data": "data.villebrune.fr"}
    data = {"csrf_token": form_token(url), "family": list(suggested(analysis))}
    response = client.post(url, data=data | COMPLETE | wrong)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    page = text_of(response)
    assert "L'annexe n'a pas été générée." in page
    message = (
        "La variable « penalite_jour_euros » attend un nombre entier : « trois » n'en est pas un."
    )
    field = page.index('name="v_penalite_jour_euros"')
    beside = page.index(message, field)
    assert beside < page.index('class="field"', field), "the message is in the field's block"
    assert 'id="err-v_penalite_jour_euros-1">' + message in page
    assert "La variable « portail_open_data » attend une adresse web" in page
    assert 'value="trois"' in page and 'value="data.villebrune.fr"' in page
    assert 'value="Société Exemple & Fils"' in page, "the other values are kept"


def test_the_buyer_is_asked_once_in_the_title_block_and_fills_the_clauses(
    client: FlaskClient, analysis: dict, form_token: Token
) -> None:
    url = f"/analyses/{analysis['id']}/annexe"
    page = text_of(client.get(url))
    assert 'name="acheteur"' in page
    assert 'name="v_acheteur"' not in page
    response = client.post(
        url, data={"csrf_token": form_token(url), "family": list(suggested(analysis)), **COMPLETE}
    )
    assert response.status_code == 200, text_of(response)[:2000]
    document = docx.Document(io.BytesIO(response.data))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "{{ acheteur }}" not in body
    assert body.count("Commune de Villebrune") >= 1, "the clauses' text names the buyer"


def test_the_form_asks_every_title_block_field_the_domain_fills_variables_from() -> None:
    from service.annexes import TITLE_FIELDS
    from service.web.annexes import TITLE_BLOCK

    assert [name for name, _, _ in TITLE_BLOCK] == list(TITLE_FIELDS)


def test_the_missing_values_summary_counts_each_field_once(
    client: FlaskClient, analysis: dict, form_token: Token
) -> None:
    """A variable several clauses share is one field to fill: the summary counts and lists it
    once, with the titles of the clauses that need it (not their slugs)."""
    url = f"/analyses/{analysis['id']}/annexe"
    data = {"csrf_token": form_token(url), "family": list(suggested(analysis))}
    page = text_of(client.post(url, data=data))
    summary = page.split('class="annex-missing"')[1].split("</ul>")[0]
    items = summary.count("<li>")
    assert items == len(set(re.findall(r'<a href="#([^"]+)"', summary)))
    assert f"{items} valeurs obligatoires manquent" in page
    assert summary.count("Titulaire du contrat") == 1
    for clause in suggested(analysis).values():
        assert f"« {clause['id']} »" not in summary
