"""JSON and GeoJSON deliveries read as a stream (ijson): bounded size and nesting, one row or
feature in memory at a time.

``json.load`` of a 50 MB list of rows holds every row as Python objects at once (hundreds of
megabytes), and a document nested 50,000 deep is a recursion. Here a first pass checks the
syntax and the depth and notes the document's shape, keeping nothing; then the rows (or
features) are read again one by one, their depth now known to be bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import ijson

from service.deliveries.report import MB, FormatSpec, Limits
from service.deliveries.sniff import check_text
from service.errors import DeliveryTooComplex, DeliveryTooLarge, WrongFormat

try:  # the C backend: the pure-Python one parses about eight times slower
    backend = ijson.get_backend("yajl2_c")
except ImportError:  # pragma: no cover - a platform without ijson's compiled wheels
    backend = ijson

#: What ijson reads at a time.
BUFFER = 64 * 1024
_OPEN = {"start_map": "object", "start_array": "array"}
_CLOSE = {"end_map", "end_array"}
_SNIPPET = re.compile(r"\n\s*(.*?)\n\s*\(right here\)", re.S)
_SYNTAX = {
    "premature EOF": (
        "le fichier s'arrête avant la fin du JSON : son envoi a peut-être été interrompu"
    ),
    "trailing garbage": "du contenu suit la fin du JSON",
    "overflow": "un nombre dépasse ce que JSON peut représenter",
}


@dataclass
class JsonShape:
    """What the first pass saw: the top-level value's kind, its items (a list) or the text
    values of its keys (an object), and the items of its list ``features``."""

    top: str = "scalar"
    items: int = 0
    all_objects: bool = True
    scalars: dict[str, Any] = field(default_factory=dict)
    lists: set[str] = field(default_factory=set)
    features: int = 0


class _Counted:
    """A binary stream that remembers the last bytes it gave, to place a syntax error."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.lines = 0  # the lines read before ``last``
        self.last = b""

    def read(self, size: int = -1) -> bytes:
        self.lines += self.last.count(b"\n")
        self.last = self._stream.read(size)
        return self.last


def _syntax_error(error: Exception, spec: FormatSpec, stream: _Counted) -> WrongFormat:
    message = str(error)
    snippet = _SNIPPET.search(message)
    text = snippet.group(1).strip() if snippet else ""
    at = stream.last.find(text.encode("utf-8", "replace")) if text else -1
    line = stream.lines + stream.last[: at if at >= 0 else None].count(b"\n") + 1
    reason = next((french for english, french in _SYNTAX.items() if english in message), None)
    if reason is None:
        reason = f"erreur de syntaxe près de « {text[-40:]} »" if text else "erreur de syntaxe"
    return WrongFormat(f"Le fichier n'est pas un {spec.label} valide (ligne {line}) : {reason}.")


def _too_deep(spec: FormatSpec, limits: Limits) -> DeliveryTooComplex:
    return DeliveryTooComplex(
        f"Le fichier {spec.label} est imbriqué sur plus de {limits.max_json_depth} niveaux : "
        "une livraison tabulaire n'en demande que deux ou trois. Vérifiez l'export."
    )


def scan_json(path: Path, spec: FormatSpec, limits: Limits) -> tuple[JsonShape, bool]:
    """Check a JSON file — UTF-8, size, syntax, depth — in one pass that keeps nothing;
    return its shape and whether it starts with a BOM."""
    bom = check_text(path, spec, limits)
    size = path.stat().st_size
    if size > limits.max_json_bytes:
        raise DeliveryTooLarge(
            f"Le fichier {spec.label} fait {size / MB:.0f} Mo, au-delà de "
            f"{limits.max_json_bytes / MB:.0f} Mo : découpez-le ou livrez-le en CSV."
        )
    shape, depth, key, deepest = JsonShape(), 0, "", limits.max_json_depth
    with path.open("rb") as raw:
        if bom:
            raw.read(3)
        stream = _Counted(raw)
        try:
            for event, value in backend.basic_parse(stream, use_float=True, buf_size=BUFFER):
                if event in _OPEN:
                    if depth == 0:
                        shape.top = _OPEN[event]
                    elif depth == 1:
                        if shape.top == "array":
                            shape.items += 1
                            shape.all_objects &= event == "start_map"
                        elif event == "start_array":
                            shape.lists.add(key)
                    elif depth == 2 and key == "features" and shape.top == "object":
                        shape.features += 1
                    depth += 1
                    if depth > deepest:
                        raise _too_deep(spec, limits)
                elif event in _CLOSE:
                    depth -= 1
                elif event == "map_key":
                    if depth == 1:
                        key = value
                elif depth == 1:
                    if shape.top == "array":
                        shape.items += 1
                        shape.all_objects = False
                    else:
                        shape.scalars[key] = value
                elif depth == 2 and key == "features" and shape.top == "object":
                    shape.features += 1
        except ijson.JSONError as error:
            raise _syntax_error(error, spec, stream) from error
    return shape, bom


def iter_json(path: Path, prefix: str, bom: bool) -> Iterator[Any]:
    """Yield the values at ``prefix`` ("item": a list's items; "" the whole document) one by
    one — after ``scan_json`` has bounded the depth and checked the syntax."""
    with path.open("rb") as stream:
        if bom:
            stream.read(3)
        yield from backend.items(stream, prefix, use_float=True, buf_size=BUFFER)
