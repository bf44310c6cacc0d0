"""Validation of a delivered file against its obligation's format and Table Schema.

Two outcomes, decided by what went wrong. A file that cannot be taken at all (wrong format, not
UTF-8, a zip bomb, an encrypted or empty file) raises a ``DeliveryRefused`` and is not stored. A
file that can be read but breaks its schema gives a report with ``valid=False``: it is stored,
marked invalid, and the report tells the sender what to fix, row by row, in French.

Files are read by chunks and rows are streamed, so a 200,000-row CSV never sits in memory; a
workbook is bounded from its zip directory before it is opened (``workbook``), a JSON file's size
and depth before its rows are read one by one (``json_reader``), and Table Schema patterns run
on RE2, never on a backtracking engine (``patterns``).

This module is the entry point and reads tables (CSV, XLSX, JSON) and PDF; the shared dataclasses
and refusals live in ``report``, content sniffing in ``sniff``, zip and shapefile checks in
``archives``, GeoJSON in ``geo`` and the French error messages in ``messages``.
"""

from __future__ import annotations

import contextlib
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import frictionless
from frictionless import Dialect, FrictionlessException, Resource, Schema, formats
from frictionless.errors import ConstraintError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from service.deliveries.archives import check_archive, validate_shapefile
from service.deliveries.geo import validate_geojson
from service.deliveries.json_reader import iter_json, scan_json
from service.deliveries.messages import Collector, french_message, refusal
from service.deliveries.patterns import PatternCheck, split_patterns
from service.deliveries.report import (
    DEFAULT_LIMITS,
    FORMATS,
    MB,
    Check,
    FormatSpec,
    Limits,
    RowError,
    ValidationReport,
    build_report,
    encoding_check,
)
from service.deliveries.sniff import (
    check_name,
    check_text,
    read_head,
    what_is,
    wrong_content,
)
from service.deliveries.widths import check_csv_widths
from service.deliveries.workbook import check_workbook
from service.errors import (
    ArchiveRefused,
    DeliveryRefused,
    DeliveryTooLarge,
    InvalidContract,
    NotUtf8,
    WrongFormat,
)
from service.french import agree, plural

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "MB",
    "ArchiveRefused",
    "Check",
    "DeliveryRefused",
    "DeliveryTooLarge",
    "FormatSpec",
    "Limits",
    "NotUtf8",
    "RowError",
    "ValidationReport",
    "WrongFormat",
    "check_archive",
    "check_text",
    "french_message",
    "load_schema",
    "validate_delivery",
]

# -- tables (CSV, XLSX, JSON) ------------------------------------------------------------------


def load_schema(descriptor: dict[str, Any]) -> Schema:
    """Load a Table Schema descriptor; raise InvalidContract if it is not a valid one."""
    # Columns are matched by name, in any order: a reordered export is not an error, and a
    # missing column gives one error instead of a shifted comparison of every column.
    descriptor = {"fieldsMatch": "equal", **descriptor}
    try:
        schema = Schema.from_descriptor(descriptor)
    except FrictionlessException as exc:
        raise InvalidContract(f"Le schéma de données est invalide : {exc.error.note}") from exc
    errors = [error.note for error in Schema.validate_descriptor(descriptor).flatten(["note"])]
    if errors:
        raise InvalidContract(f"Le schéma de données est invalide : {errors[0]}")
    return schema


class _RepeatedLabels(Exception):
    """The header repeats a label, so columns cannot be matched by name."""


def _detect_delimiter(path: Path) -> str:
    with path.open("rb") as stream:
        first = stream.readline(64 * 1024).decode("utf-8", errors="replace")
    # Quoted labels may hold either character; count only those outside quotes.
    bare = re.sub(r'"[^"]*"', "", first)
    return ";" if bare.count(";") > bare.count(",") else ","


def _pattern_errors(row: Any, checks: list[PatternCheck]) -> list[frictionless.Error]:
    """The row's cells that break their field's pattern, checked by RE2 (a cell whose type or
    another constraint already failed is not checked, as frictionless does)."""
    found = []
    failed = {getattr(error, "field_name", None) for error in row.errors}
    for check in checks:
        if check.field not in failed and check.breaks(row[check.field]):
            note = f'constraint "pattern" is "{check.pattern}"'
            found.append(ConstraintError.from_row(row, note=note, field_name=check.field))
    return found


