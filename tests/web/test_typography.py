"""French typography on the pages (service/documents/environment.py, french_typography applied
to the body of base.html): « » and : ; ! ? never begin a line, and what a person typed comes
back as typed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient
from markupsafe import Markup

from service.documents.environment import french_typography
from tests.web.test_editor import CLAUSE, draft_form

NBSP, NNBSP = "\u00a0", "\u202f"


def test_plain_text_gets_no_break_spaces() -> None:
    assert french_typography("Quoi ? « Oui » : non ; bien !") == (
        f"Quoi{NNBSP}? «{NBSP}Oui{NBSP}»{NBSP}: non{NNBSP}; bien{NNBSP}!"
    )


def test_a_page_body_changes_its_prose_only() -> None:
    html = Markup(
        '<p title="a : b">Séparateur « , » détecté</p>'
        "<p><strong>Objet</strong> : restitution</p>"
        "<textarea>Article 7 : objet « tel quel »</textarea>"
        "<select><option>Famille : RGPD</option></select>"
        "<code>a ; b</code><pre>x : y</pre>"
        '<svg><text>A : B</text></svg><script src="/static/x.js"></script>'
    )
    out = french_typography(html)
    assert isinstance(out, Markup)
    assert out == Markup(
        f'<p title="a : b">Séparateur «{NBSP},{NBSP}» détecté</p>'
        f"<p><strong>Objet</strong>{NBSP}: restitution</p>"
        "<textarea>Article 7 : objet « tel quel »</textarea>"
        "<select><option>Famille : RGPD</option></select>"
        "<code>a ; b</code><pre>x : y</pre>"
        '<svg><text>A : B</text></svg><script src="/static/x.js"></script>'
    )


def test_pages_keep_guillemets_and_colons_with_their_words(
    client: FlaskClient, small_library: Path
) -> None:
    html = client.get("/search?q=zorglub").get_data(as_text=True)
    assert f"Aucun résultat pour «{NBSP}zorglub{NBSP}»" in html
    assert "« " not in html and " »" not in html.split("<body", 1)[1]
    footer = html.split('class="site-footer"', 1)[1]
    assert f"clauses «{NBSP}données{NBSP}»" in footer


def test_a_form_shown_again_holds_what_was_typed(
    client: FlaskClient, small_library: Path, form_token: Callable[[str], str]
) -> None:
    """A refused form is shown again: its textarea holds the typed text, plain spaces and
    all, so that saving it again does not slip in spaces nobody typed."""
    body = "Objet : « restitution » des données ; {{ x }} !\n"
    form = draft_form(form_token(f"{CLAUSE}/versions/new"), body=body)
    html = client.post(f"{CLAUSE}/versions/new", data=form).get_data(as_text=True)
    assert "Objet : « restitution » des données ; {{ x }} !" in html.replace("&#34;", '"')
    assert f"variable inconnue «{NBSP}x{NBSP}»" in html


def test_each_piece_between_tags_is_typeset_as_if_alone() -> None:
    """A page's prose is typeset in one pass, yet each piece between two tags keeps its own
    ends: a mark ending a piece gets its space, one starting a piece follows the word of the
    element before it, and a piece holding the pass's separator is typeset on its own."""
    html = Markup(
        "<b>Objet :</b><i>: suite</i><span>« a »</span><p>x  y ?</p>"
        "<em>\x00 ; b</em><p>\n? seul</p><p>Vu ?!</p>"
    )
    assert french_typography(html) == Markup(
        f"<b>Objet{NBSP}:</b><i>{NBSP}: suite</i><span>«{NBSP}a{NBSP}»</span>"
        f"<p>x y{NNBSP}?</p><em>\x00{NNBSP}; b</em><p>\n? seul</p><p>Vu{NNBSP}?!</p>"
    )


def test_a_page_without_prose_to_change_comes_back_as_it_was() -> None:
    html = Markup("<p>Rien à changer</p><br><code>a : b</code>")
    assert french_typography(html) == html
    assert french_typography(Markup("")) == Markup("")


def test_an_element_kept_as_it_is_runs_to_its_first_end_tag_only() -> None:
    """Prose after a drawing or a code sample is typeset, even with tags inside them, end tags
    written in capitals or with a space, or an element never closed."""
    html = Markup(
        "<svg><rect><title>T1 : à venir</title></rect></SVG >Avant : après"
        "<code>a ; <b>b</b></code>c ; d<pre>x : y</pre\n>e ? f<code>jamais fermé : non"
    )
    assert french_typography(html) == Markup(
        f"<svg><rect><title>T1 : à venir</title></rect></SVG >Avant{NBSP}: après"
        f"<code>a ; <b>b</b></code>c{NNBSP}; d<pre>x : y</pre\n>e{NNBSP}? f"
        f"<code>jamais fermé{NBSP}: non"
    )
