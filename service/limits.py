"""The bounds every upload is held to — a CCTP, an annex, an organisation's template, a
delivery — and the bounded reading of archives and XML: no zip bombs, no entity expansion.

A 1 MB DOCX can hold a 1 GB member; every member is checked against its declared size and
compression ratio before it is opened, and the stream is counted while it is read, because the
sizes in a zip header are written by whoever made the file.

Below the domains: each passes its own ``Refusals`` (the errors of its branch: an analysis is
refused as a document, a delivery as a delivery), so that no domain reads another's internals
to bound its uploads.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from lxml import etree

from service.errors import ClausierError, ContentTooLarge, ContentUnreadable

MB = 1024 * 1024
# Below this size a member cannot hurt, whatever its ratio: small, repetitive XML parts
# (numbering.xml, styles.xml) routinely compress more than 100 times.
RATIO_FLOOR = 1 * MB

DAMAGED = (
    "Le fichier est endommagé ou incomplet : ouvrez-le dans votre traitement de texte, "
    "enregistrez-le de nouveau, puis déposez-le encore."
)


@dataclass(frozen=True)
class Limits:
    """How much may be taken from one upload before refusing it. Each kind of upload sets
    the bounds that matter to it; the defaults are an analysed document's."""

    #: The file as sent.
    max_bytes: int = 20 * MB
    #: One archive member once uncompressed (and, for a document, all of them).
    max_member_bytes: int = 200 * MB
    #: Uncompressed size over compressed size, for members above ``RATIO_FLOOR``.
    max_ratio: float = 100.0
    #: Members of an archive, and their total once uncompressed (deliveries).
    max_members: int = 200
    max_total_bytes: int = 2048 * MB
    #: A JSON or GeoJSON delivery: its size, and how deep its values may nest (a table needs
    #: two levels, a GeoJSON multipolygon eight).
    max_json_bytes: int = 100 * MB
    max_json_depth: int = 64
    #: An XLSX delivery, bounded from its zip directory before any parsing: the workbook once
    #: uncompressed, each sheet (read as a stream), each other part (shared strings, styles:
    #: read whole) and the shared strings, which the spreadsheet library keeps in memory
    #: (about 100 bytes each).
    max_workbook_bytes: int = 512 * MB
    max_sheet_bytes: int = 256 * MB
    max_workbook_part_bytes: int = 64 * MB
    max_shared_strings: int = 1_000_000
    #: Columns of a table (CSV, XLSX), and cells a row may hold beyond its header: each cell
    #: too many costs frictionless a copy of the whole row, so a row 8,000 cells too wide
    #: takes seconds, and a file of them hours.
    max_columns: int = 1000
    max_extra_cells: int = 20
    #: Content errors kept in a validation report, and the size of a read (deliveries).
    max_errors: int = 100
    chunk_bytes: int = 1 * MB
    #: Pages of a PDF, and the seconds its text extraction may take (analysis).
    max_pdf_pages: int = 2000
    pdf_seconds: float = 30.0


@dataclass(frozen=True)
class Budget:
    """What one piece of heavy work may take from the machine, enforced by the operating
    system (``service.budget``): address space beyond what the process already holds when the
    work starts, and seconds of wall-clock time (the CPU time allowed follows). Work that no
    request waits for (``idle``) gets the processor only when nothing else wants it."""

    memory_mb: int
    seconds: float
    idle: bool = False


# Each default is several times what real work of the kind takes (BENCHMARKS.md, "Budgets"),
# and below SERVE_TIMEOUT (120 s), so the clean refusal comes before the server's kill.
#: Filling an annex template, the default one or an organisation's (≈ 35 ms, ≈ 10 MB).
RENDER_BUDGET = Budget(memory_mb=256, seconds=10.0)
#: Checking a delivered file against its format and Table Schema, up to DELIVERY_MAX_BYTES.
DELIVERY_BUDGET = Budget(memory_mb=1024, seconds=100.0)
#: The same, for a large delivery validated by a background job (``DELIVERY_BACKGROUND_BYTES``):
#: no request waits, so the time may be longer — below ``JOB_TIMEOUT`` (3,600 s), so that the
#: refusal is recorded before the job is taken as abandoned.
DELIVERY_BACKGROUND_BUDGET = Budget(memory_mb=1024, seconds=3000.0, idle=True)
#: Reading the text of an analysed PDF; above ``Limits.pdf_seconds``, whose refusal names the
#: page reached and so comes first.
PDF_BUDGET = Budget(memory_mb=512, seconds=45.0)


