"""Protection of the pages' forms against cross-site requests: one secret token per session."""

from __future__ import annotations

import secrets

from flask import request, session

from service.http import error_page

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """Return the session's form token, creating it on first use."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def protect() -> tuple[str, int] | None:
    """Refuse a state-changing request whose token is missing or not the session's (HTTP 400)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    expected = session.get(FIELD)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if expected and secrets.compare_digest(sent.encode(), str(expected).encode()):
        return None
    return error_page(
        400,
        "Formulaire expiré ou invalide",
        "Le jeton de sécurité du formulaire est absent ou ne correspond pas à votre session. "
        "Rechargez la page puis recommencez.",
    )
