"""Where a sign-in by OpenID Connect may end: a page of this site only (service/web/oidc.py);
the whole flow is tested against a real provider in tests/oidc."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import create_app
from service.web.oidc import local_path


@pytest.mark.parametrize(
    ("asked", "followed"),
    [
        ("/contrats?organisation=valbrune", "/contrats?organisation=valbrune"),
        ("/analyses/3#rapport", "/analyses/3#rapport"),
        (None, "/"),
        ("", "/"),
        ("contrats", "/"),
        ("https://ailleurs.example/piege", "/"),
        ("//ailleurs.example/piege", "/"),
        ("/\\ailleurs.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\nLocation: https://ailleurs.example", "/"),
    ],
)
def test_only_a_path_of_this_site_is_followed(
    tmp_path: Path, asked: str | None, followed: str
) -> None:
    app = create_app({"TESTING": True, "CLAUSIER_DATA_DIR": str(tmp_path)})
    with app.test_request_context():
        assert local_path(asked) == followed
