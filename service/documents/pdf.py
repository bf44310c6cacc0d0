"""PDF rendering with weasyprint, fetching nothing but the app's own assets; French typography.

The HTML handed to weasyprint carries user-provided text (clause bodies, file names, excerpts of
an uploaded CCTP). Jinja escapes it, but the renderer is closed as well: its URL fetcher serves
only the stylesheets and fonts given in ``assets`` and refuses every other address — ``file://``
(a local file read into the page or embedded by ``<a rel="attachment">``), ``http(s)://`` (a
request from the server to anywhere) and ``data:`` too: nothing of the app needs it, and a
``data:`` attachment would let text put an arbitrary file inside the PDF.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Mapping
from urllib.parse import urldefrag, urljoin

from markupsafe import Markup
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

LOGGER = logging.getLogger(__name__)

#: Base address of the app's assets inside a PDF rendering: a reserved domain (RFC 2606) that
#: nothing ever resolves, since only the fetcher below answers for it.
ASSET_BASE = "https://clausier.invalid/assets/"


class RefusedURL(ValueError):
    """An address the PDF renderer must not fetch."""


class AssetFetcher(URLFetcher):
    """A weasyprint URL fetcher serving only the given assets; every other URL is refused."""

    def __init__(self, assets: Mapping[str, bytes], base_url: str = ASSET_BASE) -> None:
        # No protocol at all for the inherited opener: it is never used, this is a second lock.
        super().__init__(allowed_protocols=frozenset(), allow_redirects=False)
        self.assets = {_clean(urljoin(base_url, name)): data for name, data in assets.items()}
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Serve ``url`` if it is one of the assets, else raise :class:`RefusedURL`."""
        data = self.assets.get(_clean(url))
        if data is None:
            self.refused.append(url)
            LOGGER.warning("PDF : adresse refusée par le moteur de rendu : %.200s", url)
            raise RefusedURL(f"adresse refusée : {url[:200]}")
        self.served.append(url)
        mime = mimetypes.guess_type(urldefrag(url).url)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": mime})


def _clean(url: str) -> str:
    """The URL without its fragment, the form assets are looked up by."""
    return urldefrag(url).url


def html_to_pdf(
    html: str,
    *,
    base_url: str | None = None,
    assets: Mapping[str, bytes],
    fetcher: AssetFetcher | None = None,
) -> bytes:
    """Render ``html`` to PDF; relative URLs resolve against ``base_url`` (default
    :data:`ASSET_BASE`) and only ``assets`` (name or URL → bytes) can be loaded.

    ``fetcher`` lets a caller keep the fetcher to see what was served and refused; it must
    have been built with the same assets."""
    return layout_pdf(html, base_url=base_url, assets=assets, fetcher=fetcher).write_pdf()


def layout_pdf(
    html: str,
    *,
    base_url: str | None = None,
    assets: Mapping[str, bytes],
    fetcher: AssetFetcher | None = None,
) -> Document:
    """Lay ``html`` out in pages, as :func:`html_to_pdf` does, without writing the PDF yet:
    the long step of a big report, after which its page count is known."""
    base = base_url or ASSET_BASE
    url_fetcher = fetcher if fetcher is not None else AssetFetcher(assets, base)
    return HTML(string=html, base_url=base, url_fetcher=url_fetcher).render()


# French typography. A narrow no-break space (U+202F) before ; ! ? and a no-break space
# (U+00A0) before : and inside « guillemets ». A mark gets its space only when it ends a word
# ("Quoi ?", "Article 7 : objet"), never inside "10:30", "http://x" or "?page=2".
_SPACES = "[ \t\u00a0\u202f]"
_HIGH = re.compile(f"(?<=[^\\s\u00a0\u202f]){_SPACES}*([;:!?]+)(?=[\\s\u00a0\u202f»)]|$)")
_OPEN_QUOTE = re.compile(f"«{_SPACES}*")
_CLOSE_QUOTE = re.compile(f"{_SPACES}*»")
_DOUBLE = re.compile("  +")
# In HTML, text is what lies between tags; entities, tags, style and script are left alone.
_HTML_PARTS = re.compile(
    r"(<(style|script)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>|&#?\w+;)", re.IGNORECASE | re.DOTALL
)


#: A piece that starts with a high mark.
_MARK_FIRST = re.compile(f"{_SPACES}*[;:!?]")
#: Ends each piece of a page's prose when its pieces are typeset in one pass (``typeset_pieces``).
PIECE_END = "\x00"
#: ``_HIGH`` where a piece's end counts as the end of the text.
_HIGH_IN_PIECES = re.compile(
    f"(?<=[^\\s\u00a0\u202f]){_SPACES}*([;:!?]+)(?=[\\s\u00a0\u202f»){PIECE_END}]|$)"
)


def _high_space(match: re.Match[str]) -> str:
    return ("\u00a0" if match[1][0] == ":" else "\u202f") + match[1]


def _typeset(text: str, high: re.Pattern[str] = _HIGH) -> str:
    """French spacing of plain text."""
    text = _DOUBLE.sub(" ", text)
    text = high.sub(_high_space, text)
    text = _OPEN_QUOTE.sub("«\u00a0", text)
    return _CLOSE_QUOTE.sub("\u00a0»", text)


def typeset_pieces(pieces: list[str]) -> list[str]:
    """French spacing of each piece of text apart — a piece that starts with a high mark taking
    it as following a word, as after the end of an element (``<strong>Objet</strong> :``) — in
    one pass over them all rather than one per piece: a page has thousands of pieces between its
    tags."""
    if not pieces:
        return []
    if any(PIECE_END in piece for piece in pieces):  # never on a page: one by one, then
        return [_typeset_piece(piece) for piece in pieces]
    typeset = _typeset(PIECE_END + PIECE_END.join(pieces), _HIGH_IN_PIECES)
    return typeset.split(PIECE_END)[1:]


def _typeset_piece(piece: str) -> str:
    if _MARK_FIRST.match(piece):  # after a word: one character stands for it
        return _typeset("a" + piece)[1:]
    return _typeset(piece)


def french_typography(text: str) -> str:
    """French non-breaking spaces before ; : ! ? and inside « », without double spaces.

    Plain text comes back as plain text; :class:`~markupsafe.Markup` (rendered HTML) comes back
    as Markup, only its text changed — tags, attributes, entities, style and script untouched."""
    if not isinstance(text, Markup):
        return _typeset(str(text))
    out: list[str] = []
    position = 0
    for match in _HTML_PARTS.finditer(text):
        out.append(_typeset(text[position : match.start()]))
        out.append(match[0])
        position = match.end()
    out.append(_typeset(text[position:]))
    return Markup("".join(out))
