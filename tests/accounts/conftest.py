"""Fixtures of the accounts tests: cheap argon2 parameters (the rule is the same, the tests
faster on a shared machine), the operator's identity, users and contracts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from service.accounts import passwords

#: Parameters far below production's, for speed; tests of rehashing switch between two sets.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[PasswordHasher]:
    """Hash with cheap parameters during the test."""
    monkeypatch.setattr(passwords, "HASHER", CHEAP)
    yield CHEAP
