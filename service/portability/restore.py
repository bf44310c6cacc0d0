"""Restoring an organisation exported by ``export``: everything checked first (the format
version, every file's checksum, every cell, identifiers already taken in this instance, the
library versions the contracts cite), then every row inserted with its own identifier and
timestamps, in one transaction — a refusal writes nothing.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from service import migrate
from service.accounts import audit
from service.accounts.identity import Identity
from service.errors import ImportRefused
from service.french import agree, plural
from service.portability.cells import from_cell
from service.portability.export import (
    DATAPACKAGE,
    FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    schema_revision,
    sha256_of,
)
from service.portability.tables import EXPORTED, RESTORED_AS, VIRTUAL, fields, table

#: A path the manifest may name: a file of the directory or of files/, nothing above it.
SAFE_PATH = re.compile(r"^(files/)?[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
#: PostgreSQL's « insufficient privilege ».
INSUFFICIENT_PRIVILEGE = "42501"
#: Identifiers looked up at a time when checking for those already taken.
BATCH = 500


@dataclass
class ImportReport:
    """What an import restored."""

    slug: str
    counts: dict[str, int]
    files_added: int = 0
    files_present: int = 0
    #: Cited library versions found under another identifier here: exported id → local id.
    versions_moved: dict[int, int] = field(default_factory=dict)


class _Problems:
    """Problems found while checking, to refuse with all of them at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, where: str, message: str) -> None:
        self.items.append({"field": where, "message": message})

    def refuse(self, summary: str) -> None:
        """Raise ImportRefused with every problem found, if any."""
        if self.items:
            raise ImportRefused(
                f"{summary} Rien n'a été importé ({plural(len(self.items), 'problème')}).",
                errors=self.items,
            )


def import_organisation(session: Session, directory: Path, *, by: Identity) -> ImportReport:
    """Restore the organisation exported in ``directory`` into this instance, with the same
    identifiers and timestamps; ImportRefused (nothing written) when anything is amiss."""
    directory = Path(directory)
    if schema_revision(session) != migrate.head_revision(session.get_bind()):
        raise ImportRefused(
            "Le schéma de cette base n'est pas à jour : lancez d'abord « clausier db upgrade »."
            " Rien n'a été importé."
        )
    manifest = read_manifest(directory)
    check_files(directory, manifest)
    rows = _read_tables(directory, manifest)
    organisation = rows["organisation"][0]
    _check_target(session, rows)
    moved = _resolve_versions(session, rows)
    report = ImportReport(organisation["slug"], {n: len(rows[n]) for n in EXPORTED}, 0, 0, moved)
    try:
        _insert(session, directory, rows, report)
    except DBAPIError as error:  # what the checks above could not foresee
        raise ImportRefused(
            "La base a refusé des données importées (identifiant ou valeur unique déjà pris,"
            f" valeur hors des règles du schéma) : rien n'a été importé. {error.orig}"
        ) from error
    _advance_sequences(session)
    audit.record_by(
        session,
        by,
        "organisation_imported",
        organisation_id=organisation["id"],
        object=f"organisation:{organisation['id']}",
        detail={
            "directory": str(directory.resolve()),
            "exported_at": manifest.get("exported_at"),
            "clausier_version": manifest.get("clausier_version"),
            "counts": report.counts,
        },
    )
    return report


