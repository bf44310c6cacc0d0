"""How library content reads on the pages (service/documents/display.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from service.documents.display import clause_html, date_fr, preview_html

VARIABLES = [{"name": "titulaire", "label": "Titulaire du contrat", "type": "text"}]


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), "1er mars 2026 à 10 h 00"),
        (dt.datetime(2026, 7, 14, 12, 5, tzinfo=dt.UTC), "14 juillet 2026 à 14 h 05"),
        (dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC), "1er janvier 2026 à 0 h 30"),
        (dt.datetime(2026, 8, 2, 6, 0, tzinfo=dt.UTC), "2 août 2026 à 8 h 00"),
    ],
)
def test_dates_read_in_french_at_paris_time(moment: dt.datetime, shown: str) -> None:
    """Winter and summer time are both applied, without the system locale."""
    assert date_fr(moment) == shown


def test_clause_text_renders_markdown_and_never_raw_html() -> None:
    html = clause_html("**Important** <script>alert(1)</script> {{ titulaire }}", VARIABLES)
    assert "<strong>Important</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<span class="chip">[titulaire du contrat]</span>' in html  # its label, as a blank


def test_placeholder_chip_escapes_what_it_shows() -> None:
    html = clause_html("{{ <b>x</b> }}", [])
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_preview_fills_values_and_flags_missing_ones() -> None:
    labels = {"titulaire": "Titulaire du contrat", "delai": "Délai"}
    html = preview_html("{{ titulaire }} rend tout sous {{ delai }} mois.", labels, {"delai": "2"})
    assert "sous 2 mois" in html
    assert "[Titulaire du contrat ?]" in html and "chip-missing" in html
