"""Journey 5: every refused input of the forms people fill — empty, wrong type, too big,
Latin-1, bad period — shows its message next to its field, in view, and keeps what the person
typed. The delivery form's refusals are tried one by one in ``test_refused_upload.py``; here
each form is tried as the person who fills it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser import axe
from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Person,
    _unavailable,
    screenshot_path,
    sign_in_as,
)

#: Messages further than this from their field (vertically, in CSS pixels) are not « next to »
#: it.
NEXT_TO = 160
#: What a refused form answers (4xx) shows in the console; nothing else may.
REFUSAL = re.compile(r"status of 4\d\d ")


def _in_view(page: Any, element: Any) -> bool:
    box = element.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def _messages_of(page: Any, field: Any) -> list[Any]:
    """The error messages that describe a field refused: they exist, are visible, and sit next
    to it."""
    assert field.get_attribute("aria-invalid") == "true"
    ids = (field.get_attribute("aria-describedby") or "").split()
    messages = [
        page.locator(f"[id='{name}']")
        for name in ids
        if "error" in (page.locator(f"[id='{name}']").get_attribute("class") or "")
        or name == "upload-message"
    ]
    assert messages, f"aucun message d'erreur ne décrit le champ ({ids})"
    around = field.bounding_box()
    for message in messages:
        assert message.is_visible() and message.inner_text().strip()
        box = message.bounding_box()
        gap = max(
            box["y"] - (around["y"] + around["height"]), around["y"] - (box["y"] + box["height"])
        )
        assert gap < NEXT_TO, f"« {message.inner_text()} » à {gap:.0f} px de son champ"
    return messages


def _leave(person: Person) -> None:
    """Close the person's browser, with no console error but the refusals' own 4xx."""
    errors = [e for e in person.watch.take() if not REFUSAL.search(e)]
    person.context.close()
    assert not errors, "\n".join(errors)


def test_a_wrong_password_is_said_next_to_it(live_server: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    person = Person(context, page, ConsoleWatch(page))
    page.goto(live_server.url + "/connexion")
    page.get_by_label("Adresse électronique").fill("acheteur@demo.clausier.example")
    page.get_by_label("Mot de passe").fill("pas le bon")
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    (message,) = _messages_of(page, page.get_by_label("Mot de passe"))
    assert _in_view(page, message)
    assert page.get_by_label("Adresse électronique").input_value() == (
        "acheteur@demo.clausier.example"
    )
    page.screenshot(path=str(screenshot_path("refus-connexion", 390)))
    _leave(person)


def test_the_buyer_s_refused_documents_and_values(
    live_server: LiveServer, browser: Any, tmp_path: Path
) -> None:
    buyer = sign_in_as(browser, live_server, "acheteur")
    page = buyer.page
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Analyses"
    ).click()
    field = page.get_by_label("Document à analyser, ou pièces d'une même consultation")
    # Empty: the browser itself asks for the file, and nothing is sent.
    page.get_by_role("button", name="Analyser le document").click()
    assert field.evaluate("input => input.validity.valueMissing")
    assert page.url.endswith("/analyses")
    # Wrong type: the server's reason, under the field.
    field.set_input_files({"name": "plan.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n"})
    page.get_by_role("button", name="Analyser le document").click()
    page.locator("#upload-message.upload__message--error").wait_for()
    (message,) = _messages_of(page, field)
    assert _in_view(page, message) and "format" in message.inner_text().lower()
    page.screenshot(path=str(screenshot_path("refus-analyse-format", 1280)))
    # Too big: said before anything is sent, with both sizes. Given by its path, which Chromium
    # reads itself: as a buffer, its 21 MB went through Playwright's pipe and the browser's
    # protocol in base64, which took more than the 10 s timeout on a loaded machine.
    big = tmp_path / "gros.txt"
    big.write_bytes(b"a" * (21 * 1024 * 1024))
    field.set_input_files(big)
    page.get_by_role("button", name="Analyser le document").click()
    (message,) = _messages_of(page, field)
    assert "taille maximale" in message.inner_text() and "20,0" in message.inner_text()

    # The annex of an analysis, sent without the values it must have.
    page.get_by_role("link", name=re.compile(r"valmont_cctp_saas_sirh\.docx")).first.click()
    page.get_by_role("link", name="Préparer l'annexe « données »").click()
    page.get_by_label(re.compile("^Objet du contrat")).fill("SIRH en mode SaaS")
    with page.expect_navigation():
        page.get_by_role("button", name="Télécharger l'annexe (Word)").click()
    summary = page.get_by_role("alert").filter(has_text="L'annexe n'a pas été générée")
    assert _in_view(page, summary)
    text = summary.inner_text().replace("\u00a0", " ")
    missing = re.search(r"(\d+) valeurs obligatoires manquent", text)
    assert missing, text
    # One entry per field, and the count is theirs (not one per clause using them).
    assert int(missing.group(1)) == summary.get_by_role("listitem").count()
    holder = page.get_by_label(re.compile("^Titulaire du contrat"))
    _messages_of(page, holder)
    # Each entry of the summary leads to its field.
    summary.get_by_role("link", name="Titulaire du contrat").click()
    assert holder.evaluate("field => field === document.activeElement")
    assert page.get_by_label(re.compile("^Objet du contrat")).input_value() == "SIRH en mode SaaS"
    page.screenshot(path=str(screenshot_path("refus-annexe", 1280)))
    _leave(buyer)


def test_the_editor_s_refused_draft(live_server: LiveServer, browser: Any) -> None:
    editor = sign_in_as(browser, live_server, "library_editor", width=390)
    page = editor.page
    page.goto(live_server.url + "/clauses/sobriete-marche")
    page.get_by_role("link", name="Créer une nouvelle version").first.click()
    page.get_by_label("Note de version").fill("Titre à revoir")
    page.get_by_label("Titre", exact=True).fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer la version (projet)").click()
    title = page.get_by_label("Titre", exact=True)
    messages = _messages_of(page, title)
    assert any(_in_view(page, m) for m in messages) or _in_view(
        page, page.get_by_role("alert").first
    )
    assert page.get_by_label("Note de version").input_value() == "Titre à revoir"
    page.screenshot(path=str(screenshot_path("refus-redaction", 390)))
    _leave(editor)


def test_the_manager_s_refused_delivery_and_tick(live_server: LiveServer, browser: Any) -> None:
    manager = sign_in_as(browser, live_server, "contract_manager", width=390)
    page = manager.page
    if reason := axe.missing_reason():
        _unavailable(reason)
    axe.serve_axe(manager.context, live_server.url)
    page.goto(live_server.url + "/organisations/valmont-sur-loire/contrats/EP-2024-01")
    form = page.locator("form.upload")
    form.get_by_label("Jeu de données").select_option(
        label="Consommations d'énergie par armoire (CSV (valeurs séparées))"
    )
    form.get_by_label("Période").fill("mars 2026")
    form.get_by_label("Note (facultative)").fill("Relevé de mars")
    form.get_by_label("Fichier").set_input_files(
        {"name": "mars.csv", "mimeType": "text/csv", "buffer": b"armoire;kwh\nAR-001;12\n"}
    )
    with page.expect_navigation():
        form.get_by_role("button", name="Déposer").click()
    period = page.locator("form.upload").get_by_label("Période")
    (message,) = _messages_of(page, period)
    assert _in_view(page, message)
    assert period.input_value() == "mars 2026"
    assert page.get_by_label("Note (facultative)").input_value() == "Relevé de mars"
    page.screenshot(path=str(screenshot_path("refus-livraison-periode", 390)))

    # The checklist: ticking « done » needs a note or a piece of evidence.
    page.get_by_role("link", name="Liste de réversibilité").click()
    page.get_by_text("Cocher « Délai de restitution »").click()
    tick = page.locator("details[open] form")
    tick.get_by_label("fait", exact=True).check()
    with page.expect_navigation():
        tick.get_by_role("button", name="Enregistrer").click()
    note = page.locator("details[open] form").get_by_label(re.compile("^Note"))
    messages = _messages_of(page, note)
    assert all(_in_view(page, m) for m in messages), "le refus est hors de la fenêtre"
    assert "Une note ou un fichier prouve l'élément." in " ".join(m.inner_text() for m in messages)
    page.screenshot(path=str(screenshot_path("refus-reversibilite", 390)))
    found = axe.describe("coche refusée", axe.violations(page, live_server.url))
    assert not found, "\n".join(found)
    _leave(manager)
