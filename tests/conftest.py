"""Shared fixtures: an application on a fresh database per test, on SQLite and PostgreSQL.

Every test that uses ``app`` (or ``client``, ``runner``, ``db_session``) runs twice: once on a
SQLite file and once on PostgreSQL. Without a reachable PostgreSQL the second run is skipped
with its reason, except under CI (``CI=true``) where it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from service import create_app, migrate
from service.accounts.models import Role
from service.db import Base
from service.extensions import Clausier
from service.settings import PROJECT_ROOT
from tests.members import AGENT, APPROVER, Member, make_member, signed_in

POSTGRES_URL = os.environ.get(
    "CLAUSIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
LIBRARY_DIR = PROJECT_ROOT / "clauses"
FIXTURES = Path(__file__).parent / "fixtures"
#: Folders whose tests share one costly server for the session (the demo served to the
#: browser, the OpenID provider): each runs whole on one worker, so it is started once.
ONE_WORKER_FOLDERS = ("browser", "oidc")


#: Werkzeug's URL builders, compiled once per distinct rule for the whole session.
_BUILDERS: dict[tuple[Any, ...], Any] = {}
_compile_builder = Rule._compile_builder


def _cached_builder(self: Rule, append_unknown: bool = True) -> Any:
    """Werkzeug compiles Python code for each rule of each new application (about 90 % of
    ``create_app``, made for nearly every test); the code depends only on the rule's parts,
    its defaults and their converters, never on the rule object (it receives it as an
    argument), so one compiled builder serves every application of the session."""
    defaults = self.defaults or {}
    key = (
        self.rule,
        append_unknown,
        tuple(self._trace),
        tuple(
            (name, repr(value), type(self._converters.get(name)).__qualname__)
            for name, value in defaults.items()
        ),
    )
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _compile_builder(self, append_unknown)
    return builder


Rule._compile_builder = _cached_builder  # type: ignore[method-assign]


class _TemplatesOnce(BytecodeCache):
    """The pages' templates compiled once for the session, not once per test: each test's
    application has its own Jinja environment, which parsed and compiled every template it
    rendered again (some 40 ms a page, most of a page request's time in the tests). Jinja
    checks each stored template against its source's checksum before using it."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket with the template's compiled code, when it was compiled before."""
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the template's compiled code for the next applications."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _TemplatesOnce()}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``-n``, ``--dist loadgroup``), the tests of one file run on one
    worker, so that a module's fixtures are made once, and the tests of a folder in
    ONE_WORKER_FOLDERS on one worker, so that its session's server is started once."""
    here = Path(__file__).parent
    for item in items:
        if not item.path.is_relative_to(here):
            continue
        relative = item.path.relative_to(here)
        folder = relative.parts[0] if len(relative.parts) > 1 else ""
        group = folder if folder in ONE_WORKER_FOLDERS else relative.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL schema of its own, migrated once for the whole session."""
    try:
        admin = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means: no PostgreSQL here
        reason = f"PostgreSQL injoignable ({POSTGRES_URL}) : {type(error).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — la CI exige PostgreSQL.")
        pytest.skip(reason)
    schema = f"clausier_test_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # A test database needs no durability: commits do not wait for the disk.
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "clausier.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            _empty(connection)
    finally:
        engine.dispose()
    return url


def _empty(connection: Any) -> None:
    """Empty the tables a test filled and restart every id from 1.

    Only the tables that hold rows are emptied (one ``EXISTS`` probe each, in one query). They
    are emptied by ``DELETE`` with the triggers off for the transaction
    (``session_replication_role``, a superuser's right, which the tests' connection has):
    ``TRUNCATE`` rewrites each table's and index's files, some 150 ms for the eight tables an
    ordinary test fills, against a few milliseconds to delete their rows. Without that right
    (a role that cannot disable triggers, as the append-only tables' triggers refuse a
    ``DELETE``) they are truncated as before. Every sequence is then set back in one query."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    probes = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    filled = set(connection.execute(text(probes)).scalars())
    if filled:
        _delete_rows(connection, [name for name in reversed(tables) if name in filled])
    if not SEQUENCES:
        SEQUENCES.update(
            connection.execute(
                text(
                    "SELECT c.table_name, pg_get_serial_sequence(quote_ident(c.table_name), "
                    "c.column_name) FROM information_schema.columns c "
                    "WHERE c.table_schema = current_schema() "
                    "AND (c.column_default LIKE 'nextval(%' OR c.is_identity = 'YES')"
                )
            ).all()
        )
    if SEQUENCES:
        connection.execute(
            text(
                "SELECT setval(CAST(name AS regclass), 1, false) "
                "FROM unnest(CAST(:sequences AS text[])) AS name"
            ),
            {"sequences": sorted(SEQUENCES.values())},
        )


def _delete_rows(connection: Any, names: list[str]) -> None:
    """Delete every row of these tables (children first), triggers off; truncate them when
    this connection may not turn the triggers off."""
    if not DELETE_ALLOWED:
        quoted = ", ".join(f'"{name}"' for name in names)
        connection.execute(text(f"TRUNCATE {quoted} CASCADE"))
        return
    savepoint = connection.begin_nested()
    try:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    except Exception:  # not a superuser: the triggers stay, and so does TRUNCATE
        savepoint.rollback()
        DELETE_ALLOWED.clear()
        _delete_rows(connection, names)
        return
    savepoint.commit()
    for name in names:
        connection.execute(text(f'DELETE FROM "{name}"'))
    connection.execute(text("SET LOCAL session_replication_role = DEFAULT"))


#: Whether the tests' connection may turn the triggers off (emptied when it may not).
DELETE_ALLOWED: list[bool] = [True]


#: Each table's id sequence in the session's PostgreSQL schema (read once).
SEQUENCES: dict[str, str] = {}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on a fresh database, with its own data directory."""
    application = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        }
    )
    yield application
    clausier(application).db.dispose()


def clausier(app: Flask) -> Clausier:
    """The application's resources (database, search index)."""
    return app.extensions["clausier"]


@pytest.fixture
def member(app: Flask) -> Member:
    """The agent of the test organisation (« valbrune »), holding every staff role."""
    with clausier(app).db.sessions() as session:
        return make_member(session, AGENT)


@pytest.fixture
def client(app: Flask, member: Member) -> FlaskClient:
    """A test client signed in as the test organisation's agent (every staff role)."""
    return signed_in(app, member)


@pytest.fixture
def approver_client(app: Flask, member: Member) -> FlaskClient:
    """A second library approver of the test organisation: approves what the agent drafts."""
    with clausier(app).db.sessions() as session:
        return signed_in(app, make_member(session, APPROVER, (Role.LIBRARY_APPROVER.value,)))


@pytest.fixture
def anonymous_client(app: Flask) -> FlaskClient:
    """A test client nobody signed in with."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner of the application's command line."""
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session on the test database; the test commits what it wants to keep."""
    with clausier(app).db.sessions() as session:
        yield session


@pytest.fixture
def small_library(app: Flask) -> Path:
    """The small test library (tests/fixtures/library), imported."""
    from service.library.files import import_library

    with clausier(app).db.session() as session:
        import_library(session, FIXTURES / "library")
    return FIXTURES / "library"


#: The tables a library import writes, in foreign-key order.
LIBRARY_TABLES = ("family", "required_element", "clause", "clause_version", "template_set")
#: The reference library's rows, read once per kind of database after a real import.
_REFERENCE_ROWS: dict[str, dict[str, list[dict[str, Any]]]] = {}


@pytest.fixture
def reference_library(app: Flask) -> Path:
    """The shipped reference library (clauses/), imported — for real once per kind of
    database, then copied row for row into each test's database (the import is tested on its
    own, in tests/library)."""
    from service.library.files import import_library

    db = clausier(app).db
    kind = db.engine.dialect.name
    rows = _REFERENCE_ROWS.get(kind)
    if rows is None:
        with db.session() as session:
            import_library(session, LIBRARY_DIR)
        with db.engine.connect() as connection:
            _REFERENCE_ROWS[kind] = {
                name: [dict(row._mapping) for row in connection.execute(_table(name).select())]
                for name in LIBRARY_TABLES
            }
        return LIBRARY_DIR
    with db.engine.begin() as connection:
        for name in LIBRARY_TABLES:
            if rows[name]:
                connection.execute(_table(name).insert(), rows[name])
        if kind == "postgresql":  # explicit ids leave the sequences behind
            for name in LIBRARY_TABLES:
                column = _table(name).c.get("id")
                if column is not None and column.type.python_type is int and rows[name]:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                            f" (SELECT MAX(id) FROM {name}))"
                        )
                    )
    return LIBRARY_DIR


def _table(name: str) -> Any:
    return Base.metadata.tables[name]
