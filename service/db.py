"""Database plumbing: the declarative base, shared column types, engine and sessions.

The database is the source of truth; the rules that must never be broken (an approved clause
version never changes) are enforced by triggers created in the migrations, and the errors
those triggers raise come back to Python as Clausier exceptions (see ``_translate_errors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, ClassVar

from sqlalchemy import JSON, DateTime, Engine, String, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from service.errors import ApprovedVersionImmutable, AuditEntryKept, InvalidInput, RecordKept

#: Marker carried by the message of the immutability triggers (see the first migration).
IMMUTABLE_MARKER = "CLAUSIER_IMMUTABLE_VERSION"
#: Marker carried by the message of the append-only triggers (deliveries, checklist events).
KEPT_MARKER = "CLAUSIER_KEPT_RECORD"
#: Marker carried by the message of the audit log's append-only triggers (migration 0008).
AUDIT_MARKER = "CLAUSIER_AUDIT_KEPT"


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp, also on SQLite which stores naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is expected")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: JSON, stored as JSONB on PostgreSQL so that values can be compared in triggers.
JSONType = JSON().with_variant(JSONB(), "postgresql")

intpk = Annotated[int, mapped_column(primary_key=True)]
slug = Annotated[str, mapped_column(String(80))]
timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]
json_list = Annotated[list[Any], mapped_column(JSONType, default=list)]


class Base(DeclarativeBase):
    """Base class of every Clausier table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class Database:
    """An engine and its session factory, for one database URL."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, **engine_options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on any exception."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine with the pragmas and error translation Clausier relies on."""
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "handle_error", _translate_errors)
    event.listen(engine, "before_cursor_execute", _refuse_nul, retval=False)
    return engine


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _executemany: bool
) -> None:
    """No text with a NUL character reaches a database: PostgreSQL refuses it with an error
    that reads like a crash, SQLite stores what no Word file can hold."""
    for value in _values(parameters):
        if "\x00" in value:
            raise InvalidInput(
                "Un texte envoyé contient un caractère nul (\\u0000) : retirez-le.",
                errors=[{"field": "", "message": "caractère nul", "code": "nul"}],
            )


def _values(parameters: Any) -> Iterator[str]:
    """Every text among statement parameters, whatever their nesting (rows, mappings)."""
    if isinstance(parameters, str):
        yield parameters
    elif isinstance(parameters, dict):
        for value in parameters.values():
            yield from _values(value)
    elif isinstance(parameters, list | tuple):
        for value in parameters:
            yield from _values(value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def _translate_errors(context: ExceptionContext) -> None:
    """Turn the immutability triggers' errors into ``ApprovedVersionImmutable``,
    ``RecordKept`` and ``AuditEntryKept``."""
    if AUDIT_MARKER in str(context.original_exception):
        raise AuditEntryKept(
            "Le journal d'audit ne se modifie ni ne s'efface : chaque entrée est conservée"
            " telle quelle."
        ) from context.original_exception
    if KEPT_MARKER in str(context.original_exception):
        raise RecordKept(
            "Une livraison, une étape de la liste de réversibilité ou un avenant est conservé tel"
            " quel : une correction s'enregistre comme une nouvelle entrée (un nouvel avenant)."
        ) from context.original_exception
    if IMMUTABLE_MARKER in str(context.original_exception):
        raise ApprovedVersionImmutable(
            "Une version approuvée ou retirée ne peut être ni modifiée ni supprimée : "
            "créez une nouvelle version pour la corriger."
        ) from context.original_exception
