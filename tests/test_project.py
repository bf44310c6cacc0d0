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
DOMAIN_PACKAGES = ("library", "analysis", "annexes", "deliveries", "accounts")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


#: Below the faces: the domains, the documents and the modules they stand on.
BELOW_FACES = (
    *DOMAIN_PACKAGES,
    "documents",
    "errors.py",
    "budget.py",
    "limits.py",
    "french.py",
    "db.py",
    "storage.py",
    "organisations.py",
    "jobs.py",
    "jobs_models.py",
    "settings.py",
    "migrate.py",
    "portability",
)
FACES = ("web", "api", "cli")


def _modules(part: str) -> list[Path]:
    path = ROOT / "service" / part
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def _offenders(parts: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for part in parts:
        for path in _modules(part):
            for name in _imports(path):
                if name in forbidden or name.startswith(tuple(f"{f}." for f in forbidden)):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_nothing_below_the_faces_imports_flask_or_a_face() -> None:
    forbidden = ("flask", "werkzeug", "service.web", "service.api", "service.cli")
    assert _offenders((*BELOW_FACES, "extensions.py"), forbidden[2:]) == []
    assert _offenders(BELOW_FACES, (*forbidden, "service.extensions", "service.http")) == []


def test_the_faces_stand_side_by_side() -> None:
    """A face imports what is below it (and ``service.http``), never another face."""
    assert _offenders(("web",), ("service.api", "service.cli")) == []
    assert _offenders(("api",), ("service.web", "service.cli")) == []
    assert _offenders(("cli",), ("service.web", "service.api")) == []


def test_a_domain_reads_only_the_library_of_the_other_domains() -> None:
    """The clause library is what the other domains stand on; they do not read each other,
    nor anyone's private names."""
    offenders = []
    for package in DOMAIN_PACKAGES:
        others = tuple(f"service.{d}" for d in DOMAIN_PACKAGES if d not in (package, "library"))
        offenders += _offenders((package,), others)
        for path in _modules(package):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("service.")
                    and not (node.module or "").startswith(f"service.{package}")
                ):
                    private = [a.name for a in node.names if a.name.startswith("_")]
                    offenders += [f"{path.relative_to(ROOT)} imports {n}" for n in private]
    assert offenders == []


def test_every_error_of_clausier_is_in_the_one_tree() -> None:
    """Every ClausierError is declared in service/errors.py, on a domain branch or a kind."""
    from service import errors

    tree_names = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.ClausierError)
    }
    declared = []
    for path in (ROOT / "service").rglob("*.py"):
        if path.name == "errors.py" and path.parent.name == "service":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if bases & tree_names:
                    declared.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert declared == []


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
    *setup, last = commands
    assert last == test
    # Before it, CI may only install what the tests need: the system's packages, and at the
    # versions of their lock files the npm packages of the OpenID provider the sign-in tests
    # run (tests/oidc) and the browser tests' axe-core (tests/browser).
    assert all(
        "apt-get install" in line
        or line.startswith(("npm ci --prefix tests/oidc ", "npm ci --prefix tests/browser "))
        for line in setup
    ), setup


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
