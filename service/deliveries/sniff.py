"""What a delivered file really is: its suffix, magic bytes and UTF-8 text.

Text is checked by chunks, so a large CSV is never read whole (JSON is read in ``json_reader``).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path, PurePosixPath

from service.deliveries.report import DEFAULT_LIMITS, FormatSpec, Limits
from service.errors import NotUtf8, WrongFormat

MAGIC = (
    (b"%PDF", "un document PDF"),
    (b"PK\x03\x04", "une archive ZIP (ou un classeur .xlsx, un document .docx)"),
    (b"\xd0\xcf\x11\xe0", "un ancien document Office (.xls, .doc) ou un fichier protégé"),
    (b"\x89PNG", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
    (b"\x1f\x8b", "une archive gzip"),
)


def read_head(path: Path, size: int = 4096) -> bytes:
    """Return the first ``size`` bytes of a file."""
    with path.open("rb") as stream:
        return stream.read(size)


def what_is(head: bytes) -> str | None:
    """Say in French what a file's first bytes show it to be, if they are a known signature."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return None


def wrong_content(spec: FormatSpec, what: str) -> WrongFormat:
    """Build the refusal of a file named as ``spec`` whose content is something else."""
    return WrongFormat(
        f"Le fichier est nommé comme un fichier {spec.label} mais son contenu est {what}. "
        f"Déposez le fichier au format {spec.label} demandé par l'obligation."
    )


def check_name(filename: str, spec: FormatSpec) -> None:
    """Refuse a file whose suffix is not one the format accepts."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix not in spec.suffixes:
        accepted = ", ".join(spec.suffixes)
        raise WrongFormat(
            f"Le fichier « {filename} » n'a pas l'extension attendue : l'obligation demande "
            f"le format {spec.label} ({accepted})."
        )


# -- text: UTF-8 and binary content -------------------------------------------------------------


def _encoding_refusal(chunk: bytes, start: int, offset: int, line: int) -> NotUtf8:
    window = chunk[max(0, start - 20) : start + 20]
    guess = window.decode("cp1252", errors="replace")
    word = re.search(r"\w*[\u00c0-\u00ff]\w*", guess)
    where = f"ligne {line}, octet {offset}"
    if word and 0x80 <= chunk[start] <= 0xFF:
        return NotUtf8(
            f"Le fichier n'est pas encodé en UTF-8 ({where}) : il semble enregistré en "
            f"Windows-1252 ou Latin-1 (ISO-8859-1), par exemple « {word.group(0)} ». "
            "Enregistrez le fichier en UTF-8 puis déposez-le de nouveau."
        )
    return NotUtf8(
        f"Le fichier n'est pas encodé en UTF-8 : octet invalide {where}. "
        "Enregistrez le fichier en UTF-8 puis déposez-le de nouveau."
    )


def check_text(path: Path, spec: FormatSpec, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Check a text file is UTF-8 without NUL bytes, by chunks; return whether it has a BOM."""
    head = read_head(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotUtf8(
            "Le fichier est encodé en UTF-16. Enregistrez le fichier en UTF-8 puis "
            "déposez-le de nouveau."
        )
    what = what_is(head)
    if what:
        raise wrong_content(spec, what)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(limits.chunk_bytes), b""):
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                at = offset - len(pending) + exc.start
                lines = line + data[: exc.start].count(b"\n")
                raise _encoding_refusal(data, exc.start, at, lines) from exc
            nul = chunk.find(b"\x00")
            if nul >= 0:
                at_line = line + chunk[:nul].count(b"\n")
                raise WrongFormat(
                    f"Le fichier contient des octets nuls (ligne {at_line}) : ce n'est pas un "
                    f"fichier texte {spec.label}. Vérifiez qu'il s'agit bien d'un export texte "
                    "et non d'un fichier binaire renommé."
                )
            offset += len(chunk)
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _encoding_refusal(
                pending + chunk, len(pending + chunk) - 1, offset, line
            ) from exc
    return head.startswith(codecs.BOM_UTF8)
