"""A real OpenID provider for the sign-in tests, and Clausier served on a real port.

The provider is panva's ``oidc-provider`` (npm), run by ``node provider.mjs``: installed with
``npm ci`` when ``node_modules`` is absent, started once for the session on a free port of
127.0.0.1 with Clausier's redirect URI registered, stopped at the end. Clausier itself is served
by werkzeug in a thread, on one port kept for the session (the one registered), so that the
provider's redirects reach it. Without node or npm the tests are skipped, saying so (under CI,
which installs them, they fail).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, jsonify
from werkzeug.serving import make_server

from service import create_app
from service.auth import current_identity, public
from service.web.csrf import csrf_token
from tests.conftest import clausier

HERE = Path(__file__).parent
ACCOUNTS: dict[str, dict[str, Any]] = json.loads((HERE / "accounts.json").read_text())
#: The clients provider.mjs registers: claims from the userinfo endpoint as JSON, or as a JWT.
CLIENT_SECRET = "secret-de-test-clausier"
#: A page of the test app only: who the session cookie stands for, and its form token.
IDENTITY_PATH = "/_test/identite"


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at this moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def node() -> str:
    """The node executable, the provider's packages installed (``npm ci``) — or a skip."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        reason = "node et npm sont absents : le fournisseur OpenID de test ne peut pas tourner"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — la CI les exige (.ci/run les installe).")
        pytest.skip(reason)
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=600)
    return node


def port_outside_the_ephemeral_range() -> int:
    """A TCP port of 127.0.0.1 free at this moment, below the range the system hands out to
    ``bind(0)`` (``ip_local_port_range``): Clausier is served on it test after test, free in
    between, and a port from that range could meanwhile be handed to another process — the
    other worker's demo server, say — for the rest of the run."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    candidates = list(range(max(1024, low - 12000), low))
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


@pytest.fixture(scope="session")
def clausier_port() -> int:
    """The port Clausier is served on in every test of the session (registered at the
    provider)."""
    return port_outside_the_ephemeral_range()


@pytest.fixture(scope="session")
def provider(
    node: str, clausier_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A running provider: its issuer URL; stopped after the session. Its output goes to a
    file (a pipe nobody reads would fill and stop it), shown if it does not start."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    base = f"http://127.0.0.1:{clausier_port}"
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [node, "provider.mjs", str(port), f"{base}/connexion/oidc/retour", f"{base}/"],
            cwd=HERE,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_discovery(issuer, process, log)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_discovery(
    issuer: str, process: subprocess.Popen, log: Path, seconds: float = 30
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"le fournisseur OpenID de test s'est arrêté : {log.read_text()}")
        try:
            answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            if answer.ok and answer.json()["issuer"] == issuer:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"le fournisseur OpenID de test ne répond pas sur {issuer} : {log.read_text()}")


@dataclass
class Served:
    """Clausier served on a real port: its URL and the application (for its database)."""

    url: str
    app: Flask


@pytest.fixture
def serve(database_url: str, tmp_path: Path, clausier_port: int) -> Iterator[Callable[..., Served]]:
    """Serve Clausier on the session's port with these settings (one server per test)."""
    started: list[tuple[Any, threading.Thread, Flask]] = []

    def start(**settings: Any) -> Served:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "clef-de-test",
                "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
                "DATABASE_URL": database_url,
                "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                **settings,
            }
        )
        # A probe of who is signed in, reachable signed in or not (the gate would send an
        # anonymous browser to the sign-in page).
        app.add_url_rule(IDENTITY_PATH, "test_identity", public(_identity))
        server = make_server("127.0.0.1", clausier_port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, thread, app))
        return Served(f"http://127.0.0.1:{clausier_port}", app)

    yield start
    for server, thread, app in started:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        clausier(app).db.dispose()


def _identity() -> Any:
    """Who the request's session stands for (null when nobody), and the form token."""
    identity = current_identity()
    if identity is None:
        return jsonify(identity=None, csrf_token=csrf_token())
    return jsonify(
        identity={
            "email": identity.email,
            "display_name": identity.display_name,
            "organisation": identity.organisation_slug,
            "roles": sorted(identity.roles),
        },
        csrf_token=csrf_token(),
    )


@pytest.fixture
def oidc_settings(provider: str) -> dict[str, str]:
    """Settings of a Clausier registered at the test provider as ``clausier``."""
    return {
        "OIDC_ISSUER": provider,
        "OIDC_CLIENT_ID": "clausier",
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }
