"""A buyer sends the pieces of a consultation together and reads them judged as a whole."""

from __future__ import annotations

from typing import Any

from service.settings import PROJECT_ROOT
from tests.browser.conftest import ConsoleWatch, LiveServer, screenshot_path

PIECES = PROJECT_ROOT / "contracts" / "consultations" / "portail-usagers"


def test_two_pieces_dropped_together_are_one_consultation(
    live_server: LiveServer, browser: Any
) -> None:
    context = live_server.context(browser, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    watch = ConsoleWatch(page)
    page.goto(live_server.url + "/analyses")
    files = sorted(PIECES.glob("*.md"))
    page.locator("#file").set_input_files([str(path) for path in files])
    assert "2 pièces jugées ensemble" in page.locator("#chosen-file").inner_text()
    with page.expect_navigation(url="**/analyses/*"):
        page.get_by_role("button", name="Analyser le document").click()
    assert page.get_by_text("Pièces de la consultation").is_visible()
    reversibility = page.locator("#famille-reversibilite")
    assert "Contredite entre les pièces" in reversibility.inner_text()
    intellectual = page.locator("#famille-propriete_intellectuelle")
    assert "article 15 du CCAP" in intellectual.inner_text()
    page.screenshot(path=str(screenshot_path("consultation", 1280)), full_page=True)
    errors = watch.take()
    context.close()
    assert not errors, "\n".join(errors)
