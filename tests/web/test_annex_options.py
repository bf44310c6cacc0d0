"""Annex pages: a template set to start from, the deliveries table, an organisation's templates."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.annexes.test_render import docx_with
from tests.web.test_library_annex import text_of

Token = Callable[[str], str]
SET_URL = "/annexe?ensemble=concession-eclairage-public"
MODELES = "/organisations/valbrune/modeles"  # the signed-in client's organisation


def _filled(page: str) -> dict[str, str]:
    """Every field of the form filled with a value of its type: its default, or a sample."""
    import re

    values = {}
    for name, kind, value in re.findall(
        r'<input id="v_[a-z_0-9]+" name="(v_[a-z_0-9]+)" type="([a-z]+)"([^>]*)>', page
    ):
        default = re.search(r'value="([^"]*)"', value)
        sample = {"url": "https://sdel.example/", "email": "dpo@sdel.example"}.get(kind, "12")
        values[name] = (default.group(1) if default else "") or sample
    for name, options in re.findall(
        r'<select id="v_[a-z_0-9]+" name="(v_[a-z_0-9]+)"[^>]*>(.*?)</select>', page, re.S
    ):
        values[name] = re.findall(r'<option value="([^"]+)"', options)[0]
    return values | {"acheteur": "SDEL", "objet": "Éclairage public"}


def test_the_sets_page_leads_to_a_prefilled_form(
    client: FlaskClient, reference_library: Path
) -> None:
    sets = text_of(client.get("/annexe/ensembles"))
    assert "Concession / DSP" in sets and "Concession d'éclairage public" in sets
    page = text_of(client.get(SET_URL))
    assert 'name="clause" value="open-data-concession" checked' in page
    assert "Tableau des livraisons de données (concession)" in page
    assert 'value="Inventaire des points lumineux"' in page
    assert 'name="d-3-delay" data-field="delay" aria-label="Délai de fourniture, ligne 4"' in page
    assert 'name="d-6-dataset"' in page  # three blank rows after the four of the set


def test_the_deliveries_typed_are_in_the_docx(
    client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    token = form_token(SET_URL)
    page = text_of(client.get(SET_URL))
    clauses = ["open-data-concession", "rgpd-concession"]
    data = _filled(page) | {"csrf_token": token, "clause": clauses}
    data |= {"d-0-dataset": "Luminaires", "d-0-format": "GeoJSON"}
    data |= {"d-0-frequency": "annuelle", "d-0-delay": "60 jours", "d-4-dataset": "Pannes"}
    data |= {"d-1-dataset": "Consommations d'énergie", "d-1-format": "CSV"}
    data |= {"d-1-frequency": "mensuelle", "d-1-delay": "20 jours"}
    half = client.post(SET_URL, data=data)
    assert half.status_code == 422
    assert "ligne 5 : complétez Format, Fréquence, Délai de fourniture" in text_of(half)
    data["d-4-dataset"] = ""
    response = client.post(SET_URL, data=data)
    assert response.status_code == 200, text_of(response)[:2000]
    document = docx.Document(io.BytesIO(response.data))
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["Luminaires", "GeoJSON", "annuelle", "60 jours"] in rows
    assert ["Consommations d'énergie", "CSV", "mensuelle", "20 jours"] in rows


def test_an_organisation_uploads_a_template_and_uses_it(
    app: Flask, client: FlaskClient, reference_library: Path, form_token: Token
) -> None:
    token = form_token(MODELES)
    refused = client.post(
        MODELES,
        data={
            "csrf_token": token,
            "name": "Hostile",
            "uploaded_by": "X",
            "file": (io.BytesIO(docx_with("{{ inconnue }}")), "h.docx"),
        },
    )
    assert refused.status_code == 422
    assert "variable inconnue « inconnue »" in text_of(refused)
    assert "Rien n'a été enregistré" in text_of(refused)
    good = client.post(
        MODELES,
        data={
            "csrf_token": token,
            "name": "Papier à en-tête",
            "uploaded_by": "M. Roux",
            "file": (io.BytesIO(docx_with("SDEL — {{ objet }}")), "entete.docx"),
        },
    )
    assert good.status_code == 303
    listing = text_of(client.get(MODELES))
    assert "Papier à en-tête" in listing and "Hostile" not in listing
    url = SET_URL + "&organisation=valbrune"
    page = text_of(client.get(url))
    assert "Modèle de Commune de Valbrune" in page
    template_id = page.split('<option value="')[2].split('"')[0]
    data = _filled(page) | {"csrf_token": token, "clause": ["rgpd-concession"]}
    response = client.post(url, data=data | {"template": template_id})
    assert response.status_code == 200, text_of(response)[:2000]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
    assert "SDEL — Éclairage public" in text
    no_csrf = client.post(MODELES, data={"name": "x"})
    assert no_csrf.status_code == 400


def test_a_template_too_heavy_to_fill_is_refused_on_the_page_in_french(
    app: Flask, client: FlaskClient, form_token: Token, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.annexes import org_templates
    from service.limits import Budget
    from tests.annexes.test_org_templates import SWELLING

    monkeypatch.setattr(org_templates, "RENDER_BUDGET", Budget(memory_mb=64, seconds=10))
    refused = client.post(
        MODELES,
        data={
            "csrf_token": form_token(MODELES),
            "name": "Boucles",
            "uploaded_by": "X",
            "file": (io.BytesIO(docx_with(SWELLING)), "boucles.docx"),
        },
    )
    assert refused.status_code == 422
    page = text_of(refused)
    assert "le remplissage du modèle demandait plus de 64 Mo de mémoire" in page
    assert "Simplifiez le modèle" in page
    assert "Boucles" not in text_of(client.get(MODELES))
