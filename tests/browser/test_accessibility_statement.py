"""The accessibility statement, reached from any page's footer, names the browser and the
widths the tests really use: when Debian's Chromium moves on, this test says to update it."""

from __future__ import annotations

from typing import Any

from service.web import accessibility
from tests.browser.conftest import WIDTHS, LiveServer
from tests.browser.test_every_page import NARROWEST


def test_the_footer_leads_to_a_statement_that_names_what_the_tests_use(
    live_server: LiveServer, page: Any, browser: Any
) -> None:
    page.goto(live_server.url + "/analyses")
    link = page.get_by_role("contentinfo").get_by_role("link", name="Accessibilité : non conforme")
    with page.expect_navigation():
        link.click()
    assert page.url == live_server.url + "/accessibilite"
    assert page.get_by_role("heading", level=1).inner_text() == "Déclaration d'accessibilité"
    environment = page.locator("#environnement + ul").inner_text()
    assert f"Chromium {browser.version} " in environment, (
        f"la déclaration nomme un autre Chromium que celui des tests ({browser.version})"
    )
    assert set(accessibility.TESTED_WIDTHS) == {*WIDTHS, NARROWEST}
