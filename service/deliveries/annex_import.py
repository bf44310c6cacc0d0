"""Obligations read back from the annex « Clauses relatives aux données »: its table of data
deliveries (dataset, format, frequency, delay) becomes the contract's tracked obligations, so
that what the contract says and what is followed are the same thing.

The annex is a DOCX written by Clausier (or edited since in Word or LibreOffice): the table is
found by its header row, its cells read as the buyer typed them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree
from sqlalchemy.orm import Session

from service.deliveries.contracts import add_obligation
from service.deliveries.models import Contract, ContractClause, Frequency, Obligation
from service.errors import (
    ContentTooLarge,
    ContentUnreadable,
    DeliveryTooLarge,
    InvalidContract,
    InvalidInput,
    NotFound,
)
from service.library.store import get_version
from service.limits import MB, Limits, check_archive

HEADER = ("jeu de donnees", "format", "frequence", "delai")

#: How people write frequencies in a contract, folded (lower case, no accents).
FREQUENCY_WORDS = {
    Frequency.MONTHLY: ("mensuel", "chaque mois", "tous les mois", "mois"),
    Frequency.QUARTERLY: ("trimestriel", "chaque trimestre", "trimestre"),
    Frequency.HALF_YEARLY: ("semestriel", "chaque semestre", "semestre"),
    Frequency.YEARLY: ("annuel", "chaque annee", "tous les ans", "annee", "an"),
    Frequency.END_OF_CONTRACT: ("fin de contrat", "fin du contrat", "a l'echeance", "terme"),
}
#: Delivery formats by the words that name them.
FORMAT_WORDS = {
    "geojson": ("geojson",),
    "zip_shp": ("shapefile", "shp", "zip"),
    "xlsx": ("xlsx", "excel", "tableur"),
    "json": ("json",),
    "pdf": ("pdf",),
    "csv": ("csv",),
}
#: An annex is a few pages: anything much larger, as sent or once uncompressed, is refused.
ANNEX_LIMITS = Limits(max_bytes=10 * MB, max_member_bytes=20 * MB)
DELAY = re.compile(r"(\d{1,4})\s*(jours?|j\b|mois|semaines?)")


@dataclass(frozen=True)
class AnnexRow:
    """One row of the annex's delivery table, as written and as understood."""

    line: int
    dataset: str
    format: str | None
    frequency: str | None
    delay_days: int | None
    problems: tuple[str, ...]