def _stream_table(
    resource: Resource, spec: FormatSpec, collector: Collector, patterns: list[PatternCheck]
) -> tuple[int, list[str]]:
    try:
        with resource:
            labels = [str(label) for label in resource.labels]
            if not labels:
                raise DeliveryRefused("Le fichier ne contient aucune donnée (pas d'en-tête).")
            collector.add(list(resource.header.errors))
            names = set(resource.schema.field_names)
            patterns = [check for check in patterns if check.field in names]
            for row in resource.row_stream:
                if row.errors:
                    collector.add(list(row.errors))
                if patterns:
                    collector.add(_pattern_errors(row, patterns))
            return resource.stats.rows or 0, labels
    except FrictionlessException as exc:
        if "requires unique labels" in (exc.error.note or ""):
            raise _RepeatedLabels from exc
        raise refusal(exc.error, spec) from exc


def _table_checks(
    source: Callable[[], Any],
    spec: FormatSpec,
    schema: dict[str, Any] | None,
    limits: Limits,
    **options: Any,
) -> tuple[Check, int, list[str], Collector]:
    patterns: list[PatternCheck] = []
    skipped: list[str] = []
    if schema is None:
        loaded, detector = None, frictionless.Detector(field_type="string")
    else:
        # Patterns run on RE2, never on frictionless' backtracking ``re``.
        schema, patterns, skipped = split_patterns(schema)
        loaded, detector = load_schema(schema), frictionless.Detector()
    types = {item.name: item.type for item in loaded.fields} if loaded else {}
    key = ", ".join(loaded.primary_key) if loaded and loaded.primary_key else None
    collector = Collector(types, limits.max_errors, key)
    try:
        resource = Resource(source(), schema=loaded, detector=detector, **options)
        rows, labels = _stream_table(resource, spec, collector, patterns)
    except _RepeatedLabels:
        # Matching by name needs unique labels: match by position instead, which reports
        # the repeated column as a duplicate-label error.
        assert loaded is not None
        loaded.fields_match = "exact"
        collector = Collector(types, limits.max_errors, key)
        resource = Resource(source(), schema=loaded, detector=detector, **options)
        rows, labels = _stream_table(resource, spec, collector, patterns)
    if loaded is None:
        detail = "Aucun schéma n'est associé à l'obligation : seule la structure est vérifiée."
    elif collector.count:
        detail = f"{plural(collector.count, 'erreur')} sur {plural(rows, 'ligne')}."
    else:
        detail = f"{plural(rows, 'ligne conforme')} au schéma."
    if skipped:
        # Declared before patterns were checked: the delivery is not held to what cannot run.
        detail += (
            f" Motif non appliqué ({agree(len(skipped), 'champ')} {', '.join(skipped)}) : "
            "il ne peut pas être vérifié en temps borné ; l'acheteur doit le corriger par avenant."
        )
    check = Check("schema", "Conformité au schéma", collector.count == 0, detail)
    return check, rows, labels, collector


def _validate_csv(
    path: Path, spec: FormatSpec, schema: dict[str, Any] | None, limits: Limits
) -> ValidationReport:
    bom = check_text(path, spec, limits)
    delimiter = _detect_delimiter(path)
    check_csv_widths(path, delimiter, bom, limits)
    format_check = Check("format", "Format CSV", True, f"Séparateur « {delimiter} » détecté.")
    with contextlib.ExitStack() as files:
        check, rows, labels, collector = _table_checks(
            lambda: files.enter_context(path.open("rb")),
            spec,
            schema,
            limits,
            format="csv",
            encoding="utf-8-sig" if bom else "utf-8",
            dialect=Dialect(controls=[formats.CsvControl(delimiter=delimiter)]),
        )
    checks = [format_check, encoding_check(bom), check]
    return build_report(checks, collector, rows, labels)


