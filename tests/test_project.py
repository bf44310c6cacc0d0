"""Project-wide rules: layering, settings documented, migrations in step with the models."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from service import settings
from service.db import Base
from tests.conftest import clausier

ROOT = settings.PROJECT_ROOT
DOMAIN_PACKAGES = ("library", "analysis", "annexes", "deliveries")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_packages_do_not_import_flask() -> None:
    offenders = []
    for package in DOMAIN_PACKAGES:
        for path in (ROOT / "service" / package).rglob("*.py"):
            for name in _imports(path):
                if name.split(".")[0] in {"flask", "werkzeug"} or name.startswith(
                    ("service.web", "service.api", "service.extensions")
                ):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in readme]
    assert missing == []


def test_migrations_match_the_models(app: Flask) -> None:
    with clausier(app).db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_settings_file_and_overrides_take_precedence(tmp_path: Path) -> None:
    from service import create_app

    settings_file = tmp_path / "clausier.cfg"
    settings_file.write_text("PAGE_SIZE = 7\nMAX_PAGE_SIZE = 9\n")
    app = create_app(
        {
            "CLAUSIER_SETTINGS": str(settings_file),
            "MAX_PAGE_SIZE": 11,
            "CLAUSIER_DATA_DIR": str(tmp_path),
        }
    )
    assert (app.config["PAGE_SIZE"], app.config["MAX_PAGE_SIZE"]) == (7, 11)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'clausier.sqlite3'}"


def _readme_commands() -> list[str]:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    return [block.strip() for block in blocks[:2]]


def test_ci_runs_the_readme_test_command() -> None:
    run, test = _readme_commands()
    assert "pytest" in test and "clausier demo" in run
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert commands == [test]


def test_code_is_ruff_clean() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "service", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