def fold(text: str) -> str:
    """Lower case without accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def slugify(title: str) -> str:
    """A dataset identifier from its title: « Interventions » → interventions."""
    slug = re.sub(r"[^a-z0-9]+", "_", fold(title)).strip("_")
    return slug[:80] or "jeu"


def read_delivery_table(data: bytes) -> list[AnnexRow]:
    """The rows of the delivery table of an annex DOCX; InvalidInput when there is none."""
    if len(data) > ANNEX_LIMITS.max_bytes:
        raise DeliveryTooLarge(
            f"L'annexe dépasse {ANNEX_LIMITS.max_bytes // MB} Mo : une annexe « données » tient"
            " en quelques pages."
        )
    try:
        archive = check_archive(data, ANNEX_LIMITS)
        # Read safely first (no DOCTYPE, bounded depth) what python-docx will read.
        archive.parse("word/document.xml")
        document = Document(io.BytesIO(data))
    except (
        ContentTooLarge,
        ContentUnreadable,
        zipfile.BadZipFile,
        etree.LxmlError,
        PackageNotFoundError,
        KeyError,
        ValueError,
    ) as error:
        raise InvalidInput(
            "Le fichier n'est pas une annexe Word (.docx) lisible.",
            errors=[{"field": "file", "message": "DOCX illisible"}],
        ) from error
    for table in document.tables:
        rows = table.rows
        if not rows:
            continue
        header = tuple(fold(cell.text) for cell in rows[0].cells)
        if header[:4] != HEADER:
            continue
        found = []
        for line, row in enumerate(rows[1:], start=2):
            cells = [" ".join(cell.text.split()) for cell in row.cells[:4]]
            if not any(cells):
                continue
            found.append(_understand(line, *cells))
        return found
    raise InvalidInput(
        "Aucun tableau des livraisons de données dans ce document : l'annexe doit contenir le"
        " tableau « Jeu de données | Format | Fréquence | Délai ».",
        errors=[{"field": "file", "message": "tableau des livraisons absent"}],
    )


def _understand(
    line: int, dataset: str, written_format: str, frequency: str, delay: str
) -> AnnexRow:
    problems = []
    if not dataset:
        problems.append("jeu de données sans nom")
    format_key = _match(fold(written_format), FORMAT_WORDS)
    if format_key is None:
        problems.append(f"format non reconnu « {written_format} »")
    frequency_key = _match(fold(frequency), FREQUENCY_WORDS)
    if frequency_key is None:
        problems.append(f"fréquence non reconnue « {frequency} »")
    delay_days = None
    match = DELAY.search(fold(delay))
    if match:
        number, unit = int(match[1]), match[2]
        delay_days = number * (30 if unit == "mois" else 7 if unit.startswith("semaine") else 1)
    else:
        problems.append(f"délai non reconnu « {delay} » (écrire par exemple « 30 jours »)")
    return AnnexRow(line, dataset, format_key, frequency_key, delay_days, tuple(problems))


def _match(text: str, words: dict[Any, tuple[str, ...]]) -> str | None:
    for key, names in words.items():
        if any(re.search(rf"\b{re.escape(name)}", text) for name in names):
            return str(key)
    return None


#: Words that do not tell two datasets apart (folded).
FILLERS = frozenset("a au aux d de des du en et l la le les par pour sur un une".split())


@dataclass(frozen=True)
class Proposal:
    """An obligation the contract already tracks, whose terms the annex writes otherwise."""

    obligation: Obligation
    row: AnnexRow
    changes: dict[str, Any]

    def as_change(self) -> dict[str, Any]:
        """The change, as an amendment would record it (``amendments.changes_from_data``)."""
        return {"kind": "terms", "dataset": self.obligation.dataset, **self.changes}


@dataclass
class AnnexImport:
    """What an annex brings to a contract: obligations created, already tracked (with the
    same terms or with other terms, proposed as an amendment), clauses attached."""

    created: list[Obligation] = field(default_factory=list)
    unchanged: list[Obligation] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    ended: list[Obligation] = field(default_factory=list)
    clauses_attached: list[tuple[str, int]] = field(default_factory=list)
    clauses_unknown: list[tuple[str, int]] = field(default_factory=list)
    #: (clause, the annex's version, the version the contract holds)
    clauses_other_version: list[tuple[str, int, int]] = field(default_factory=list)


def import_obligations(
    session: Session,
    contract: Contract,
    data: bytes,
    *,
    starts_on: dt.date | None = None,
) -> AnnexImport:
    """Bring an annex into a contract, all or nothing: its delivery table's datasets that the
    contract does not track yet become obligations (owed from the contract's start, or from
    ``starts_on``, never earlier); those it tracks are matched by name and never duplicated,
    a difference of terms being proposed, not applied; the library clauses its traceability
    table lists are attached to the contract."""
    rows = read_delivery_table(data)
    errors = [
        {"field": f"ligne {row.line}", "message": problem}
        for row in rows
        for problem in row.problems
    ]
    if errors:
        raise InvalidContract(
            "Le tableau des livraisons de l'annexe ne peut pas être repris tel quel.", errors
        )
    result = AnnexImport()
    taken: set[int] = set()
    for row in rows:
        match = match_obligation(row.dataset, contract.obligations, taken)
        if match is None:
            result.created.append(
                add_obligation(
                    session,
                    contract,
                    dataset=_free_dataset(slugify(row.dataset), contract),
                    title=row.dataset,
                    format=row.format or "",
                    frequency=row.frequency or "",
                    delay_days=row.delay_days or 0,
                    description="Repris du tableau des livraisons de l'annexe.",
                    starts_on=starts_on,
                )
            )
            continue
        taken.add(match.id)
        if match.ended_on is not None:
            result.ended.append(match)
            continue
        written = {"format": row.format, "frequency": row.frequency, "delay_days": row.delay_days}
        changes = {k: v for k, v in written.items() if getattr(match, k) != v}
        if changes:
            result.proposals.append(Proposal(match, row, changes))
        else:
            result.unchanged.append(match)
    _attach_clauses(session, contract, read_traceability(data), result)
    session.flush()
    return result


def match_obligation(
    title: str, obligations: list[Obligation], taken: set[int] = frozenset()
) -> Obligation | None:
    """The obligation an annex row names: same identifier, same title, or the same words one
    within the other (« Consommations d'énergie » is « Consommations d'énergie par
    armoire »); the closest when several do, none when two are as close."""
    wanted = _words(title)
    scored = []
    for obligation in obligations:
        if obligation.id in taken:
            continue
        if slugify(title) == obligation.dataset or fold(title) == fold(obligation.title):
            return obligation
        known = _words(obligation.title) | _words(obligation.dataset.replace("_", " "))
        if wanted and (wanted <= known or _words(obligation.title) <= wanted):
            scored.append((len(wanted & known) / len(wanted | known), obligation))
    scored.sort(key=lambda item: item[0], reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def _words(text: str) -> frozenset[str]:
    """The words that name a dataset, folded, without fillers nor plural marks."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    return frozenset(w.rstrip("sx") or w for w in words if w not in FILLERS and len(w) > 1)


