"""``clausier serve`` in a process of its own: gunicorn with the configured workers, each on its
own connections, answering pages and the API, stopped gracefully (service/cli/serve.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from flask import Flask

from service.cli.serve import workers
from tests.conftest import clausier


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, deadline: float) -> int:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as answer:  # an answer all the same
            return answer.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_runs_gunicorn_workers_and_stops_gracefully(tmp_path: Path) -> None:
    env = os.environ | {
        "CLAUSIER_DATA_DIR": str(tmp_path),
        "SERVE_WORKERS": "2",
        "SECRET_KEY": "une clé de test, pas celle de développement",
    }
    env.pop("DATABASE_URL", None)
    clausier_cmd = [sys.executable, "-m", "service.cli"]
    subprocess.run([*clausier_cmd, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*clausier_cmd, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        # Public pages answer anyone; the others ask who is there.
        assert _get(f"http://127.0.0.1:{port}/reference-api", deadline) == 200
        assert _get(f"http://127.0.0.1:{port}/api/openapi.json", deadline) == 200
        assert _get(f"http://127.0.0.1:{port}/api/families", deadline) == 401
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert "gunicorn, 2 processus" in output
    assert output.count("Booting worker") == 2
    assert '"GET /api/openapi.json HTTP/1.1" 200' in output  # the access log
    assert server.returncode == 0


def test_workers_default_to_two_per_core() -> None:
    assert workers(3) == 3
    assert workers(0) == 2 * (os.cpu_count() or 1)


def test_a_forked_worker_opens_its_own_resources(app: Flask) -> None:
    resources = clausier(app)
    resources.index._open()
    resources.after_fork()
    assert resources.index._index is None and resources.index._open_searcher is None


def test_serve_refuses_the_development_secret(tmp_path: Path) -> None:
    env = os.environ | {"CLAUSIER_DATA_DIR": str(tmp_path)}
    for name in ("DATABASE_URL", "SECRET_KEY"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "SECRET_KEY a sa valeur de développement" in done.stderr
    assert "Traceback" not in done.stderr


def test_requests_served_get_an_application_context_of_their_own(app: Flask) -> None:
    """``clausier serve`` runs inside the command line's application context; the server runs
    outside it, so that ``g`` (identity, database session) never passes from one request to
    the next."""
    from flask import g, has_app_context

    from service.auth import public
    from service.cli.serve import outside_app_context

    seen: list[object] = []

    @app.get("/_test_g")
    @public
    def remember() -> str:
        seen.append(g._get_current_object())
        return ""

    with app.app_context():
        outcome: dict[str, object] = {}

        def serve() -> None:
            outcome["context"] = has_app_context()
            client = app.test_client()
            client.get("/_test_g")
            client.get("/_test_g")

        outside_app_context(serve)
    assert outcome["context"] is False
    assert len(seen) == 2 and seen[0] is not seen[1]