@dataclass(frozen=True)
class Refusals:
    """The errors an upload is refused with: too large, or unreadable (damaged, DOCTYPE)."""

    too_large: type[ClausierError] = ContentTooLarge
    unreadable: type[ClausierError] = ContentUnreadable


UPLOAD = Refusals()


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f} Mo"


def _suspicious(name: str, what: str, refusals: Refusals) -> ClausierError:
    return refusals.too_large(
        f"Archive suspecte : l'élément « {name} » décompressé dépasserait {what} ; "
        "le fichier a été refusé. Enregistrez de nouveau le document depuis votre "
        "traitement de texte."
    )


class BoundedStream(io.RawIOBase):
    """A member's stream that stops (``refusals.too_large``) past the size or ratio limit."""

    def __init__(
        self,
        raw: IO[bytes],
        info: zipfile.ZipInfo,
        limits: Limits,
        refusals: Refusals = UPLOAD,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._info = info
        self._limits = limits
        self._refusals = refusals
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        # lxml and zipfile call read(n); an unbounded read() is served in bounded chunks.
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(64 * 1024), b""))
        try:
            chunk = self._raw.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise self._refusals.unreadable(DAMAGED) from error  # bad CRC, corrupt deflate
        self._seen += len(chunk)
        self._check()
        return chunk

    def _check(self) -> None:
        limits, name, refusals = self._limits, self._info.filename, self._refusals
        if self._seen > limits.max_member_bytes:
            raise _suspicious(name, _megabytes(limits.max_member_bytes), refusals)
        ratio = self._seen / max(self._info.compress_size, 1)
        if self._seen > RATIO_FLOOR and ratio > limits.max_ratio:
            raise _suspicious(name, f"{limits.max_ratio:.0f} fois sa taille compressée", refusals)

    def close(self) -> None:
        self._raw.close()
        super().close()


class SafeZip:
    """A zip archive whose members are read within the limits."""

    def __init__(self, data: bytes, limits: Limits, refusals: Refusals = UPLOAD) -> None:
        self.limits = limits
        self.refusals = refusals
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            self._infos = {info.filename: info for info in self._zip.infolist()}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise refusals.unreadable(DAMAGED) from error

    @property
    def names(self) -> list[str]:
        """Member names in archive order."""
        return list(self._infos)

    def has(self, name: str) -> bool:
        """Whether the archive holds a member of that name."""
        return name in self._infos

    def _checked(self, name: str) -> zipfile.ZipInfo:
        info = self._infos[name]
        limits, refusals = self.limits, self.refusals
        if info.file_size > limits.max_member_bytes:
            raise _suspicious(name, _megabytes(limits.max_member_bytes), refusals)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
            raise _suspicious(name, f"{limits.max_ratio:.0f} fois sa taille compressée", refusals)
        return info

    def open(self, name: str) -> BoundedStream:
        """Open a member for streaming, after checking its declared size and ratio."""
        info = self._checked(name)
        try:
            return BoundedStream(self._zip.open(info), info, self.limits, self.refusals)
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError) as error:
            raise self.refusals.unreadable(DAMAGED) from error

    def read(self, name: str) -> bytes:
        """Read a whole (small) member within the limits."""
        with self.open(name) as stream:
            try:
                return stream.read()
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise self.refusals.unreadable(DAMAGED) from error

    def parse(self, name: str, remove_blank_text: bool = False) -> etree._Element:
        """Parse a member as XML, safely; refuses a DOCTYPE."""
        return parse_xml(self.read(name), remove_blank_text, self.refusals)


def _parser(remove_blank_text: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_blank_text=remove_blank_text,
    )


DOCTYPE_REFUSED = (
    "Le fichier contient une déclaration XML inhabituelle (DOCTYPE) et a été refusé par "
    "précaution : enregistrez le document de nouveau depuis votre traitement de texte."
)
# A DOCTYPE comes before the root element: it is in the first bytes of any real part.
HEAD = 8192


