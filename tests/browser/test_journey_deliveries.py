"""Journey 3: a contract manager opens the lighting concession and finds its late and missing
periods; the concessionnaire sends an invalid inventory, reads its row errors where it is
looking, then sends a valid one; the manager sees the period change, ticks an item of the
reversibility checklist and downloads the checklist as PDF."""

from __future__ import annotations

import re
import subprocess
from typing import Any

from service.settings import PROJECT_ROOT
from tests.browser import axe
from tests.browser.conftest import LiveServer, Person, _unavailable, screenshot_path, sign_in_as

LIGHTING = PROJECT_ROOT / "contracts" / "concession-eclairage"
INVENTORY = LIGHTING / "livraisons" / "inventaire_points_lumineux" / "2025-S2.csv"
TICK_NOTE = "Périmètre validé en comité de suivi du 2 décembre."
DATASET = "Inventaire des points lumineux (CSV (valeurs séparées))"
#: A count of two or more followed by a singular status: « 2 attendue », « 41 manquante ».
BAD_PLURAL = re.compile(r"\b([2-9]|\d{2,}) (attendue|manquante|invalide|non prévu)\b")
#: A technical identifier shown as text: « inventaire_points_lumineux ».
SLUG = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _inventory(broken: bool) -> bytes:
    """This semester's inventory: last semester's file with a lamp repaired, and, broken,
    two cells no schema accepts (a power in words, a 13th month)."""
    rows = [line.split(",") for line in INVENTORY.read_text(encoding="utf-8").splitlines()]
    rows[1][10] = "en service"
    if broken:
        rows[2][5] = "beaucoup"
        rows[5][6] = "2025-13-45"
    return ("\n".join(",".join(row) for row in rows) + "\n").encode()


def _late_row(page: Any, dataset: str, period: str) -> str:
    """The text of a row of the table of late, missing and invalid periods."""
    table = page.get_by_role("table", name="Périodes en retard, manquantes ou invalides")
    row = table.get_by_role("row").filter(has_text=dataset).filter(has_text=period)
    return _plain(row.inner_text())


def _open_concession(person: Person) -> Any:
    page = person.page
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # folded on a phone
        menu.click()
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Livraisons"
    ).click()
    page.get_by_role("link", name="EP-2024-01").first.click()
    page.wait_for_url(re.compile(r"/contrats/EP-2024-01$"))
    return page


def _send(page: Any, name: str, data: bytes) -> None:
    form = page.locator("form.upload")
    form.get_by_label("Jeu de données").select_option(label=DATASET)
    form.get_by_label("Période").fill("2026-S1")
    form.get_by_label("Fichier").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )
    with page.expect_navigation():
        form.get_by_role("button", name="Déposer").click()


def _plain(text: str) -> str:
    """Text with French typography's non-breaking spaces read as spaces."""
    return re.sub("[\u00a0\u202f]", " ", text)


def _main(page: Any) -> str:
    """The page's main text, spaces plain."""
    return _plain(page.locator("main").inner_text())


def _in_view(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_a_concession_s_deliveries_from_late_to_checklist(
    live_server: LiveServer, browser: Any
) -> None:
    manager = sign_in_as(browser, live_server, "contract_manager")
    page = _open_concession(manager)
    main = _main(page)
    assert "MANQUANTE" in _late_row(page, "Interventions de maintenance", "décembre 2024").upper()
    assert "EN RETARD" in _late_row(page, "Rapport annuel du délégataire", "2025").upper()
    assert "INVALIDE" in _late_row(page, "Inventaire des points lumineux", "S1 2026").upper()
    # Counts agree with their number (« 2 attendues »), datasets are named, not slugged.
    assert not BAD_PLURAL.findall(main), BAD_PLURAL.findall(main)
    assert re.search(r"\b\d+ attendues\b", main)
    dues = page.get_by_role("table", name=re.compile("Données dues")).inner_text()
    assert not SLUG.findall(dues), SLUG.findall(dues)
    page.screenshot(path=str(screenshot_path("parcours-livraisons-contrat", 1280)))
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_path("parcours-livraisons-contrat", 390)))
    page.set_viewport_size({"width": 1280, "height": 900})

    # The concessionnaire, on a phone: signing in leads to its deliveries.
    holder = sign_in_as(browser, live_server, "concessionnaire", width=390)
    if reason := axe.missing_reason():
        _unavailable(reason)
    axe.serve_axe(holder.context, live_server.url)
    assert holder.page.url.endswith("/suivi")
    page = _open_concession(holder)
    _send(page, "inventaire-2026-S1.csv", _inventory(broken=True))
    assert page.url.endswith("#resultat")
    assert "Livraison invalide : 2 erreurs." in _main(page)
    errors = page.get_by_role("table", name="Erreurs à corriger")
    rows = errors.get_by_role("row")
    assert "« beaucoup » n'est pas un nombre entier" in _plain(rows.nth(1).inner_text())
    assert "n'est pas une date au format AAAA-MM-JJ" in _plain(rows.nth(2).inner_text())
    # Where the sender is looking: the first error is on screen without scrolling.
    assert _in_view(page, rows.nth(1)), "la première erreur est hors de la fenêtre"
    page.screenshot(path=str(screenshot_path("parcours-livraisons-invalide", 390)))
    found = axe.describe("livraison invalide", axe.violations(page, live_server.url))
    assert not found, "\n".join(found)
    page.get_by_role("link", name="EP-2024-01").click()
    _send(page, "inventaire-2026-S1-corrige.csv", _inventory(broken=False))
    assert re.search(r"Livraison valide : 1\s?\d{3} lignes lues\.", _main(page))
    page.screenshot(path=str(screenshot_path("parcours-livraisons-valide", 390)))
    holder.leave()

    # The manager sees the period delivered, late; ticks the checklist; takes its PDF.
    page = manager.page
    page.reload()
    late = _late_row(page, "Inventaire des points lumineux", "S1 2026").upper()
    assert "EN RETARD" in late and "INVALIDE" not in late
    page.get_by_role("link", name="Liste de réversibilité").click()
    page.wait_for_url(re.compile(r"/reversibilite$"))
    checklist = _main(page)
    assert not SLUG.findall(checklist), SLUG.findall(checklist)
    assert not BAD_PLURAL.findall(checklist), BAD_PLURAL.findall(checklist)
    done_before = int(re.search(r"(\d+) fait", checklist).group(1))
    page.get_by_text("Cocher « Périmètre restitué »").click()
    tick = page.locator("details[open] form")
    tick.get_by_label("fait", exact=True).check()
    tick.get_by_label(re.compile("^Note")).fill(TICK_NOTE)
    with page.expect_navigation():
        tick.get_by_role("button", name="Enregistrer").click()
    checklist = _main(page)
    assert f"{done_before + 1} fait" in checklist
    assert "Périmètre validé en comité de suivi" in checklist
    page.screenshot(path=str(screenshot_path("parcours-livraisons-reversibilite", 1280)))
    # The PDF opens in the browser's viewer (inline), which headless Chromium has not: the
    # test takes what the link gives, with the manager's cookies.
    link = page.get_by_role("link", name="Télécharger en PDF")
    answer = page.context.request.get(live_server.url + link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    pdf = answer.body()
    manager.leave()

    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "LISTE DE CONTRÔLE DE RÉVERSIBILITÉ" in text
    assert "EP-2024-01" in text and "Périmètre restitué" in text
    assert "Périmètre validé en comité de suivi" in text
