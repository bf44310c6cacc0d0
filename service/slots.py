"""Slots for heavy requests, shared by every worker process of one instance.

An upload (a CCTP to analyse, a delivery to validate, a template to check) may hold a worker
for seconds; reads take milliseconds. So that uploads sent without pause cannot take every
worker and leave the reads queuing behind them, at most ``count`` uploads are served at once
across the processes of an instance: each holds an exclusive lock on one of ``count`` slot
files of the data directory, which the operating system releases when the request ends — or
when its process dies, so a killed worker never keeps a slot. An upload that finds no free
slot is answered at once (503, retry in a few seconds), before its body is read.

No Flask here: ``service.http`` takes a slot around the requests that need one.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; every upload is let through
    fcntl = None  # type: ignore[assignment]


class Slots:
    """``count`` slots as lock files in ``directory``."""

    def __init__(self, directory: Path, count: int) -> None:
        self.directory = directory
        self.count = count

    def take(self) -> int | None:
        """A held slot (an open file descriptor to give back), or None when all are taken.
        Without slots (``count`` 0) or without locks, a descriptor of nothing: -1."""
        if self.count <= 0 or fcntl is None:
            return -1
        self.directory.mkdir(parents=True, exist_ok=True)
        for number in range(self.count):
            descriptor = os.open(self.directory / f"slot-{number}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(descriptor)
                continue
            return descriptor
        return None

    @staticmethod
    def give_back(descriptor: int) -> None:
        """Release a slot taken by :meth:`take` (closing the file releases its lock)."""
        if descriptor >= 0:
            os.close(descriptor)
