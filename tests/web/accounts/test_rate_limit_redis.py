"""With REDIS_URL set, the sign-in form's limit per address is counted in Redis, which
every process of the deployment shares (service/web/account.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from service import create_app
from tests.conftest import clausier
from tests.web.accounts.conftest import Browser, plain

REDIS_URL = os.environ.get("CLAUSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application with REDIS_URL; skipped (failed under CI) without Redis."""
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:  # any failure to connect means: no Redis here
        reason = f"Redis injoignable ({REDIS_URL}) : {type(error).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — la CI exige Redis.")
        pytest.skip(reason)
    application = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "REDIS_URL": REDIS_URL,
            "SIGNIN_RATE_LIMIT": "2 per minute",
        }
    )
    yield application
    clausier(application).db.dispose()


def test_the_sign_in_limit_is_counted_in_redis(redis_app: Flask) -> None:
    from redis import Redis

    # An address of its own: other tests, and other engineers' runs, share this Redis.
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    client = redis_app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    browser = Browser(client)
    assert browser.sign_in("personne@valbrune.fr", "x").status_code == 401
    assert browser.sign_in("personne@valbrune.fr", "x").status_code == 401
    redis = Redis.from_url(REDIS_URL)
    counters = [key for key in redis.scan_iter(match=f"*{address}*")]
    assert counters and int(redis.get(counters[0]) or 0) == 2
    refused = browser.sign_in("personne@valbrune.fr", "x")
    assert refused.status_code == 429
    assert "Trop de tentatives depuis votre adresse réseau" in plain(refused.text)
    for key in counters:
        redis.delete(key)
