"""A refused delivery upload shows its message where the user is looking: next to the upload
form, in the viewport, the typed values kept — not 2,600 pixels below the top of the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import axe
from tests.browser.conftest import ConsoleWatch, LiveServer, _unavailable, screenshot_path

CONTRACT = "/organisations/valmont-sur-loire/contrats/EP-2024-01"
LATIN_1 = "support;lanterne\nCandélabre acier;Boule éclairée\n".encode("latin-1")


@pytest.mark.parametrize(
    ("case", "width", "period", "filename", "data"),
    [
        ("periode", 1280, "2040-S1", "inventaire.csv", b"support;lanterne\nA;B\n"),
        ("latin1", 1280, "2025-S1", "inventaire.csv", LATIN_1),
        ("format", 1280, "2025-S1", "inventaire.pdf", b"%PDF-1.4\n%%EOF\n"),
        ("latin1", 390, "2025-S1", "inventaire.csv", LATIN_1),
    ],
)
def test_a_refused_upload_shows_its_message_in_view(
    live_server: LiveServer,
    browser: Any,
    case: str,
    width: int,
    period: str,
    filename: str,
    data: bytes,
) -> None:
    height = 900 if width > 400 else 844
    context = live_server.context(
        browser, viewport={"width": width, "height": height}, locale="fr-FR"
    )
    page = context.new_page()
    watch = ConsoleWatch(page)
    if reason := axe.missing_reason():
        _unavailable(reason)
    axe.serve_axe(context, live_server.url)
    page.goto(live_server.url + CONTRACT)
    form = page.locator("form.upload")
    form.locator("#dataset").select_option("inventaire_points_lumineux")
    form.locator("#period").fill(period)
    form.locator("#note").fill("Envoi de test")
    form.locator("#file").set_input_files(
        {"name": filename, "mimeType": "application/octet-stream", "buffer": data}
    )
    with page.expect_navigation():
        form.get_by_role("button", name="Déposer").click()
    message = page.locator("#upload-error")
    assert message.is_visible()
    page.screenshot(path=str(screenshot_path(f"livraison-refusee-{case}", width)))
    box = message.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (
        f"message à {box['y']:.0f} px, hors de la fenêtre de {height} px"
    )
    assert page.locator("#period").input_value() == period
    # The field the refusal is about is marked invalid and described by the message: a screen
    # reader reads it on reaching the field.
    field = page.locator("#period" if case == "periode" else "#file")
    assert field.get_attribute("aria-invalid") == "true"
    assert "upload-error" in (field.get_attribute("aria-describedby") or "").split()
    assert page.locator("[aria-invalid='true']").count() == 1
    # The page with its refusal passes axe-core as the page without does.
    found = axe.describe(f"{CONTRACT} refusé ({case})", axe.violations(page, live_server.url))
    assert not found, "\n".join(found)
    assert page.locator("#note").input_value() == "Envoi de test"
    # The refusal answers 4xx, which the console reports; nothing else may be there.
    errors = [e for e in watch.take() if not re.search(r"status of 4\d\d .*/livraisons#", e)]
    context.close()
    assert not errors, "\n".join(errors)