# -- checking the directory ---------------------------------------------------------------


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, when it is one of a format version this code reads."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise ImportRefused(f"« {directory} » n'est pas un dossier : rien n'a été importé.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ImportRefused(
            f"« {directory} » n'a pas de {MANIFEST} : ce n'est pas un export d'organisation de"
            " Clausier. Rien n'a été importé."
        ) from error
    except (OSError, ValueError) as error:
        raise ImportRefused(
            f"{MANIFEST} est illisible ({error}) : rien n'a été importé."
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ImportRefused(
            f"{MANIFEST} ne décrit pas un export d'organisation de Clausier (format"
            f" « {FORMAT} » attendu) : rien n'a été importé."
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ImportRefused(
            f"Version de format inconnue « {manifest.get('format_version')} » : cette version de"
            f" Clausier lit la version {FORMAT_VERSION}. Rien n'a été importé."
        )
    if not isinstance(manifest.get("checksums"), dict) or not isinstance(
        manifest.get("counts"), dict
    ):
        raise ImportRefused(f"{MANIFEST} incomplet (checksums, counts) : rien n'a été importé.")
    return manifest


def check_files(directory: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its checksum, and nothing else is."""
    problems = _Problems()
    listed: dict[str, str] = manifest["checksums"]
    for path, expected in sorted(listed.items()):
        if not SAFE_PATH.match(path) or ".." in path:
            problems.add(path, "chemin refusé (hors du dossier)")
            continue
        file = directory / path
        if file.is_symlink():
            problems.add(path, "lien symbolique refusé")
        elif not file.is_file():
            problems.add(path, "fichier manquant")
        elif sha256_of(file) != expected:
            problems.add(path, "fichier altéré : son empreinte SHA-256 ne correspond pas")
        elif path.startswith(f"{FILES}/") and path.removeprefix(f"{FILES}/") != expected:
            problems.add(path, "fichier nommé d'après une autre empreinte que la sienne")
    for file in sorted(directory.rglob("*")):
        relative = file.relative_to(directory).as_posix()
        if file.is_file() and relative != MANIFEST and relative not in listed:
            problems.add(relative, "fichier inattendu, absent du manifeste")
    for name in EXPORTED:
        if f"{name}.csv" not in listed:
            problems.add(f"{name}.csv", "table absente du manifeste")
    if DATAPACKAGE not in listed:
        problems.add(DATAPACKAGE, "dictionnaire des données absent du manifeste")
    problems.refuse("Le dossier ne correspond pas à son manifeste.")


def _read_tables(directory: Path, manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every CSV read back into values, checked cell by cell and against the counts."""
    problems = _Problems()
    rows: dict[str, list[dict[str, Any]]] = {}
    for name in EXPORTED:
        rows[name] = list(_read_csv(directory / f"{name}.csv", name, problems))
        if manifest["counts"].get(name) != len(rows[name]):
            problems.add(
                f"{name}.csv",
                f"{plural(len(rows[name]), 'ligne')}, le manifeste en annonce"
                f" {manifest['counts'].get(name)}",
            )
    organisations = rows["organisation"]
    if len(organisations) != 1:
        problems.add("organisation.csv", "une seule organisation attendue")
    elif organisations[0]["slug"] != (manifest.get("organisation") or {}).get("slug"):
        problems.add("organisation.csv", "l'organisation n'est pas celle du manifeste")
    files = {row["sha256"] for row in rows["stored_file"]}
    listed = {
        p.removeprefix(f"{FILES}/") for p in manifest["checksums"] if p.startswith(f"{FILES}/")
    }
    for sha256 in sorted(files - listed):
        problems.add(f"{FILES}/{sha256}", "fichier manquant")
    for sha256 in sorted(listed - files):
        problems.add(f"{FILES}/{sha256}", "fichier sans ligne dans stored_file.csv")
    problems.refuse("Les tables du dossier sont illisibles ou incomplètes.")
    return rows


def _read_csv(path: Path, name: str, problems: _Problems) -> Iterator[dict[str, Any]]:
    expected = fields(name)
    # A report of an analysis is one JSON cell, often larger than csv's default limit.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader, None)
        names = [f.name for f in expected]
        if header != names:
            missing = [name for name in names if name not in (header or [])]
            extra = [name for name in header or [] if name not in names]
            problems.add(
                path.name,
                "en-tête qui n'est pas celui du format"
                + (f" ; colonnes absentes : {', '.join(missing)}" if missing else "")
                + (f" ; colonnes en trop : {', '.join(extra)}" if extra else "")
                + ("" if missing or extra else " ; colonnes dans un autre ordre"),
            )
            return
        for number, cells in enumerate(reader, start=2):
            if len(cells) != len(expected):
                problems.add(
                    f"{path.name}:{number}", f"{len(cells)} cellules au lieu de {len(expected)}"
                )
                continue
            row = {}
            for f, cell in zip(expected, cells, strict=True):
                try:
                    row[f.name] = from_cell(f, cell)
                except ValueError as error:
                    problems.add(f"{path.name}:{number}", f"{f.name} : {error}")
            yield row


# -- checking the instance ----------------------------------------------------------------


def _check_target(session: Session, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Nothing imported may take an identifier, a slug, a SIRET, an address or a job key that
    this instance already holds."""
    problems = _Problems()
    organisation = rows["organisation"][0]
    o = table("organisation").c
    for column in ("slug", "siret", "id"):
        value = organisation[column]
        if value is not None and session.scalar(select(o.id).where(o[column] == value)):
            problems.add("organisation", f"{column} « {value} » déjà présent dans cette instance")
    for name in EXPORTED:
        if name in ("organisation", "stored_file", *VIRTUAL):
            continue
        primary = [c.name for c in table(name).primary_key.columns]
        keys = [tuple(row[k] for k in primary) for row in rows[name]]
        taken = _taken(session, name, primary, keys)
        if taken:
            named = ", ".join("(" + ", ".join(map(str, key)) + ")" for key in taken[:5])
            more = " …" if len(taken) > 5 else ""
            problems.add(
                name,
                f"{plural(len(taken), 'identifiant')} déjà {agree(len(taken), 'pris')} ici :"
                f" {named}{more}",
            )
    for name, column in (("user_account", "email"), ("job", "key")):
        values = [row[column] for row in rows[name]]
        for taken in _taken(session, name, [column], [(v,) for v in values]):
            problems.add(name, f"{column} « {taken[0]} » déjà pris")
    problems.refuse("Cette instance n'est pas vide de ces données.")


def _taken(session: Session, name: str, columns: list[str], keys: list[tuple[Any, ...]]) -> list:
    t = table(name)
    found = []
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        selected = [t.c[c] for c in columns]
        where = (
            selected[0].in_([k[0] for k in batch])
            if len(columns) == 1
            else tuple_(*selected).in_(batch)
        )
        found += [tuple(row) for row in session.execute(select(*selected).where(where))]
    return sorted(found)


def _resolve_versions(session: Session, rows: dict[str, list[dict[str, Any]]]) -> dict[int, int]:
    """The library versions the contracts cite, found here by clause and number with the same
    content; their local identifier when it differs from the exported one."""
    problems = _Problems()
    v = table("clause_version").c
    moved = {}
    for cited in rows["clause_version_reference"]:
        local = session.execute(
            select(v.id, v.content_hash).where(
                v.clause_id == cited["clause_id"], v.number == cited["number"]
            )
        ).first()
        where = f"clause {cited['clause_id']} v{cited['number']}"
        if local is None:
            problems.add(where, "absente de la bibliothèque de cette instance")
        elif local.content_hash != cited["content_hash"]:
            problems.add(where, "son texte diffère dans la bibliothèque de cette instance")
        elif local.id != cited["id"]:
            moved[cited["id"]] = local.id
    problems.refuse(
        "Des contrats citent des versions de la bibliothèque de référence que cette instance"
        " n'a pas à l'identique : importez d'abord la bibliothèque (« clausier library import"
        " clauses »)."
    )
    return moved


# -- writing ------------------------------------------------------------------------------


def _insert(
    session: Session, directory: Path, rows: dict[str, list[dict[str, Any]]], report: ImportReport
) -> None:
    """Insert every row with its own identifier, parents first."""
    for name in EXPORTED:
        if name in VIRTUAL or not rows[name]:
            continue
        if name == "stored_file":
            _insert_files(session, directory, rows[name], report)
            continue
        values = rows[name]
        restored = RESTORED_AS.get(name, {})
        if restored:
            values = [{**row, **{c: make() for c, make in restored.items()}} for row in values]
        if name == "contract_clause":  # a cited version takes its identifier here
            moved = report.versions_moved
            values = [
                {
                    **row,
                    "clause_version_id": moved.get(row["clause_version_id"])
                    or row["clause_version_id"],
                }
                for row in values
            ]
        # Rows pointing at rows of their own table (a re-run analysis, a corrected delivery)
        # come after them: by identifier.
        primary = table(name).primary_key.columns.keys()
        values = sorted(values, key=lambda row: tuple(row[k] for k in primary))
        session.execute(table(name).insert(), values)


def _insert_files(
    session: Session, directory: Path, rows: list[dict[str, Any]], report: ImportReport
) -> None:
    """Each stored file from files/<sha256> (checked already); one this instance holds under
    the same checksum has the same bytes and is kept as it is."""
    f = table("stored_file").c
    for row in rows:
        if session.scalar(select(f.sha256).where(f.sha256 == row["sha256"])):
            report.files_present += 1
            continue
        content = (directory / FILES / row["sha256"]).read_bytes()
        session.execute(table("stored_file").insert(), [{**row, "content": content}])
        report.files_added += 1


def _advance_sequences(session: Session) -> None:
    """On PostgreSQL, move each restored table's id sequence past its highest identifier, so
    that the next row made here takes a new one."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite gives the next row the highest rowid plus one
    for name in EXPORTED:
        if name in VIRTUAL:
            continue
        column = table(name).c.get("id")
        if column is None or column.type.python_type is not int:
            continue
        sequence = session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name})
        if sequence is None:
            continue
        highest = session.scalar(select(func.max(column))) or 0
        last, called = session.execute(
            # The name comes from pg_get_serial_sequence, already quoted where it needs to be.
            text(f"SELECT last_value, is_called FROM {sequence}")
        ).one()
        following = max(highest + 1, last + 1 if called else last)
        try:
            session.execute(
                text("SELECT setval(:sequence, :value, false)"),
                {"sequence": sequence, "value": following},
            )
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            raise ImportRefused(
                "Le rôle de connexion à la base ne peut pas avancer les séquences d'identifiants"
                " après les lignes restituées (le rôle applicatif n'a que USAGE sur elles) :"
                " lancez l'import avec DATABASE_OWNER_URL, l'adresse du propriétaire du schéma."
                " Rien n'a été importé."
            ) from error
