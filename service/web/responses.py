"""Responses shared by the pages and the API: a file sent back with its name, the day a page
or a document is computed for."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import quote

from flask import request
from werkzeug.wrappers import Response

from service.french import today_in_paris

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def file_response(
    content: bytes, media_type: str, filename: str, *, inline: bool = False
) -> Response:
    """A file, named for the browser: an ASCII name for old clients and the full name in
    UTF-8 (RFC 6266), neither able to break out of the header."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = _UNSAFE.sub("_", plain).strip() or "fichier"
    disposition = "inline" if inline else "attachment"
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def requested_day(name: str = "au") -> tuple[dt.date, str | None]:
    """The day asked for in the query string (today in Paris when absent), and a French
    message when what was asked cannot be read (today is used then)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return today_in_paris(), None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return today_in_paris(), f"Date « {raw} » illisible (AAAA-MM-JJ) : calcul à ce jour."