def _free_dataset(dataset: str, contract: Contract) -> str:
    """The identifier, or the identifier numbered when the contract already uses it."""
    used = {obligation.dataset for obligation in contract.obligations}
    candidate, number = dataset, 2
    while candidate in used:
        candidate, number = f"{dataset[:76]}_{number}", number + 1
    return candidate


TRACE_HEADER = ("clause", "version")
#: The column of the library version's content hash (annexes made since it was added).
TRACE_HASH = "empreinte de la version"


@dataclass(frozen=True)
class TracedClause:
    """One row of an annex's traceability table."""

    clause: str
    version: int
    #: The library version's content hash as the annex states it, if it does.
    content_hash: str | None = None


def read_traceability(data: bytes) -> list[TracedClause]:
    """The clause versions of the annex's traceability table, in order."""
    document = Document(io.BytesIO(data))
    for table in document.tables:
        rows = table.rows
        if not rows:
            continue
        header = [fold(cell.text) for cell in rows[0].cells]
        if not all(name in header for name in TRACE_HEADER):
            continue
        at = {name: header.index(name) for name in (*TRACE_HEADER, TRACE_HASH) if name in header}
        found = []
        for row in rows[1:]:
            cells = [" ".join(cell.text.split()) for cell in row.cells]
            get = {name: cells[index] if index < len(cells) else "" for name, index in at.items()}
            number = re.search(r"\d+", get["version"])
            digest = re.sub(r"\s+", "", get.get(TRACE_HASH, "")).lower()
            if get["clause"] and number:
                found.append(
                    TracedClause(
                        get["clause"],
                        int(number.group()),
                        digest if re.fullmatch(r"[0-9a-f]{64}", digest) else None,
                    )
                )
        return found
    return []


def _attach_clauses(
    session: Session, contract: Contract, traced: list[TracedClause], result: AnnexImport
) -> None:
    """Attach the annex's clause versions the contract lacks. A clause the contract already
    holds in another version is reported, not attached: which version binds is the buyer's
    call (an amendment of the contract), not an import's. A version whose text here is not the
    one the annex traces (another library's) is reported as unknown."""
    held: dict[str, set[int]] = {}
    for link in contract.clauses:
        held.setdefault(link.version.clause_id, set()).add(link.version.number)
    for row in traced:
        clause_id, number = row.clause, row.version
        if number in held.get(clause_id, set()):
            continue
        if clause_id in held:
            result.clauses_other_version.append((clause_id, number, min(held[clause_id])))
            continue
        try:
            version = get_version(session, clause_id, number)
        except NotFound:
            result.clauses_unknown.append((clause_id, number))
            continue
        if row.content_hash is not None and row.content_hash != version.content_hash:
            result.clauses_unknown.append((clause_id, number))
            continue
        contract.clauses.append(ContractClause(version=version))
        held[clause_id] = {number}
        result.clauses_attached.append((clause_id, number))