def _refuse_doctype(tree: etree._ElementTree, refusals: Refusals) -> None:
    # Office formats never carry a DOCTYPE; one here is an entity trick (billion laughs).
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise refusals.unreadable(DOCTYPE_REFUSED)


def _refuse_head(head: bytes, refusals: Refusals) -> None:
    # Checked before parsing, so the refusal says why; libxml2 would also stop the expansion
    # on its own, but with an error that reads like a damaged file.
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise refusals.unreadable(DOCTYPE_REFUSED)


class _Prefixed:
    """A stream whose first bytes were already read to be checked."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            cut = len(self._head) if size is None or size < 0 else size
            chunk, self._head = self._head[:cut], self._head[cut:]
            return chunk
        return self._rest.read(size)


def parse_xml(
    data: bytes, remove_blank_text: bool = False, refusals: Refusals = UPLOAD
) -> etree._Element:
    """Parse XML without entities, network or DTD; refuses a DOCTYPE.

    ``remove_blank_text`` drops whitespace between tags, which WordprocessingML ignores but
    ODF does not (a space between two spans is a space).
    """
    _refuse_head(data[:HEAD], refusals)
    try:
        root = etree.fromstring(data, _parser(remove_blank_text))
    except etree.XMLSyntaxError as error:
        raise refusals.unreadable(DAMAGED) from error
    _refuse_doctype(root.getroottree(), refusals)
    return root


def iterparse(
    stream: IO[bytes],
    tags: tuple[str, ...],
    remove_blank_text: bool = False,
    refusals: Refusals = UPLOAD,
) -> Iterator[etree._Element]:
    """Yield elements of the given tags at their end, parsed safely from a bounded stream."""
    try:
        head = stream.read(HEAD)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise refusals.unreadable(DAMAGED) from error
    _refuse_head(head, refusals)
    context = etree.iterparse(
        _Prefixed(head, stream),
        events=("end",),
        tag=tags,
        remove_blank_text=remove_blank_text,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
    )
    checked = False
    try:
        for _event, element in context:
            if not checked:
                _refuse_doctype(element.getroottree(), refusals)
                checked = True
            yield element
        if context.root is not None:
            _refuse_doctype(context.root.getroottree(), refusals)
    except etree.XMLSyntaxError as error:
        raise refusals.unreadable(DAMAGED) from error
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise refusals.unreadable(DAMAGED) from error


def check_archive(data: bytes, limits: Limits, refusals: Refusals = UPLOAD) -> SafeZip:
    """Open a zip archive and read every member within the limits, their total included —
    declared sizes can lie — so that a library reading it afterwards cannot be fed a bomb."""
    archive = SafeZip(data, limits, refusals)
    total = 0
    for member in archive.names:
        total += len(archive.read(member))
        if total > limits.max_member_bytes:
            raise _suspicious("(archive entière)", _megabytes(limits.max_member_bytes), refusals)
    return archive


# -- sign-in and secrets --------------------------------------------------------------------


@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins an account takes before it must wait, then before it is locked,
    and how long secrets handed out by Clausier live. The HTTP rate limiter in front of the
    sign-in page bounds requests per address; these bound attempts per account, wherever they
    come from."""

    #: Failures in a row allowed without any wait.
    free_failures: int = 3
    #: The wait after the first failure beyond the free ones, doubled at each further one…
    first_delay_seconds: int = 2
    #: … up to this.
    max_delay_seconds: int = 60
    #: Failures in a row after which the account is locked…
    lockout_failures: int = 10
    #: … for this long; after it, one more failure locks it again (a success starts afresh).
    lockout_minutes: int = 15
    #: Shortest local password accepted.
    password_min_length: int = 12
    #: A password at least this long (a passphrase) needs no mix of kinds of characters.
    passphrase_length: int = 20
    #: Days an invitation's one-time link stays valid.
    invitation_days: int = 7
    #: Seconds between two records of an API token's use (its last use, the audit log).
    token_use_resolution_seconds: int = 60


SIGN_IN = SignInLimits()
