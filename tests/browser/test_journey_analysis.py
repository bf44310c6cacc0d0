"""Journey 1: a buyer signs in, uploads a CCTP, watches it go, reads the report, follows a
suggested clause into the library and back, prepares the annex from the analysis, fills what
the form asks for and downloads the DOCX, which the test opens."""

from __future__ import annotations

import io
import re
from typing import Any

import docx

from service.settings import PROJECT_ROOT
from tests.browser.conftest import LiveServer, screenshot_path, sign_in_as

CCTP = PROJECT_ROOT / "contracts" / "valmont_cctp_saas_sirh.docx"
#: Shows every text the upload status says, navigations included (the init script runs in
#: every document, outside the page's Content-Security-Policy as a browser extension would).
WATCH_STATUS = """
document.addEventListener("DOMContentLoaded", () => {
  const message = document.getElementById("upload-message");
  if (!message) return;
  new MutationObserver(() => window.statusSaid(message.textContent)).observe(
    message, {childList: true, characterData: true, subtree: true});
});
"""
#: A variable's name, as a slug would read in a sentence (« v_titulaire », « acheteur_nom »).
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")
#: The values the annex form asks for, by label.
VALUES = {
    "Acheteur ou autorité concédante": "Commune de Valmont-sur-Loire",
    "Objet du contrat": "Solution de gestion des ressources humaines en mode SaaS",
    "Titulaire du contrat": "Société RH Nuage",
    "Adresse du portail open data de l'acheteur": "https://data.valmont-sur-loire.fr",
    "Montant de la pénalité par jour de retard et par jeu de données (en euros)": "150",
    "Nature des données sensibles justifiant la qualification SecNumCloud": (
        "dossiers administratifs et paie des agents"
    ),
}


def test_a_buyer_goes_from_a_cctp_to_its_annex(live_server: LiveServer, browser: Any) -> None:
    buyer = sign_in_as(browser, live_server, "acheteur")
    page = buyer.page
    said: list[str] = []
    page.expose_function("statusSaid", lambda text: said.append(text))
    page.add_init_script(WATCH_STATUS)

    # Upload, and the progress shown meanwhile.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Analyses"
    ).click()
    page.get_by_label("Document à analyser, ou pièces d'une même consultation").set_input_files(
        str(CCTP)
    )
    assert "valmont_cctp_saas_sirh.docx" in page.locator("#chosen-file").inner_text()
    page.screenshot(path=str(screenshot_path("parcours-acheteur-depot", 1280)))
    with page.expect_navigation(url=re.compile(r"/analyses/\d+$")):
        page.get_by_role("button", name="Analyser le document").click()
    assert any(text.startswith("Envoi du document") for text in said), said
    assert "Analyse terminée : ouverture du rapport…" in said, said

    # The report: chart with its text alternative, verdicts, evidence.
    assert page.get_by_role("heading", name="valmont_cctp_saas_sirh.docx").is_visible()
    chart = page.get_by_role("img", name=re.compile("Couverture des 10 familles"))
    assert chart.first.is_visible()
    hosting = page.locator("#famille-hebergement")
    assert "CONTREDITE" in hosting.inner_text().upper()
    assert "Ce que dit le document" in hosting.inner_text()
    assert "hors de l'Union européenne" in hosting.locator(".evidence li").first.inner_text()
    report = page.locator("main").inner_text()
    # Words for people: no hash algorithm, no « Rapport en JSON ».
    assert "SHA-256" not in report and "Rapport en JSON" not in report
    # Counts are French: « 3 articles », never « 3 article(s) ».
    assert "(s)" not in report, re.findall(r".{30}\(s\).{10}", report)
    assert "Traitée dans 1 article" in report or "Traitée dans 3 articles" in report
    page.screenshot(path=str(screenshot_path("parcours-acheteur-rapport", 1280)))

    # Into the library by the suggested clause, and back.
    hosting.get_by_role("link", name="Hébergement souverain des données — clause renforcée").click()
    page.wait_for_url(re.compile(r"/clauses/hebergement-renforcee/versions/\d+$"))
    clause_text = page.locator(".clause-text").inner_text()
    assert "[zone de localisation des données et des sauvegardes]" in clause_text
    assert not IDENTIFIER.findall(clause_text), IDENTIFIER.findall(clause_text)
    # The version in force is not a draft, and says so once.
    status = page.locator("main").inner_text()
    assert "PROJET · en vigueur" not in status.replace("\u00a0", " ")
    assert "nom_de_la_variable" not in status
    page.screenshot(path=str(screenshot_path("parcours-acheteur-clause", 1280)))
    page.go_back()
    page.wait_for_url(re.compile(r"/analyses/\d+$"))

    # The annex: the form says what it misses, then gives the file.
    page.get_by_role("link", name="Préparer l'annexe « données »").click()
    page.wait_for_url(re.compile(r"/annexe$"))
    for label, value in VALUES.items():
        page.get_by_label(re.compile("^" + re.escape(label))).fill(value)
    page.screenshot(path=str(screenshot_path("parcours-acheteur-annexe", 1280)), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger l'annexe (Word)").click()
    assert download.value.suggested_filename.endswith(".docx")
    document = docx.Document(io.BytesIO(download.value.path().read_bytes()))

    # The annex of a concession speaks of the conceding authority and the concessionnaire.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Analyses"
    ).click()
    page.get_by_role("link", name="valmont_cctp_concession_eclairage_public.docx").click()
    page.get_by_role("link", name="Préparer l'annexe « données »").click()
    for label, value in VALUES.items():
        page.get_by_label(re.compile("^" + re.escape(label))).fill(value)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger l'annexe (Word)").click()
    concession = docx.Document(io.BytesIO(download.value.path().read_bytes()))
    buyer.leave()
    said = "\n".join(p.text for p in concession.paragraphs)
    assert "l'autorité concédante" in said and "le concessionnaire" in said
    assert not re.search(r"\b(l'acheteur|le titulaire)\b", said), re.findall(
        r".{40}\b(?:l'acheteur|le titulaire)\b.{20}", said
    )

    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    # Article headings are the clauses' subjects, not the library's names for them.
    assert headings == [
        "Ouverture des données",
        "Réversibilité et transférabilité",
        "Hébergement souverain des données",
        "Sobriété numérique",
        "Transparence des traitements algorithmiques",
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    # A marché: the buyer and the holder, never the terms of a concession.
    assert "(ci-après « l'acheteur »)" in text
    assert "(ci-après « le titulaire »)" in text
    assert "concédante" not in text and "concessionnaire" not in text
    # The buyer's name with its article; no placeholder or variable name left.
    assert "la Commune de Valmont-sur-Loire" in text
    assert not re.search(r"(de|à) Commune de Valmont", text)
    assert "Société RH Nuage" in text and "https://data.valmont-sur-loire.fr" in text
    assert "{{" not in text and "[" not in text
    assert not IDENTIFIER.findall(text), IDENTIFIER.findall(text)
