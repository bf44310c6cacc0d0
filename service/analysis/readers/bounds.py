"""The refusals of an analysed document: the bounds of ``service.limits`` raise the analysis'
own errors."""

from __future__ import annotations

from service.errors import DocumentTooLarge, DocumentUnreadable
from service.limits import Refusals

DOCUMENT = Refusals(too_large=DocumentTooLarge, unreadable=DocumentUnreadable)
