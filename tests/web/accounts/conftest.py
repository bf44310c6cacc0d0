"""Fixtures of the account pages' tests: cheap argon2 parameters, an organisation with an
admin and an acheteur, and a browser-like client that reads form tokens and signs in."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from service.accounts import passwords
from service.organisations import Organisation, ensure_organisation
from tests.accounts.factories import PASSWORD, make_user
from tests.conftest import clausier

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hash with cheap parameters during the test."""
    monkeypatch.setattr(passwords, "HASHER", CHEAP)
    yield


@dataclass
class Browser:
    """A test client used as a person would: it opens a page, then sends its form."""

    client: FlaskClient

    def token(self, url: str) -> str:
        """The form token of the page at ``url``."""
        match = TOKEN.search(self.client.get(url).get_data(as_text=True))
        assert match, f"no form token on {url}"
        return match.group(1)

    def submit(self, page: str, action: str, **fields: object) -> TestResponse:
        """Open ``page`` and send its form to ``action`` with these fields."""
        data = {"csrf_token": self.token(page), **fields}
        return self.client.post(action, data=data)

    def sign_in(self, email: str, password: str = PASSWORD, suivant: str = "") -> TestResponse:
        """Sign in through the sign-in page."""
        url = "/connexion" + (f"?suivant={suivant}" if suivant else "")
        return self.submit(url, url, email=email, password=password)

    def page(self, url: str) -> str:
        """The text of a page, its French no-break spaces read as plain spaces."""
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return plain(response.get_data(as_text=True))


def plain(html: str) -> str:
    """HTML with its character references read and French typography's no-break spaces as
    plain spaces."""
    return html_module.unescape(html).replace("\u00a0", " ").replace("\u202f", " ")


@dataclass
class Valbrune:
    """An organisation with an admin and an acheteur, and a second organisation."""

    organisation: Organisation
    other: Organisation
    admin_id: int
    acheteur_id: int


@pytest.fixture
def valbrune(app: Flask) -> Valbrune:
    """Valbrune (admin@valbrune.fr: admin and acheteur; achat@valbrune.fr: acheteur) and
    Montclair (nobody of Valbrune)."""
    with clausier(app).db.session() as session:
        organisation = ensure_organisation(session, "valbrune", "Commune de Valbrune")
        other = ensure_organisation(session, "montclair", "Commune de Montclair")
        admin = make_user(session, "admin@valbrune.fr", organisation, "admin", "acheteur")
        acheteur = make_user(session, "achat@valbrune.fr", organisation, "acheteur")
        return Valbrune(organisation, other, admin.id, acheteur.id)


@pytest.fixture
def browser(anonymous_client: FlaskClient) -> Browser:
    """A browser on the application."""
    return Browser(anonymous_client)


def session_of(app: Flask) -> Session:
    """A new database session on the application's database."""
    return clausier(app).db.sessions()
