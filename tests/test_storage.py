"""Content-addressed storage: the same bytes sent twice at the same moment are stored once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import storage
from service.storage import StoredFile
from tests.conftest import clausier

DATA = b"id;nom\n1;armoire A\n" * 1000


def _unseen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first look-up by checksum finds nothing, as for a request that looked just before
    another stored the same bytes."""
    real: Callable[..., Any] = Session.get
    calls = []

    def get(self: Session, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real(self, *args, **kwargs)

    monkeypatch.setattr(Session, "get", get)


@pytest.mark.parametrize("from_disk", [False, True], ids=["bytes", "spooled file"])
def test_the_same_bytes_stored_at_the_same_moment_are_kept_once(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, from_disk: bool
) -> None:
    db = clausier(app).db
    with db.session() as first:  # the other request, done first
        storage.store_file(first, DATA, "text/csv")
    spooled = tmp_path / "upload.csv"
    spooled.write_bytes(DATA)
    _unseen_once(monkeypatch)
    with db.session() as second:
        stored = (
            storage.store_path(second, spooled, "text/csv")
            if from_disk
            else storage.store_file(second, DATA, "text/csv")
        )
        assert stored.sha256 == storage.checksum(DATA) and stored.size == len(DATA)
    monkeypatch.undo()
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 1
        with storage.open_file(session, storage.checksum(DATA)) as stream:
            assert b"".join(iter(lambda: stream.read(-1), b"")) == DATA
