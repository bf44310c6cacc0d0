"""Journey 4: a search with and without accents and inflections finds the same clauses,
highlights the words found, and each hit leads to the version in force."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import LiveServer, screenshot_path, sign_in_as

#: One need, typed three ways: as written, without accents, inflected otherwise.
QUERIES = ("pénalités de retard", "penalite retard", "PÉNALITÉ RETARDS")


def _search(page: Any, words: str) -> list[tuple[str, str]]:
    """Search from the form; the hits as (title, the line saying which version)."""
    page.get_by_label("Mots recherchés").fill(words)
    with page.expect_navigation():
        page.get_by_role("button", name="Rechercher").click()
    hits = page.locator("main li.result")
    return [
        (
            hit.get_by_role("heading").inner_text(),
            hit.locator(".result__meta").inner_text().replace("\u00a0", " "),
        )
        for hit in hits.all()
    ]


def test_search_finds_the_same_clauses_however_typed(live_server: LiveServer, browser: Any) -> None:
    reader = sign_in_as(browser, live_server, "dpo")
    page = reader.page
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Recherche"
    ).click()
    found = {words: _search(page, words) for words in QUERIES}
    titles = {words: sorted(title for title, _ in hits) for words, hits in found.items()}
    first = titles[QUERIES[0]]
    assert len(first) >= 3, found
    for words in QUERIES[1:]:
        assert titles[words] == first, f"« {words} » ne trouve pas les mêmes clauses"
    # The page says how many, agreed, and highlights the words as found in the text.
    main = page.locator("main").inner_text().replace("\u00a0", " ")
    assert re.search(rf"{len(first)} résultats pour « PÉNALITÉ RETARDS »", main), main[:300]
    marks = [m.lower() for m in page.locator("main mark").all_inner_texts()]
    assert any(m.startswith("pénalit") for m in marks) and "retard" in marks, marks
    assert "PROJET · en vigueur" not in main
    page.screenshot(path=str(screenshot_path("parcours-recherche", 1280)))
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_path("parcours-recherche", 390)))
    page.set_viewport_size({"width": 1280, "height": 900})

    # Each hit leads to the version it names, the one in force.
    for title, version_line in found[QUERIES[-1]][:3]:
        stated = re.search(r"version (\d+) en vigueur", version_line)
        assert stated, f"{title} : « {version_line} »"
        page.get_by_role("link", name=title, exact=True).click()
        subtitle = page.locator("main .subtitle").first.inner_text().upper()
        assert f"VERSION {stated.group(1)} APPROUVÉE" in subtitle.replace("\u00a0", " ")
        assert "Vous consultez la version" not in page.locator("main").inner_text()
        page.go_back()

    # A text pasted by mistake is cut to a query's length, and not echoed whole in the title.
    page.get_by_label("Mots recherchés").fill("réversibilité " * 1500)
    with page.expect_navigation():
        page.get_by_role("button", name="Rechercher").click()
    assert len(page.get_by_label("Mots recherchés").input_value()) <= 200
    assert "Réversibilité" in page.locator("main li.result").first.inner_text()
    assert len(page.title()) < 150, page.title()[:200]

    # « API » in the menu opens a page to read, not raw JSON.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="API"
    ).click()
    assert page.get_by_role("heading", level=1).is_visible()
    assert not page.locator("body").inner_text().lstrip().startswith("{")
    reader.leave()
