"""What the pages offer: an action is shown only to who may take it.

The templates call ``can(action, target)`` before drawing a button, a link or a form; it asks
the same rules the target route asks (``service.accounts.rights``), so a page never offers
what would answer 403 or 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from sqlalchemy.exc import SQLAlchemyError

from service.accounts import rights
from service.accounts.identity import Identity
from service.auth import current_identity
from service.deliveries.models import Contract
from service.errors import ClausierError, Forbidden, NotFound, NotSignedIn


@dataclass(frozen=True)
class _Organisation:
    id: int


def can(action: str, target: Any = None) -> bool:
    """Whether the signed-in identity may take ``action`` on ``target`` — a contract, an
    organisation, or anything else of an organisation (its ``organisation_id``); for
    ``approve_version``, a version, which its author may not approve."""
    identity = _identity()
    if identity is None:
        return False
    try:
        if action == "approve_version" and hasattr(target, "author"):
            rights.require_approval(identity, target.author)
        elif isinstance(target, Contract):
            rights.require(identity, action, contract=target)
        elif target is not None and hasattr(target, "organisation_id"):
            organisation = _Organisation(target.organisation_id)
            rights.require(identity, action, organisation=organisation)
        else:
            rights.require(identity, action, organisation=target)
    except (NotSignedIn, NotFound, Forbidden):
        return False
    return True


def _identity() -> Identity | None:
    """The request's identity, or None when there is none or it cannot be known (a refused
    token, a database that does not answer): a page is then drawn without actions."""
    if not has_request_context():
        return None
    try:
        return current_identity()
    except (ClausierError, SQLAlchemyError):
        return None
