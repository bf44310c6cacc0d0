"""The accessibility statement: public, in the structure the RGAA asks for, honest about what
was tested, linked from every page's footer with its state."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.settings import PROJECT_ROOT
from service.web import accessibility
from tests.web.conftest import plain_spaces

LOCK = PROJECT_ROOT / "tests" / "browser" / "package-lock.json"
#: The parts of a statement, in the RGAA's model.
SECTIONS = [
    "État de conformité",
    "Ce qui a été testé",
    "Contenus non accessibles",
    "Technologies utilisées",
    "Environnement de test",
    "Retour d'information et contact",
    "Voies de recours",
    "Établissement de cette déclaration",
]


def test_the_statement_is_public_and_has_the_parts_of_an_rgaa_statement(
    client: FlaskClient,
) -> None:
    answer = client.get("/accessibilite")
    assert answer.status_code == 200
    html = plain_spaces(answer.get_data(as_text=True))
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert headings == SECTIONS
    assert "<h1>Déclaration d'accessibilité</h1>" in html
    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in html
    # No audit was made: the state the RGAA gives a service without one, and why.
    assert "<strong>non conforme</strong>" in html and "version 4.1" in html
    assert "Aucun audit de conformité au RGAA n'a encore été réalisé" in html
    assert "axe-core 4.14.1" in html and "Chromium 156" in html
    assert "Défenseur des droits" in html and "Libre réponse 71120" in html
    assert 'datetime="2026-12-07"' in html and "7 décembre 2026" in html


def test_the_statement_names_the_axe_core_the_tests_run(client: FlaskClient) -> None:
    locked = json.loads(LOCK.read_text())["packages"]["node_modules/axe-core"]["version"]
    assert locked == accessibility.AXE_CORE_VERSION


@pytest.mark.parametrize(
    ("contact", "shown"),
    [
        ("accessibilite@valmont.fr", '<a href="mailto:accessibilite@valmont.fr">'),
        ("https://valmont.fr/contact", '<a href="https://valmont.fr/contact">'),
        ("le service informatique de la mairie", "forme : le service informatique de la mairie."),
    ],
)
def test_the_contact_comes_from_the_setting(
    app: Flask, client: FlaskClient, contact: str, shown: str
) -> None:
    app.config["ACCESSIBILITY_CONTACT"] = contact
    html = plain_spaces(client.get("/accessibilite").get_data(as_text=True))
    section = html[html.index('id="retour"') : html.index('id="recours"')]
    assert shown in " ".join(section.split())
    assert contact in section


def test_every_page_links_the_statement_with_its_state(client: FlaskClient) -> None:
    for path in ("/", "/search", "/analyses", "/clauses/pas-de-clause-de-ce-nom"):
        html = plain_spaces(client.get(path).get_data(as_text=True))
        footer = html[html.index('<footer class="site-footer">') :]
        assert '<a href="/accessibilite">Accessibilité : non conforme</a>' in footer, path
