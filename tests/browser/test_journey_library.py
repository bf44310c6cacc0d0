"""Journey 2: a library editor drafts a new version of a clause, previews it and submits it;
an approver compares it with the version in force, approves it, and the history shows it."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import LiveServer, screenshot_path, sign_in_as

CLAUSE = "Réversibilité des prestations — marché de services numériques"
NOTE = "Le délai de suppression des données passe à quinze jours."


def _open_clause(page: Any) -> int:
    """Open the clause from the library's home page; the number of the version in force."""
    page.get_by_role("link", name=CLAUSE, exact=True).click()
    page.wait_for_url(re.compile(r"/clauses/reversibilite-marche$"))
    found = re.search(r"version (\d+)", page.locator("main .subtitle").first.inner_text())
    assert found, "the clause page says which version it shows"
    return int(found.group(1))


def test_a_new_version_is_drafted_compared_and_approved(
    live_server: LiveServer, browser: Any
) -> None:
    editor = sign_in_as(browser, live_server, "library_editor")
    page = editor.page
    in_force = _open_clause(page)
    draft = in_force + 1

    # Draft from the version in force, with a live preview of the filled text.
    page.get_by_role("link", name="Créer une nouvelle version").first.click()
    breadcrumb = page.get_by_role("navigation", name="Fil d'Ariane").inner_text()
    assert CLAUSE in breadcrumb and "reversibilite-marche" not in breadcrumb
    page.get_by_label("Note de version").fill(NOTE)
    body = page.get_by_label("Texte de la clause")
    text = body.input_value()
    assert "dans un délai d'un mois" in text
    body.fill(text.replace("dans un délai d'un mois", "dans un délai de quinze jours"))
    page.get_by_role("complementary", name="Aperçu avec les valeurs").get_by_label(
        "Titulaire du contrat"
    ).fill("Société Exemple")
    preview = page.locator("#preview")
    preview.get_by_text("dans un délai de quinze jours").wait_for()
    preview.get_by_text("Société Exemple").first.wait_for()
    assert "**" not in preview.inner_text() and "{{" not in preview.inner_text()
    page.screenshot(path=str(screenshot_path("parcours-redaction-apercu", 1280)), full_page=True)
    page.get_by_role("button", name="Créer la version (projet)").click()
    page.wait_for_url(re.compile(rf"/versions/{draft}$"))

    # The draft says it is one, and never « en vigueur ».
    main = page.locator("main").inner_text().replace("\u00a0", " ")
    assert f"Version {draft} créée (projet)." in main
    assert f"La version en vigueur est la version {in_force}." in main
    meta = page.locator("main .subtitle").first.inner_text().upper()
    assert "PROJET" in meta and "EN VIGUEUR" not in meta
    assert "PROJET · EN VIGUEUR" not in main.upper()
    page.screenshot(path=str(screenshot_path("parcours-redaction-projet", 1280)))
    editor.leave()

    # The approver finds the draft waiting, compares, approves.
    approver = sign_in_as(browser, live_server, "library_approver")
    page = approver.page
    _open_clause(page)
    assert f"Un projet attend son approbation : version {draft}." in page.locator(
        "main"
    ).inner_text().replace("\u00a0", " ")
    page.get_by_role("link", name="Comparer avec la précédente").first.click()
    page.wait_for_url(re.compile(rf"/diff\?from={in_force}&to={draft}$"))
    assert page.get_by_role("heading", name=f"Version {in_force} → version {draft}").is_visible()
    added = " ".join(page.locator("main .diff-text ins").all_inner_texts())
    removed = " ".join(page.locator("main .diff-text del").all_inner_texts())
    assert "quinze jours" in added and "un mois" in removed
    diff_text = page.locator("main").inner_text()
    # The diff reads as the clause reads: no raw Markdown, no variable names.
    assert "**" not in diff_text and "{{" not in diff_text
    assert "Suppression." in diff_text
    page.screenshot(path=str(screenshot_path("parcours-approbation-differences", 1280)))
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_path("parcours-approbation-differences", 390)))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name=f"Version {draft}", exact=True).click()
    page.wait_for_url(re.compile(rf"/versions/{draft}$"))
    with page.expect_navigation():
        page.get_by_role("button", name=f"Approuver la version {draft}").click()
    # Back on the clause, whose version in force is now the new one.
    page.wait_for_url(re.compile(r"/clauses/reversibilite-marche$"))
    main = page.locator("main").inner_text().replace("\u00a0", " ")
    assert f"Version {draft} approuvée par" in main
    assert f"version {draft}" in page.locator("main .subtitle").first.inner_text()
    assert "APPROUVÉE" in page.locator("main .subtitle").first.inner_text().upper()

    # The history: the new version, its note, who approved it.
    history = page.get_by_role("region", name="Historique des versions")
    newest = history.locator("li").first.inner_text()
    assert f"version {draft}" in newest.lower() and NOTE in newest
    assert "Approuvée par" in newest and "library-approver" in newest
    history.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_path("parcours-approbation-historique", 1280)))
    approver.leave()
