"""The forms: draft editor, new clause, preview, approve / retire, CSRF (service/web/editor.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from tests.members import AGENT, APPROVER
from tests.web.conftest import TOKEN, plain_spaces

Token = Callable[[str], str]
CLAUSE = "/clauses/reversibilite-test"
BODY = (
    "À la fin du contrat, {{ titulaire }} restitue l'ensemble des données dans un délai de "
    "{{ delai_restitution_mois }} mois.\n"
)
VARIABLES = {
    "var-0-name": "titulaire",
    "var-0-label": "Titulaire du contrat",
    "var-0-type": "text",
    "var-0-default": "",
    "var-0-choices": "",
    "var-1-name": "delai_restitution_mois",
    "var-1-label": "Délai de restitution (en mois)",
    "var-1-type": "integer",
    "var-1-default": "3",
    "var-1-choices": "",
    "var-2-name": "",
    "var-2-label": "",
    "var-2-type": "text",
    "var-2-default": "",
    "var-2-choices": "",
}


def draft_form(token: str, **changes: Any) -> dict[str, Any]:
    """A filled-in new-version form, as the browser sends it."""
    return {
        "csrf_token": token,
        "author": "Mme Martin",
        "change_note": "Délai porté à trois mois.",
        "title": "Réversibilité — clause de test",
        "body": BODY,
        "legal_basis": "CCAG-TIC 2021 (arrêté du 30 mars 2021)\n",
        "elements-reversibilite": ["perimetre", "delai"],
        "contract_types": ["marche_services"],
        "action": "save",
        **VARIABLES,
        **changes,
    }


def versions(client: FlaskClient, clause: str = "reversibilite-test") -> list[int]:
    """The version numbers the API lists for a clause."""
    return [v["number"] for v in client.get(f"/api/clauses/{clause}").get_json()["versions"]]


def test_new_version_form_is_prefilled_from_the_latest_version(
    client: FlaskClient, small_library: Path
) -> None:
    html = client.get(f"{CLAUSE}/versions/new").get_data(as_text=True)
    assert "Il détruit ensuite ses copies et remet un certificat de suppression." in html
    assert 'value="delai_restitution_mois"' in html
    assert 'name="elements-reversibilite" value="suppression" checked' in html
    assert "Valeurs d'essai" in html
    assert "[Titulaire du contrat ?]" in html  # no default: flagged in the first preview


def test_creating_a_draft_through_the_form(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    form = draft_form(form_token(f"{CLAUSE}/versions/new"))
    response = client.post(f"{CLAUSE}/versions/new", data=form, follow_redirects=True)
    assert response.request.path == f"{CLAUSE}/versions/3"
    html = response.get_data(as_text=True)
    assert "Version 3 créée (projet)." in html
    assert "Projet — version non approuvée." in html
    assert "Délai porté à trois mois." in html
    assert versions(client) == [1, 2, 3]
    version = client.get("/api/clauses/reversibilite-test/versions/3").get_json()
    assert version["author"] == AGENT  # the signed-in user, never a form field
    assert version["variables"][1]["default"] == 3
    assert version["elements"] == ["perimetre", "delai"]


def test_an_invalid_body_is_shown_with_its_error_and_nothing_is_created(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    body = BODY + "Et {{ x }} aussi.\n"
    form = draft_form(form_token(f"{CLAUSE}/versions/new"), body=body)
    response = client.post(f"{CLAUSE}/versions/new", data=form)
    assert response.status_code == 422
    html = plain_spaces(response.get_data(as_text=True))
    assert "ligne 2 : variable inconnue « x » dans le texte" in html
    assert 'id="body" name="body" rows="18" required aria-invalid="true"' in html
    assert "Et {{ x }} aussi." in html  # what the user typed is kept
    assert f"Auteur : <strong>{AGENT}</strong>" in html
    assert versions(client) == [1, 2]


def test_a_bad_variable_default_is_reported_beside_its_row(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    form = draft_form(form_token(f"{CLAUSE}/versions/new"), **{"var-1-default": "trois"})
    response = client.post(f"{CLAUSE}/versions/new", data=form)
    assert response.status_code == 422
    html = plain_spaces(response.get_data(as_text=True))
    assert "attend un nombre entier : sa valeur par défaut « trois » n&#39;en est pas un" in html
    assert 'id="var-1-default" name="var-1-default" type="text" value="trois"' in html
    assert versions(client) == [1, 2]


def test_a_default_outside_its_choices_is_reported_beside_its_row(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    changes = {"var-1-type": "choice", "var-1-choices": "2 ; 3", "var-1-default": "4"}
    form = draft_form(form_token(f"{CLAUSE}/versions/new"), **changes)
    response = client.post(f"{CLAUSE}/versions/new", data=form)
    assert response.status_code == 422
    html = plain_spaces(response.get_data(as_text=True)).replace("&#39;", "'")
    message = (
        "La variable « delai_restitution_mois » attend l'une des valeurs « 2 », « 3 » : "
        "sa valeur par défaut « 4 » n'en fait pas partie."
    )
    row = html.index('id="var-1-default"')
    assert html.index(message, row) < html.index('id="var-2-name"'), "beside its row"
    assert versions(client) == [1, 2]


def test_an_unused_variable_error_points_at_the_variables(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    extra = {"var-2-name": "ville", "var-2-label": "Ville"}
    form = draft_form(form_token(f"{CLAUSE}/versions/new"), **extra)
    html = plain_spaces(client.post(f"{CLAUSE}/versions/new", data=form).get_data(as_text=True))
    assert "la variable « ville » n&#39;est pas utilisée" in html
    assert versions(client) == [1, 2]


def test_preview_button_rerenders_without_saving(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    form = draft_form(form_token(f"{CLAUSE}/versions/new"), action="preview")
    form["essai-titulaire"] = "la société Exemple"
    response = client.post(f"{CLAUSE}/versions/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "la société Exemple restitue" in html
    assert "dans un délai de 3 mois" in html
    assert versions(client) == [1, 2]


def test_preview_fragment_fills_test_values_and_flags_missing_ones(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    token = form_token(f"{CLAUSE}/versions/new")
    form = {**VARIABLES, "csrf_token": token, "body": BODY, "essai-delai_restitution_mois": "6"}
    response = client.post("/clauses/preview", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "dans un délai de\n6 mois" in html or "dans un délai de 6 mois" in html
    assert '<span class="chip chip-missing"' in html and "[Titulaire du contrat ?]" in html


def test_editing_a_draft(client: FlaskClient, small_library: Path, form_token: Token) -> None:
    url = "/clauses/open-data-test/versions/1/edit"
    form = {
        "csrf_token": form_token(url),
        "change_note": "Licence précisée.",
        "title": "Ouverture des données (corrigée)",
        "body": "Publication sous {{ licence_ouverte }}.\n",
        "var-0-name": "licence_ouverte",
        "var-0-label": "Licence de publication",
        "var-0-type": "choice",
        "var-0-default": "ODbL",
        "var-0-choices": "Licence Ouverte 2.0 ; ODbL",
        "elements-open_data": ["licence", "formats"],
    }
    response = client.post(url, data=form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Version 1 enregistrée." in html
    assert "Ouverture des données (corrigée)" in html
    version = client.get("/api/clauses/open-data-test/versions/1").get_json()
    assert version["variables"][0]["choices"] == ["Licence Ouverte 2.0", "ODbL"]
    assert version["elements"] == ["licence", "formats"]


def test_editing_an_approved_version_is_refused_with_the_reason(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    response = client.get(f"{CLAUSE}/versions/2/edit")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "La version 2 ne peut pas être modifiée" in html
    assert "est approuvée" in html
    assert f'href="{CLAUSE}/versions/new?base=2"' in html
    form = draft_form(form_token(CLAUSE), body="Texte remplacé.\n")
    assert client.post(f"{CLAUSE}/versions/2/edit", data=form).status_code == 409
    body = client.get("/api/clauses/reversibilite-test/versions/2").get_json()["body"]
    assert "certificat de suppression" in body


def test_approve_and_retire_through_the_forms(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    url = "/clauses/open-data-test"
    token = form_token(url)
    approved = client.post(
        f"{url}/versions/1/approve",
        data={"csrf_token": token, "approved_by": "Mme Martin"},
        follow_redirects=True,
    )
    assert approved.request.path == url
    html = approved.get_data(as_text=True)
    # The approver is the signed-in user, not the name typed in a field.
    assert f"Version 1 approuvée par {AGENT}." in html
    assert f"Approuvée par {AGENT}, le" in html
    retired = client.post(
        f"{url}/versions/1/retire",
        data={"csrf_token": token, "retired_by": "M. Durand"},
        follow_redirects=True,
    )
    html = retired.get_data(as_text=True)
    assert f"Version 1 retirée par {AGENT}." in html
    assert client.get("/api/clauses/open-data-test").get_json()["latest_status"] == "retired"


def test_a_refused_status_change_is_a_message_not_an_error(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    token = form_token(CLAUSE)
    again = client.post(
        f"{CLAUSE}/versions/2/approve",
        data={"csrf_token": token, "approved_by": "Mme Martin"},
        follow_redirects=True,
    )
    assert again.status_code == 200
    assert "Seul un projet peut être approuvé" in again.get_data(as_text=True)
    assert client.get("/api/clauses/reversibilite-test").get_json()["latest_status"] == "approved"


def test_creating_a_clause(client: FlaskClient, small_library: Path, form_token: Token) -> None:
    token = form_token("/clauses/new")
    form = {
        "csrf_token": token,
        "clause_id": "open-data-licence",
        "family": "open_data",
        "author": "DSI",
        "change_note": "",
        "title": "Licence des données publiées",
        "body": "Les données sont publiées sous Licence Ouverte 2.0.\n",
        "elements-open_data": ["licence"],
        "elements-reversibilite": ["delai"],  # another family's box, ignored
    }
    response = client.post("/clauses/new", data=form, follow_redirects=True)
    html = plain_spaces(response.get_data(as_text=True))
    assert response.request.path == "/clauses/open-data-licence/versions/1"
    assert "Clause « open-data-licence » créée" in html
    assert client.get("/api/clauses/open-data-licence/versions/1").get_json()["elements"] == [
        "licence"
    ]
    again = client.post("/clauses/new", data=form)
    assert again.status_code == 409
    assert "La clause « open-data-licence » existe déjà." in plain_spaces(
        again.get_data(as_text=True)
    )


def test_a_post_without_a_valid_form_token_is_refused(
    client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    missing = client.post("/clauses/open-data-test/versions/1/approve", data={"approved_by": "X"})
    assert missing.status_code == 400
    assert "jeton de sécurité" in missing.get_data(as_text=True)
    form_token(CLAUSE)  # the session now has a token, but not this one
    wrong = client.post(
        "/clauses/open-data-test/versions/1/approve",
        data={"approved_by": "X", "csrf_token": "forged"},
    )
    assert wrong.status_code == 400
    assert client.post("/clauses/preview", data={"body": "x"}).status_code == 400
    assert client.get("/api/clauses/open-data-test").get_json()["latest_status"] == "draft"


def test_an_author_cannot_approve_their_own_draft(
    client: FlaskClient, approver_client: FlaskClient, small_library: Path, form_token: Token
) -> None:
    """The editor who drafted a version holds the approver's role too, yet may not approve
    it: another approver does."""
    form = draft_form(form_token(f"{CLAUSE}/versions/new"))
    client.post(f"{CLAUSE}/versions/new", data=form)
    own = client.post(
        f"{CLAUSE}/versions/3/approve",
        data={"csrf_token": form_token(CLAUSE)},
        follow_redirects=True,
    )
    assert "ne peut pas être approuvée par son auteur" in plain_spaces(own.get_data(as_text=True))
    assert (
        client.get(f"/api/clauses/{CLAUSE.rsplit('/', 1)[1]}/versions/3").get_json()["status"]
        == "draft"
    )
    page = approver_client.get(CLAUSE).get_data(as_text=True)
    token = TOKEN.search(page)
    assert token is not None
    approved = approver_client.post(
        f"{CLAUSE}/versions/3/approve",
        data={"csrf_token": token.group(1)},
        follow_redirects=True,
    )
    assert f"Version 3 approuvée par {APPROVER}." in plain_spaces(approved.get_data(as_text=True))
