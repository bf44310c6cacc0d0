"""The « API » of the menu opens a page for people, not raw JSON."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_menu_leads_to_the_api_reference_page(client: FlaskClient) -> None:
    home = client.get("/").get_data(as_text=True)
    assert 'href="/reference-api"' in home
    assert 'href="/api/openapi.json">API<' not in home
    page = client.get("/reference-api")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Référence de l'API" in text
    assert 'data-document="/api/openapi.json"' in text  # what the page's script reads
    assert "/static/reference.js" in text and "<script>" not in text  # no inline script
