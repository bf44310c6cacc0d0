"""The amendments page of a contract: the history, the form that records an amendment, and a
refused amendment shown on the form with its reasons and the values typed."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.web.test_contracts import PAGE, _contract, _text

AMENDMENTS = PAGE + "/avenants"


def _post(client: FlaskClient, token: str, **fields: str | list[str]) -> object:
    return client.post(AMENDMENTS, data={"csrf_token": token, **fields})


def test_an_amendment_recorded_from_the_page(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    _contract(app)
    assert "Avenants (0)" in client.get(PAGE).get_data(as_text=True)
    empty = _text(client.get(AMENDMENTS).get_data(as_text=True))
    assert "Aucun avenant" in empty
    response = _post(
        client,
        form_token(AMENDMENTS),
        effective_on="2025-07-01",
        reason="Délai allongé pour l'inventaire",
        author="Service de la commande publique",
        dataset="inventaire",
        delay_days="45",
        contract_end="2027-12-31",
    )
    assert response.status_code == 302
    page = html_lib.unescape(_text(client.get(AMENDMENTS).get_data(as_text=True)))
    assert "Avenant n° 1 enregistré" in page
    assert "délai 20 jours → 45 jours, à compter du 1er juillet 2025" in page
    assert "Contrat prolongé : fin le 31 décembre 2027" in page
    assert "Motif : Délai allongé pour l'inventaire" in page
    contract_page = html_lib.unescape(_text(client.get(PAGE).get_data(as_text=True)))
    assert "Avenants (1)" in contract_page
    assert "depuis le 1er juillet 2025 (Avenant n° 1)" in contract_page
    assert "au 31 décembre 2027" in contract_page


def test_a_refused_amendment_keeps_the_form(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    _contract(app)
    token = form_token(AMENDMENTS)
    cases = [
        ({"dataset": "inventaire", "frequency": "quarterly"}, "déjà reçu une livraison"),
        ({"dataset": "inventaire"}, "indiquez le nouveau délai"),
        ({"delay_days": "10"}, "choisissez la donnée due"),
        ({"dataset": "inventaire", "delay_days": "trois"}, "délai en jours"),
        ({"contract_end": "2024-01-01"}, "nouvelle fin"),
        ({}, "au moins une chose"),
    ]
    for fields, words in cases:
        response = _post(
            client,
            token,
            effective_on="2025-01-01",
            reason="Motif gardé",
            author="Moi",
            **fields,
        )
        assert response.status_code == 422, (fields, response.status_code)
        page = html_lib.unescape(response.get_data(as_text=True))
        assert 'role="alert"' in page and words in page, (fields, _text(page))
        assert "Motif gardé</textarea>" in page
    blank = _post(client, token, effective_on="", reason=" ", author="", end_dataset="inventaire")
    assert blank.status_code == 422
    text = html_lib.unescape(_text(blank.get_data(as_text=True)))
    assert "motif obligatoire" in text
    assert "Aucun avenant" in text


def test_an_annex_proposes_the_amendment_it_implies(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str], reference_library: object
) -> None:
    import io
    import re

    from tests.deliveries.test_annex_import import _annex

    _contract(app)  # « Inventaire », monthly within 20 days; the annex says half-yearly, 30 days
    imported = client.post(
        PAGE + "/obligations/annexe",
        content_type="multipart/form-data",
        data={"csrf_token": form_token(PAGE), "file": (io.BytesIO(_annex(client)), "a.docx")},
    )
    page = html_lib.unescape(imported.get_data(as_text=True))
    assert "Changements proposés" in page
    assert "fréquence mensuelle → semestrielle ; délai 20 jours → 30 jours" in _text(page)
    link = re.search(r'href="([^"]*/avenants\?[^"]*)"', page).group(1)
    prefilled = client.get(link).get_data(as_text=True)
    assert '<option value="inventaire" selected>' in prefilled
    assert '<option value="half_yearly" selected>' in prefilled
    assert 'name="delay_days" type="number" min="0" max="3660" value="30"' in prefilled
