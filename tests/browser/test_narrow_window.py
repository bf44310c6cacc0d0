"""What a phone held upright (390 px) shows in place of what is too wide for it: the coverage
chart drawn for it, readable; the delivery timeline scrolling in its own region, with the
keyboard; tables of records as cards."""

from __future__ import annotations

import time
from typing import Any

from tests.browser import axe
from tests.browser.conftest import LiveServer, _unavailable

CONTRACT = "/organisations/valmont-sur-loire/contrats/EP-2024-01"


def test_the_coverage_chart_is_drawn_readable_for_a_phone(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/analyses/1")
    assert not page.locator(".coverage__chart--wide").is_visible()
    chart = page.locator(".coverage__chart--narrow")
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    # The drawing's 13-unit text, as large on the screen as the page's small print.
    scale = chart.evaluate("svg => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width")
    assert 13 * scale >= 12, f"texte du graphique à {13 * scale:.1f} px"
    assert (chart.locator("text").first.text_content() or "").strip()
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator(".coverage__chart--wide").is_visible()
    assert not chart.is_visible()


def test_the_delivery_timeline_scrolls_in_its_region_with_the_keyboard(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + CONTRACT)
    region = page.get_by_role("region", name="Frise des livraisons (défile horizontalement)")
    assert region.get_attribute("tabindex") == "0"  # reached with the Tab key
    region.focus()
    assert region.evaluate("element => element === document.activeElement")
    assert region.evaluate("element => element.scrollWidth > element.clientWidth")
    page.keyboard.press("ArrowRight")
    # The page's CSP allows no string evaluation (wait_for_function): poll from here.
    deadline = time.monotonic() + 5
    while region.evaluate("element => element.scrollLeft") == 0:
        assert time.monotonic() < deadline, "la frise n'a pas défilé au clavier"
        time.sleep(0.1)
    assert page.evaluate("window.scrollX") == 0


def test_tables_of_records_become_cards_that_name_their_fields(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + CONTRACT + "/reversibilite")
    row = page.locator(".checklist__datasets tbody tr").first
    cell = row.locator("td[data-label='Fréquence']")
    # The column's name reads before the value, on the card itself.
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "Fréquence" in label
    box = row.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    assert cell.evaluate("td => getComputedStyle(td).display") == "table-cell"


#: The links of the main menu, in their order.
MENU = ["Bibliothèque", "Recherche", "Analyses", "Livraisons", "API"]


def _tab_to(page: Any, selector: str, presses: int = 10) -> None:
    """Press Tab until the element ``selector`` has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} jamais atteint au clavier en {presses} tabulations")


def _menu_links(page: Any) -> Any:
    return page.get_by_role("navigation", name="Navigation principale").get_by_role("link")


def test_the_menu_folds_behind_a_button_that_works_with_the_keyboard(
    live_server: LiveServer, page: Any
) -> None:
    if reason := axe.missing_reason():
        _unavailable(reason)
    axe.serve_axe(page.context, live_server.url)
    for width in (360, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + "/")
        button = page.get_by_role("button", name="Menu")
        assert button.get_attribute("aria-expanded") == "false"
        # The title shows « Clausier » on the button's line, and is read whole.
        title = page.get_by_role("link", name="Clausier — bibliothèque de clauses données")
        title_box, button_box = title.bounding_box(), button.bounding_box()
        assert title_box is not None and button_box is not None
        assert title_box["height"] <= button_box["height"]
        assert not _menu_links(page).first.is_visible()
        _tab_to(page, "#menu-button")
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        assert [link.inner_text() for link in _menu_links(page).all()] == MENU
        assert all(link.is_visible() for link in _menu_links(page).all())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 390:  # the unfolded menu passes axe-core, as the folded one does
            found = axe.describe("menu ouvert", axe.violations(page, live_server.url))
            assert not found, "\n".join(found)
        # Every link next with the Tab key, in the menu's order.
        for name in MENU:
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.textContent.trim()")
            assert focused == name
        # Escape folds the menu and gives the focus back to its button; Space unfolds it.
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false"
        assert button.evaluate("element => element === document.activeElement")
        assert not _menu_links(page).first.is_visible()
        page.keyboard.press("Space")
        assert button.get_attribute("aria-expanded") == "true"
        page.keyboard.press("Enter")  # the button again: folded
        assert button.get_attribute("aria-expanded") == "false"
    # A link of the unfolded menu leads where it says, and marks the page as current there.
    page.keyboard.press("Enter")
    _tab_to(page, "#site-menu a[href='/search']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/search")
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "false"
    page.get_by_role("button", name="Menu").click()
    assert _menu_links(page).nth(1).get_attribute("aria-current") == "page"


def test_a_wide_window_shows_the_menu_without_its_button(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url + "/")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert all(link.is_visible() for link in _menu_links(page).all())
    # The links sit on the title's row, as before the menu could fold.
    title = page.locator(".site-title").bounding_box()
    first = _menu_links(page).first.bounding_box()
    assert title is not None and first is not None
    assert abs((first["y"] + first["height"] / 2) - (title["y"] + title["height"] / 2)) < 20


def test_without_javascript_the_narrow_menu_stays_unfolded(
    live_server: LiveServer, browser: Any
) -> None:
    context = live_server.context(
        browser, viewport={"width": 390, "height": 844}, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    visible = [link.is_visible() for link in _menu_links(page).all()]
    button = page.locator("#menu-button").is_visible()
    context.close()
    assert visible == [True] * len(MENU)
    assert not button, "un bouton « Menu » qui ne peut rien ouvrir sans JavaScript"
