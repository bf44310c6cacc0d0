"""Every problem+json answered during the API tests lists its field errors in the one shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Response

from service.http import PROBLEM_MIMETYPE


def assert_field_error(item: Any) -> None:
    """A field error is ``{"field", "message"}`` and, optionally, ``"code"``: texts all."""
    assert isinstance(item, dict), item
    assert {"field", "message"} <= set(item) <= {"field", "message", "code"}, item
    assert all(isinstance(value, str) for value in item.values()), item
    assert item["message"], item


def _check(response: Response) -> Response:
    if response.mimetype == PROBLEM_MIMETYPE:
        for item in response.get_json().get("errors") or []:
            assert_field_error(item)
    return response


@pytest.fixture(autouse=True)
def _field_errors_have_one_shape(request: pytest.FixtureRequest) -> Iterator[None]:
    """Check every problem the application answers in the test (when it uses the app)."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        # Appended directly: a fixture may already have served a request.
        app.after_request_funcs.setdefault(None, []).append(_check)
    yield
