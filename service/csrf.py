"""The session's token against cross-site requests, shared by both faces: a page's form carries
it in a hidden field, a cookie-authenticated API write in the ``X-CSRF-Token`` header. A call
authenticated by an API token (``Authorization: Bearer``) sends no cookie and needs none."""

from __future__ import annotations

import secrets

from flask import request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
#: Methods that change nothing: no token asked.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token() -> str:
    """Return the session's token, creating it on first use."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def token_sent_matches(*, form: bool) -> bool:
    """Whether the request is safe, or carries the session's token (in the header, or for a
    page's form also in its hidden field)."""
    if request.method in SAFE_METHODS:
        return True
    expected = session.get(FIELD)
    sent = request.headers.get(HEADER) or ""
    if not sent and form:
        sent = request.form.get(FIELD) or ""
    return bool(expected) and secrets.compare_digest(sent.encode(), str(expected).encode())
