"""Refresh the screenshots the README shows: ``python -m tests.browser.screenshots``.

Prepares the demo in a temporary directory (``clausier demo --no-serve``), serves it on a free
port of 127.0.0.1, opens the few key screens in Debian's Chromium (the browser tests' own,
``CLAUSIER_CHROMIUM``) and writes them under ``docs/`` as PNGs reduced to a palette of 256
colours, so that the repository stays small. Look at each before committing it.

Chromium draws its date fields in the language of its interface (``--lang=fr-FR``, ``LANG``),
which needs Debian's ``chromium-l10n``; without it they read month first, as in the United
States.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from service.settings import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, FOREIGN_SETTINGS, _free_port, _wait_for

DOCS = PROJECT_ROOT / "docs"
CONTRACT = "/organisations/valmont-sur-loire/contrats/EP-2024-01"


@dataclass(frozen=True)
class Shot:
    """One screen: its file under docs/, its address, the window's width and height, the
    element to bring to the top of the window, if not the page's top, and the element the
    picture ends with, if it is to be longer than the window."""

    name: str
    path: str
    width: int = 1280
    height: int = 860
    top: str | None = None
    until: str | None = None


SHOTS = (
    Shot("bibliotheque", "/"),
    Shot("rapport-analyse", "/analyses/1", until=".coverage__figure"),
    Shot("livraisons", CONTRACT),
    Shot("reversibilite", CONTRACT + "/reversibilite"),
    Shot("rapport-analyse-telephone", "/analyses/1", width=390, height=844, top="#couverture"),
)


@contextmanager
def demo_server() -> Iterator[str]:
    """The demo, prepared in a temporary directory and served on a free port: its address."""
    with tempfile.TemporaryDirectory(prefix="clausier-captures-") as folder:
        env = {key: value for key, value in os.environ.items() if key not in FOREIGN_SETTINGS}
        env |= {"CLAUSIER_DATA_DIR": str(Path(folder) / "instance"), "SERVE_WORKERS": "2"}
        clausier = [sys.executable, "-m", "service.cli"]
        print("Préparation de la démonstration…", flush=True)
        subprocess.run([*clausier, "demo", "--no-serve"], env=env, check=True, capture_output=True)
        port = _free_port()
        log_path = Path(folder) / "serve.log"  # a pipe nobody reads would block the server
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
            yield url
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def optimise(path: Path) -> None:
    """Rewrite a screenshot with a palette of 256 colours: a page's flat colours and its text
    keep their look, the file shrinks several times."""
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    reduced.save(path, optimize=True)


#: Whose screens these are: the demo's buyer, who reads the library, the analyses and the
#: contracts of the demo organisation.
SHOWN_ROLE = "acheteur"


def sign_in(page: Any, url: str) -> None:
    """Sign in through the form with the demo account of ``SHOWN_ROLE``, as a person does."""
    from service.cli.demo_accounts import DEMO_PASSWORD, DOMAIN

    page.goto(url + "/connexion")
    page.get_by_label("Adresse électronique").fill(f"{SHOWN_ROLE}@{DOMAIN}")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def capture(url: str, shots: tuple[Shot, ...], folder: Path) -> list[Path]:
    """Take each screen in Chromium and write it to ``folder``; a console error stops it."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--lang=fr-FR"],
            env={**os.environ, "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr"},
        )
        for shot in shots:
            context = browser.new_context(
                viewport={"width": shot.width, "height": shot.height}, locale="fr-FR"
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            sign_in(page, url)
            page.goto(url + shot.path, wait_until="load")
            if shot.top:
                # A little room above the element, as when a reader scrolls to it.
                page.locator(shot.top).evaluate(
                    "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 24)"
                )
            if errors:
                raise SystemExit(f"{shot.path} : erreurs dans la console : {errors}")
            path = folder / f"{shot.name}.png"
            if shot.until:
                box = page.locator(shot.until).bounding_box()
                assert box is not None, f"{shot.until} absent de {shot.path}"
                bottom = box["y"] + box["height"] + 16
                clip = {"x": 0, "y": 0, "width": shot.width, "height": bottom}
                page.screenshot(path=str(path), full_page=True, clip=clip)
            else:
                page.screenshot(path=str(path))
            optimise(path)
            written.append(path)
            context.close()
        browser.close()
    return written


#: Chromium's French, from Debian's chromium-l10n.
FRENCH = Path("/usr/lib/chromium/locales/fr.pak")


def main(argv: list[str] | None = None) -> None:
    """Refresh the README's screenshots under docs/ (or another folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossier", type=Path, default=DOCS, help="où écrire les images")
    args = parser.parse_args(argv)
    if not FRENCH.exists():
        print(
            f"Attention : {FRENCH} absent (apt-get install chromium-l10n) : dates à l'américaine."
        )
    with demo_server() as url:
        for path in capture(url, SHOTS, args.dossier):
            shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
            print(f"{shown} ({path.stat().st_size // 1024} Ko)")


if __name__ == "__main__":
    main()