def _validate_xlsx(
    path: Path, spec: FormatSpec, schema: dict[str, Any] | None, limits: Limits
) -> ValidationReport:
    head = read_head(path)
    if not head.startswith(b"PK\x03\x04"):
        what = what_is(head) or "autre chose qu'un classeur"
        raise wrong_content(spec, what)
    check_workbook(path, limits)  # from the zip directory, before anything is inflated
    infos = check_archive(path, limits)
    if not any(info.filename == "xl/workbook.xml" for info in infos):
        raise wrong_content(spec, "une archive ZIP qui n'est pas un classeur Excel")
    format_check = Check("format", "Format XLSX", True, "Première feuille du classeur lue.")
    with contextlib.ExitStack() as files:
        check, rows, labels, collector = _table_checks(
            lambda: files.enter_context(path.open("rb")),
            spec,
            schema,
            limits,
            format="xlsx",
            dialect=Dialect(controls=[formats.ExcelControl(sheet=1)]),
        )
    return build_report([format_check, check], collector, rows, labels)


def _validate_json(
    path: Path, spec: FormatSpec, schema: dict[str, Any] | None, limits: Limits
) -> ValidationReport:
    shape, bom = scan_json(path, spec, limits)
    checks = [Check("format", "Format JSON", True, "JSON lisible."), encoding_check(bom)]
    if schema is None:
        rows = shape.items if shape.top == "array" else None
        return build_report(checks, None, rows, [])
    if shape.top != "array" or not shape.all_objects:
        error = RowError(
            None, None, "le schéma attend une liste d'objets JSON (un par ligne)", "json-structure"
        )
        checks.append(Check("schema", "Conformité au schéma", False, error.message))
        return build_report(checks, None, None, [], [error])
    if shape.items == 0:
        check, rows, labels, collector = _table_checks(lambda: [], spec, schema, limits)
    else:
        # Rows are read one by one on each pass frictionless makes, never all at once.
        check, rows, labels, collector = _table_checks(
            lambda: lambda: iter_json(path, "item", bom), spec, schema, limits
        )
    # Frictionless numbers the header as row 1: object n sits at row n + 1.
    collector.kept = [
        RowError(e.row - 1 if e.row else e.row, e.field, e.message, e.code) for e in collector.kept
    ]
    return build_report([*checks, check], collector, rows, labels)


# -- PDF and dispatch -------------------------------------------------------------------------


def _validate_pdf(
    path: Path, spec: FormatSpec, schema: dict[str, Any] | None, limits: Limits
) -> ValidationReport:
    if b"%PDF-" not in read_head(path, 1024):
        raise wrong_content(spec, what_is(read_head(path)) or "autre chose qu'un PDF")
    try:
        with path.open("rb") as stream:
            reader = PdfReader(stream)
            if reader.is_encrypted and not reader.decrypt(""):
                raise DeliveryRefused(
                    "Le PDF est protégé par un mot de passe : déposez une version non protégée."
                )
            pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, OSError, struct.error) as exc:
        raise DeliveryRefused(
            "Le PDF est endommagé ou incomplet : exportez-le de nouveau puis déposez-le encore."
        ) from exc
    checks = [Check("format", "Format PDF", True, f"{plural(pages, 'page')}.")]
    return build_report(checks, None, None, [])


VALIDATORS = {
    "csv": _validate_csv,
    "xlsx": _validate_xlsx,
    "json": _validate_json,
    "geojson": validate_geojson,
    "zip_shp": validate_shapefile,
    "pdf": _validate_pdf,
}


def validate_delivery(
    path: Path,
    *,
    filename: str,
    format: str,
    schema: dict[str, Any] | None,
    limits: Limits = DEFAULT_LIMITS,
) -> ValidationReport:
    """Validate a delivered file; raise DeliveryRefused if it cannot be accepted at all."""
    if format not in FORMATS:
        raise InvalidContract(f"Format de livraison inconnu : « {format} ».")
    spec = FORMATS[format]
    check_name(filename, spec)
    if path.stat().st_size == 0:
        raise DeliveryRefused(f"Le fichier « {filename} » est vide.")
    return VALIDATORS[format](path, spec, schema, limits)
