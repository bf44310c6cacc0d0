"""The real service in a browser: ``clausier demo --no-serve`` prepares a fresh instance in a
temporary directory, ``clausier serve --development`` serves it on a free port of 127.0.0.1 for
the whole session, and Debian's Chromium, driven by Playwright, opens its pages.

No browser is downloaded: Playwright drives the Chromium of the system (``CLAUSIER_CHROMIUM``,
default ``/usr/bin/chromium``). Without it, or without Playwright, the browser tests are skipped
with the reason shown; under CI (``CI=true``) they fail instead, as a missing PostgreSQL does.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CLAUSIER_CHROMIUM", "/usr/bin/chromium")
#: Screenshots of the pages, to look at (git-ignored).
SCREENSHOTS = Path(__file__).parent / "screenshots"
#: The two widths every page is tried at: a phone held upright and a laptop.
WIDTHS = (390, 1280)
#: Settings of the environment that would point the served instance elsewhere.
FOREIGN_SETTINGS = ("DATABASE_URL", "SEARCH_INDEX_DIR", "CLAUSIER_SETTINGS", "REDIS_URL")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " — la CI exige les tests dans le navigateur.")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen[str], deadline: float, log: Path) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                output = log.read_text(encoding="utf-8", errors="replace")
                raise RuntimeError(f"clausier serve did not answer on {url}:\n{output}") from None
            time.sleep(0.2)


#: The browser's account: every staff role in the demo organisation (the demo's own accounts
#: hold one role each).
BROWSER_ACCOUNT = "navigateur@demo.clausier.example"


@dataclass
class LiveServer:
    """The service under test: its address, its data directory and the session cookie of
    the browser's account."""

    url: str
    data_dir: Path
    env: dict[str, str] = field(repr=False)
    session_cookie: str = field(default="", repr=False)

    def app(self) -> Any:
        """An application object on the served instance's data, to read ids and the URL map."""
        from service import create_app

        return create_app({"CLAUSIER_DATA_DIR": str(self.data_dir)})

    def sign_in(self) -> None:
        """Give the browser's account every staff role in the demo organisation, and its
        session cookie, signed with the served instance's secret, as signing in gives it."""
        from service.auth import METHOD_KEY, ORGANISATION_KEY, USER_KEY
        from service.cli.demo_accounts import DEMO_ORGANISATION
        from service.csrf import FIELD
        from tests.members import make_member

        app = self.app()
        try:
            with app.extensions["clausier"].db.sessions() as session:
                member = make_member(session, BROWSER_ACCOUNT, slug=DEMO_ORGANISATION)
            serializer = app.session_interface.get_signing_serializer(app)
            self.session_cookie = serializer.dumps(
                {
                    USER_KEY: member.user_id,
                    ORGANISATION_KEY: DEMO_ORGANISATION,
                    METHOD_KEY: "password",
                    FIELD: secrets.token_urlsafe(32),
                    "_permanent": True,
                }
            )
        finally:
            app.extensions["clausier"].db.dispose()

    def cookie_header(self) -> dict[str, str]:
        """The header a program sends to be the browser's account (reads only: a write to the
        API would need the session's CSRF token too)."""
        return {"Cookie": f"session={self.session_cookie}"}

    def context(self, browser: Any, **options: Any) -> Any:
        """A browser context signed in as the browser's account."""
        context = browser.new_context(**options)
        # The session holds its form token already: the server has no cookie to set anew.
        context.add_cookies(
            [{"name": "session", "value": self.session_cookie, "url": self.url + "/"}]
        )
        return context


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``clausier serve --development`` on a fresh instance loaded with the demo data."""
    data_dir = tmp_path_factory.mktemp("live") / "instance"
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_SETTINGS}
    # Every analysis report PDF made by a background job: the job page has an id to visit.
    env |= {
        "CLAUSIER_DATA_DIR": str(data_dir),
        "SERVE_WORKERS": "2",
        "REPORT_BACKGROUND_PAGES": "0",
    }
    clausier = [sys.executable, "-m", "service.cli"]
    subprocess.run(
        [*clausier, "demo", "--no-serve"], env=env, check=True, capture_output=True, text=True
    )
    port = _free_port()
    # The server's log (an access line per request) goes to a file: a pipe nobody reads
    # fills after some hundred requests, and the server then blocks on writing its log.
    log_path = data_dir.parent / "serve.log"
    log = log_path.open("w", encoding="utf-8")
    server = subprocess.Popen(
        [*clausier, "serve", "--development", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url + "/", server, time.monotonic() + 60, log_path)
        live = LiveServer(url=url, data_dir=data_dir, env=env)
        live.sign_in()
        yield live
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright absent (pip install -e '.[test]')")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium absent ({CHROMIUM}) : apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _chromium_first(browser: Any) -> None:
    """Every test here needs the browser: without it they are skipped before the service is
    started for nothing."""


class ConsoleWatch:
    """What a page wrote to the browser console as errors, and the scripts that failed."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"exception: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.errors.append(f"{message.text} ({where})" if where else message.text)

    def take(self) -> list[str]:
        """The errors seen since the last call."""
        errors, self.errors = self.errors, []
        return errors


@pytest.fixture
def page(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page of a fresh browser context (1280 px wide), signed in; the test fails if the
    browser console shows an error, a missing favicon or a refused inline style included."""
    context = live_server.context(browser, viewport={"width": 1280, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    watch = ConsoleWatch(tab)
    yield tab
    context.close()
    errors = watch.take()
    assert not errors, "erreurs dans la console du navigateur :\n" + "\n".join(errors)


def screenshot_path(name: str, width: int) -> Path:
    """Where the screenshot of page ``name`` at ``width`` pixels goes."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}-{width}.png"


@dataclass
class Person:
    """Someone at the browser: their own context (cookies, downloads), its tab, and what the
    tab wrote to the console as errors."""

    context: Any
    page: Any
    watch: ConsoleWatch

    def leave(self) -> None:
        """Close the browser context; fail if the console showed an error meanwhile."""
        errors = self.watch.take()
        self.context.close()
        assert not errors, "erreurs dans la console du navigateur :\n" + "\n".join(errors)


def demo_address(role: str) -> str:
    """The demo account holding ``role`` (service/cli/demo_accounts.py)."""
    from service.cli.demo_accounts import DOMAIN

    return f"{role.replace('_', '-')}@{DOMAIN}"


def sign_in_as(browser: Any, live_server: LiveServer, role: str, width: int = 1280) -> Person:
    """A fresh browser context in which the demo account of ``role`` signs in through the
    sign-in form, as a person does; the page is then wherever signing in leads."""
    from service.accounts.models import ROLES
    from service.cli.demo_accounts import DEMO_PASSWORD

    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 400 else 844},
        locale="fr-FR",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = ConsoleWatch(page)
    page.goto(live_server.url + "/connexion")
    page.get_by_label("Adresse électronique").fill(demo_address(role))
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    # The header names who is signed in, by the name a person reads.
    assert f"Démo — {ROLES[role]}" in page.get_by_role("banner").text_content()
    return Person(context, page, watch)
