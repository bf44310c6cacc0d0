"""The API reference is drawn in the browser from the document the service serves."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ConsoleWatch, LiveServer, screenshot_path


def test_the_api_reference_lists_every_operation_by_theme(
    live_server: LiveServer, browser: Any
) -> None:
    context = live_server.context(browser, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    watch = ConsoleWatch(page)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="API", exact=True).click()
    page.wait_for_selector(".api-reference__operation")
    document = page.evaluate("fetch('/api/openapi.json').then(r => r.json())")
    expected = sum(
        method in {"get", "post", "put", "patch", "delete"}
        for item in document["paths"].values()
        for method in item
    )
    assert page.locator(".api-reference__operation").count() == expected
    assert page.get_by_role("heading", name="Analyses de CCTP").is_visible()
    assert "Autres" not in [h.inner_text() for h in page.locator("h2").all()]
    page.screenshot(path=str(screenshot_path("reference-api", 1280)))
    errors = watch.take()
    context.close()
    assert not errors, "\n".join(errors)
