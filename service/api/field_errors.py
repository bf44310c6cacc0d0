"""The one shape of a field error in the API: ``{"field", "message", "code"?}``.

The domain's field errors (some still written ``{"field", "reason"}``, or naming an annex
variable or a file) are brought to that shape by the API's error handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.annexes.render import TITLE_FIELDS


def normalise(item: Mapping[str, Any]) -> dict[str, str]:
    """Any field error of the domain in the one shape ``{"field", "message", "code"?}``.

    ``reason`` becomes ``message``; an annex variable (``name``) becomes its place in the
    request (``values.<name>``, ``title.<name>`` for the title block); a file's line, or the
    name of a file, goes into the message.
    """
    field = item.get("field")
    if field is None and "name" in item:
        in_title = item.get("clause") == "" or ("label" in item and item["name"] in TITLE_FIELDS)
        field = f"title.{item['name']}" if in_title else f"values.{item['name']}"
    if field is None:
        field = item.get("file", "")
    message = item.get("message") or item.get("reason")
    code = item.get("code")
    if not message and "label" in item:
        clause = f" (clause {item['clause']})" if item.get("clause") else ""
        message, code = f"valeur obligatoire : {item['label']}{clause}", code or "missing"
    if not message and "filename" in item:
        message = f"fichier « {item['filename']} »"
    message = str(message or "valeur invalide")
    if item.get("line"):
        message = f"ligne {item['line']} : {message}"
    shaped = {"field": str(field), "message": message}
    return shaped | ({"code": str(code)} if code else {})
