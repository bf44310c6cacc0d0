"""Protection of the pages' forms against cross-site requests: one secret token per session
(``service.csrf``, shared with the API's cookie-authenticated writes)."""

from __future__ import annotations

from service.csrf import FIELD, HEADER, csrf_token, token_sent_matches
from service.http import error_page

__all__ = ["FIELD", "HEADER", "csrf_token", "protect"]


def protect() -> tuple[str, int] | None:
    """Refuse a state-changing request whose token is missing or not the session's (HTTP 400)."""
    if token_sent_matches(form=True):
        return None
    return error_page(
        400,
        "Formulaire expiré ou invalide",
        "Le jeton de sécurité du formulaire est absent ou ne correspond pas à votre session. "
        "Rechargez la page puis recommencez.",
    )
