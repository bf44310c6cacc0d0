"""Uploaded files, stored in the database by their SHA-256 so that any process can serve them.

A file is stored once, whatever the number of uploads; nothing is ever overwritten.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, timestamp


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
