"""Uploaded files, stored in the database by their SHA-256 so that any process can serve them.

A file is stored once, whatever the number of uploads; nothing is ever overwritten.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, timestamp
from service.errors import StoredFileAltered, StoredFileMissing

LOGGER = logging.getLogger(__name__)


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
        stored = StoredFile(sha256=digest, size=len(data), media_type=media_type, content=data)
        session.add(stored)
        session.flush()
    return stored


def read_file(session: Session, sha256: str) -> StoredFile:
    """The stored file of that checksum, its bytes checked against it: bytes changed below the
    application (in the database itself) are an alarm in the log and an error, never served."""
    stored = session.get(StoredFile, sha256)
    if stored is None:
        raise StoredFileMissing(
            "Le fichier conservé sous cette empreinte n'est plus dans la base : il a été supprimé"
            " hors de Clausier."
        )
    if checksum(stored.content) != sha256:
        LOGGER.error("stored file %s: its bytes no longer match their SHA-256", sha256)
        raise StoredFileAltered(
            "Le fichier conservé a été modifié hors de Clausier : son contenu ne correspond plus à"
            " son empreinte SHA-256. Il n'est pas servi ; l'incident est journalisé."
        )
    return stored
