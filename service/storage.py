"""Uploaded files, stored in the database by their SHA-256 so that any process can serve them.

A file is stored once, whatever the number of uploads; nothing is ever overwritten.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from sqlalchemy import LargeBinary, String, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, defer, mapped_column

from service.db import Base, timestamp
from service.errors import StoredFileAltered, StoredFileMissing

LOGGER = logging.getLogger(__name__)
#: The bytes read from the database at a time by :func:`open_file`.
CHUNK_BYTES = 1024 * 1024


class StoredFile(Base):
    """The bytes of an uploaded file, by checksum."""

    __tablename__ = "stored_file"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]


def checksum(data: bytes) -> str:
    """The SHA-256 of some bytes, in hexadecimal."""
    return hashlib.sha256(data).hexdigest()


def store_file(session: Session, data: bytes, media_type: str) -> StoredFile:
    """Store bytes once; return the stored file (the existing one for known bytes)."""
    digest = checksum(data)
    stored = session.get(StoredFile, digest)
    if stored is None:
        new = StoredFile(sha256=digest, size=len(data), media_type=media_type, content=data)
        stored = _added(session, new) or session.get(StoredFile, digest)
    return stored


def _added(session: Session, stored: StoredFile) -> StoredFile | None:
    """Insert a new stored file; None when the same bytes were stored meanwhile, by a request
    sending the same file at the same moment (then the other's row is the one to use)."""
    try:
        with session.begin_nested():
            session.add(stored)
            session.flush()
    except IntegrityError:
        return None
    return stored


def store_path(session: Session, path: Path, media_type: str) -> StoredFile:
    """Store a file from disk (an upload's spool file), once, like :func:`store_file`. On SQLite
    its bytes are written a chunk at a time into a blob of the right size, so that the process
    (a server's worker) never holds a large delivery whole; PostgreSQL takes the value in one
    piece."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return store_file(session, path.read_bytes(), media_type)
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    stored = session.get(StoredFile, sha256, options=[defer(StoredFile.content)])
    if stored is not None:
        return stored
    size = path.stat().st_size
    new = StoredFile(sha256=sha256, size=size, media_type=media_type, content=func.zeroblob(size))
    if _added(session, new) is None:  # the same file, stored meanwhile by another upload
        return session.get(StoredFile, sha256, options=[defer(StoredFile.content)])
    stored = new
    rowid = connection.scalar(
        text("SELECT rowid FROM stored_file WHERE sha256 = :sha256"), {"sha256": sha256}
    )
    raw = connection.connection.driver_connection
    with (
        path.open("rb") as source,
        raw.blobopen("stored_file", "content", rowid, readonly=False) as blob,
    ):
        for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
            blob.write(chunk)
    return stored


def _missing() -> StoredFileMissing:
    return StoredFileMissing(
        "Le fichier conservé sous cette empreinte n'est plus dans la base : il a été supprimé"
        " hors de Clausier."
    )


def _altered(sha256: str) -> StoredFileAltered:
    LOGGER.error("stored file %s: its bytes no longer match their SHA-256", sha256)
    return StoredFileAltered(
        "Le fichier conservé a été modifié hors de Clausier : son contenu ne correspond plus à"
        " son empreinte SHA-256. Il n'est pas servi ; l'incident est journalisé."
    )


class StoredStream(io.RawIOBase):
    """A stored file's bytes read from the database a chunk at a time — never whole in this
    process — and checked against their SHA-256 once read to the end (``StoredFileAltered``
    then, rather than an end of file)."""

    def __init__(self, session: Session, sha256: str, size: int) -> None:
        super().__init__()
        self._session, self._sha256, self._size = session, sha256, size
        self._offset = 0
        self._digest = hashlib.sha256()
        self._blob = _sqlite_blob(session, sha256)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > CHUNK_BYTES:
            size = CHUNK_BYTES
        left = self._size - self._offset
        if left <= 0:
            return b""
        size = min(size, left)
        if self._blob is not None:
            chunk = self._blob.read(size)
        else:  # PostgreSQL reads a slice of the value (1-based), not the whole of it
            chunk = self._session.scalar(
                select(func.substr(StoredFile.content, self._offset + 1, size)).where(
                    StoredFile.sha256 == self._sha256
                )
            )
        if not chunk:
            raise _altered(self._sha256)  # shorter than recorded
        self._offset += len(chunk)
        self._digest.update(chunk)
        if self._offset >= self._size and self._digest.hexdigest() != self._sha256:
            raise _altered(self._sha256)
        return bytes(chunk)

    def close(self) -> None:
        if self._blob is not None:
            self._blob.close()
            self._blob = None
        super().close()


def _sqlite_blob(session: Session, sha256: str) -> object | None:
    """SQLite's incremental reading of the value (``blobopen``), or None on another engine."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    rowid = connection.scalar(
        text("SELECT rowid FROM stored_file WHERE sha256 = :sha256"), {"sha256": sha256}
    )
    raw = connection.connection.driver_connection
    return raw.blobopen("stored_file", "content", rowid, readonly=True)


def open_file(session: Session, sha256: str) -> StoredStream:
    """The stored file's bytes as a stream read by chunks (for a large file: a delivery
    validated in the background), checked against their SHA-256 at the end."""
    size = session.scalar(select(StoredFile.size).where(StoredFile.sha256 == sha256))
    if size is None:
        raise _missing()
    return StoredStream(session, sha256, size)


def read_file(session: Session, sha256: str) -> StoredFile:
    """The stored file of that checksum, its bytes checked against it: bytes changed below the
    application (in the database itself) are an alarm in the log and an error, never served."""
    stored = session.get(StoredFile, sha256)
    if stored is None:
        raise _missing()
    if checksum(stored.content) != sha256:
        raise _altered(sha256)
    return stored
