"""Obligations read back from the annex « Clauses relatives aux données »: its table of data
deliveries (dataset, format, frequency, delay) becomes the contract's tracked obligations, so
that what the contract says and what is followed are the same thing.

The annex is a DOCX written by Clausier (or edited since in Word or LibreOffice): the table is
found by its header row, its cells read as the buyer typed them.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from sqlalchemy.orm import Session

from service.analysis.readers.safety import MB, Limits, check_archive
from service.deliveries.contracts import add_obligation
from service.deliveries.models import Contract, Frequency, Obligation
from service.errors import AnalysisError, InvalidContract, InvalidInput

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
#: An annex is a few pages: anything much larger once uncompressed is refused.
ANNEX_LIMITS = Limits(max_bytes=10 * MB, max_member_bytes=50 * MB)
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
    try:
        check_archive(data, ANNEX_LIMITS)
        document = Document(io.BytesIO(data))
    except (AnalysisError, zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as error:
        raise InvalidInput(
            "Le fichier n'est pas une annexe Word (.docx) lisible.",
            errors=[{"field": "file", "reason": "DOCX illisible"}],
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
        errors=[{"field": "file", "reason": "tableau des livraisons absent"}],
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


def import_obligations(session: Session, contract: Contract, data: bytes) -> list[Obligation]:
    """Create the contract's obligations from an annex's delivery table, all or nothing."""
    rows = read_delivery_table(data)
    errors = [
        {"field": f"ligne {row.line}", "reason": problem}
        for row in rows
        for problem in row.problems
    ]
    if errors:
        raise InvalidContract(
            "Le tableau des livraisons de l'annexe ne peut pas être repris tel quel.", errors
        )
    known = {obligation.dataset for obligation in contract.obligations}
    created = []
    for row in rows:
        dataset = slugify(row.dataset)
        if dataset in known:
            continue
        created.append(
            add_obligation(
                session,
                contract,
                dataset=dataset,
                title=row.dataset,
                format=row.format or "",
                frequency=row.frequency or "",
                delay_days=row.delay_days or 0,
                description="Repris du tableau des livraisons de l'annexe.",
            )
        )
        known.add(dataset)
    return created
