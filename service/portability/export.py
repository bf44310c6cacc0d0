"""Writing everything that belongs to one organisation into a directory: one CSV per table, the
files by checksum, ``datapackage.json`` (the data dictionary) and ``manifest.json`` (format
version, counts, the checksum of every file written).

The directory is written beside its final place and renamed into it at the end: a failed
export leaves nothing behind, and the export is written to the audit log in the same
transaction as the reads. On PostgreSQL those reads are one snapshot; on SQLite each query
sees what was committed before it (taking a snapshot there would make the audit entry's write
fail whenever another process wrote meanwhile), so a row written during an export may be in
it or not — and one that would leave it inconsistent (a delivery whose file was read before
it arrived) makes the references check refuse the export, to be run again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy.orm import Session

from service.accounts import audit
from service.accounts.identity import Identity
from service.db import utcnow
from service.errors import ExportRefused
from service.organisations import get_organisation
from service.portability.cells import to_cell
from service.portability.package import descriptor
from service.portability.tables import (
    EXPORTED,
    consultation_pieces,
    fields,
    received_files,
    rows_of,
    table,
)
from service.storage import read_file

#: The name and version of the format this module writes (``restore`` reads the same).
FORMAT = "clausier-organisation"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"
FILES = "files"
#: Bytes read at a time when hashing a file.
CHUNK = 1 << 20


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: rows per table, files, and where."""

    directory: Path
    counts: dict[str, int]
    files: int
    file_bytes: int


def clausier_version() -> str:
    """The installed Clausier's version."""
    try:
        return metadata.version("clausier")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "inconnue"


def export_organisation(
    session: Session, slug: str, directory: Path, *, by: Identity
) -> ExportReport:
    """Write the organisation's data into ``directory`` (absent or empty) and record the export
    in the audit log; ExportRefused when the directory holds something."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ExportRefused(
            f"« {directory} » existe et n'est pas un dossier vide : donnez un dossier absent ou"
            " vide, rien n'est écrasé."
        )
    _consistent_reads(session)
    organisation = get_organisation(session, slug)
    parent = directory.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=parent))
    try:
        counts, file_bytes, files = _write(session, organisation.id, work)
        checksums = {path: sha256_of(work / path) for path in _written(work)}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "clausier_version": clausier_version(),
            "schema_revision": schema_revision(session),
            "exported_at": utcnow().isoformat(),
            "organisation": {
                "id": organisation.id,
                "slug": organisation.slug,
                "name": organisation.name,
                "siren": organisation.siren,
                "siret": organisation.siret,
            },
            "counts": counts,
            "checksums": checksums,
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        audit.record_by(
            session,
            by,
            "organisation_exported",
            organisation_id=organisation.id,
            object=f"organisation:{organisation.id}",
            detail={
                "directory": str(directory.resolve()),
                "counts": counts,
                "manifest_sha256": sha256_of(work / MANIFEST),
            },
        )
        if directory.exists():
            directory.rmdir()  # empty, checked above
        work.rename(directory)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ExportReport(directory, counts, files, file_bytes)


def schema_revision(session: Session) -> str | None:
    """The schema revision of the session's database (Alembic), read in its transaction."""
    return MigrationContext.configure(session.connection()).get_current_revision()


def _consistent_reads(session: Session) -> None:
    """On PostgreSQL, read every table from one snapshot (a delivery recorded meanwhile is in
    none of them rather than in some)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _write(session: Session, organisation_id: int, work: Path) -> tuple[dict[str, int], int, int]:
    """Write the CSV files, the stored files and the data package; the counts per table."""
    counts: dict[str, int] = {}
    keys: dict[str, set[Any]] = {}
    references: list[tuple[str, str, str, Any, Any]] = []
    pieces = consultation_pieces(session, organisation_id) | received_files(
        session, organisation_id
    )
    for name in EXPORTED:
        rows = session.execute(rows_of(name, organisation_id, pieces)).mappings()
        counts[name], keys[name] = _write_csv(work / f"{name}.csv", name, rows, references)
    _check_references(keys, references)
    file_bytes = _write_files(session, sorted(keys["stored_file"]), work / FILES)
    (work / DATAPACKAGE).write_text(
        json.dumps(descriptor(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return counts, file_bytes, len(keys["stored_file"])


def _write_csv(
    path: Path,
    name: str,
    rows: Iterable[Any],
    references: list[tuple[str, str, str, Any, Any]],
) -> tuple[int, set[Any]]:
    """One table as CSV (UTF-8, header row); its row count and primary keys; the foreign key
    values it holds are added to ``references``."""
    table_fields = fields(name)
    source = table("clause_version" if name == "clause_version_reference" else name)
    primary = [c.name for c in source.primary_key.columns]
    links = [
        (f.name, key.column.table.name)
        for f in table_fields
        if f.column is not None and name != "clause_version_reference"
        for key in f.column.foreign_keys
    ]
    count, seen = 0, set()
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([f.name for f in table_fields])
        for row in rows:
            where = f"{name} {', '.join(str(row[k]) for k in primary)}"
            writer.writerow([to_cell(f, row[f.name], where) for f in table_fields])
            seen.add(tuple(row[k] for k in primary) if len(primary) > 1 else row[primary[0]])
            references += [
                (name, column, target, row[column], row[primary[0]])
                for column, target in links
                if row[column] is not None
            ]
            count += 1
    return count, seen


def _check_references(
    keys: dict[str, set[Any]], references: list[tuple[str, str, str, Any, Any]]
) -> None:
    """Every identifier an exported row names is exported too (or is a cited library version):
    otherwise the import could not restore it, and the export says so rather than write it."""
    dangling = []
    for name, column, target, value, row in references:
        target = "clause_version_reference" if target == "clause_version" else target
        if target in keys and value not in keys[target]:
            dangling.append(f"{name} {row} : {column} = {value} ({target}, hors de l'organisation)")
    if dangling:
        raise ExportRefused(
            "Des données de l'organisation renvoient à des données qui ne sont pas les siennes ;"
            " l'export ne pourrait pas être réimporté : " + " ; ".join(dangling[:10])
        )


def _write_files(session: Session, checksums: list[str], folder: Path) -> int:
    """Each stored file as files/<sha256>, its bytes checked against their name."""
    folder.mkdir()
    total = 0
    for sha256 in checksums:
        content = read_file(session, sha256).content  # StoredFileAltered if changed in the base
        (folder / sha256).write_bytes(content)
        total += len(content)
        session.expunge_all()  # do not keep every file's bytes in memory
    return total


def _written(work: Path) -> list[str]:
    """Every file of the export directory (relative, POSIX), the manifest aside."""
    return sorted(
        path.relative_to(work).as_posix()
        for path in work.rglob("*")
        if path.is_file() and path.name != MANIFEST
    )


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read a chunk at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
