"""Helpers for the page tests: the form token a browser would have read from a page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def plain_spaces(html: str) -> str:
    """A page's HTML with the no-break spaces of French typography (U+00A0 before « : » and
    inside « », U+202F before « ; ! ? ») read as plain spaces: these tests look for words,
    test_typography.py for the spaces."""
    return html.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def form_token(client: FlaskClient) -> Callable[[str], str]:
    """Return a function that opens a page and reads the form token it carries."""

    def read(url: str) -> str:
        """Open ``url`` and return the token in its form."""
        match = TOKEN.search(client.get(url).get_data(as_text=True))
        assert match, f"no form token on {url}"
        return match.group(1)

    return read
