"""Zip archives: bounded checks against zip bombs and corruption, and shapefile validation.

Every member is streamed and counted within ``Limits``, because the sizes in a zip header are
written by whoever made the file.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from service import limits as bounds
from service.deliveries.report import (
    DEFAULT_LIMITS,
    MB,
    Check,
    FormatSpec,
    Limits,
    RowError,
    ValidationReport,
    build_report,
)
from service.deliveries.sniff import read_head, what_is, wrong_content
from service.errors import ArchiveRefused, ContentTooLarge, ContentUnreadable
from service.french import agree, plural

DAMAGED_ZIP = (
    "L'archive est endommagée ou incomplète : créez-la de nouveau (format ZIP standard) "
    "puis déposez-la encore."
)


def _bounded(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits
) -> bounds.BoundedStream:
    try:
        return bounds.BoundedStream(archive.open(info), info, limits)
    except NotImplementedError as exc:
        raise ArchiveRefused(
            f"L'élément « {info.filename} » utilise une compression non prise en charge : "
            "recréez l'archive en ZIP standard (Deflate)."
        ) from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(DAMAGED_ZIP) from exc


def _suspicious(detail: str) -> ArchiveRefused:
    return ArchiveRefused(
        f"Archive suspecte : {detail} ; le fichier a été refusé. Recréez l'archive avec les "
        "seuls fichiers attendus puis déposez-la de nouveau."
    )


def check_archive(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[zipfile.ZipInfo]:
    """Check a zip within the limits, reading every member by chunks; return its members.

    Declared sizes are checked first, then each member is streamed and counted, because the
    sizes in a zip header are written by whoever made the file. Reading to the end also checks
    each member's CRC, so a corrupt archive is refused here.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(DAMAGED_ZIP) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise _suspicious(f"elle contient {len(infos)} éléments (au plus {limits.max_members})")
        if any(info.flag_bits & 0x1 for info in infos):
            raise ArchiveRefused(
                "L'archive est protégée par un mot de passe : déposez une archive non chiffrée."
            )
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_total_bytes:
            raise _suspicious(f"décompressée, elle ferait {declared / MB:.0f} Mo")
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.max_member_bytes or (
                info.file_size > bounds.RATIO_FLOOR and ratio > limits.max_ratio
            ):
                raise _suspicious(
                    f"l'élément « {info.filename} » décompressé ferait "
                    f"{info.file_size / MB:.0f} Mo, {ratio:.0f} fois sa taille compressée"
                )
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            try:
                with _bounded(archive, info, limits) as stream:
                    for chunk in iter(lambda s=stream: s.read(limits.chunk_bytes), b""):
                        total += len(chunk)
                        if total > limits.max_total_bytes:
                            raise _suspicious(f"décompressée, elle dépasserait {total / MB:.0f} Mo")
            except ContentTooLarge as exc:
                raise ArchiveRefused(exc.detail.replace("traitement de texte", "logiciel")) from exc
            except ContentUnreadable as exc:
                raise ArchiveRefused(DAMAGED_ZIP) from exc
    return infos


def _read_member(path: Path, name: str, size: int, limits: Limits) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(name)
            with _bounded(archive, info, limits) as stream:
                return stream.read(size)
    except (zipfile.BadZipFile, KeyError, OSError, ContentUnreadable) as exc:
        raise ArchiveRefused(DAMAGED_ZIP) from exc


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf")
LAMBERT_93 = ("lambert_93", "lambert-93", "rgf93", "2154")


def _shapefile_errors(
    path: Path, stem: str, parts: dict[str, str], limits: Limits
) -> tuple[list[RowError], int | None]:
    errors = [
        RowError(
            None,
            None,
            f"fichier « {Path(stem).name}{ext} » absent de l'archive : un "
            "shapefile comprend toujours .shp, .shx et .dbf",
            "missing-member",
        )
        for ext in SHAPEFILE_PARTS
        if ext not in parts
    ]
    if ".prj" not in parts:
        errors.append(
            RowError(
                None,
                None,
                f"fichier « {Path(stem).name}.prj » absent : la "
                "projection doit être déclarée, en Lambert 93 (EPSG:2154)",
                "missing-projection",
            )
        )
    else:
        prj = _read_member(path, parts[".prj"], 64 * 1024, limits).decode("latin-1").lower()
        if not any(mark in prj for mark in LAMBERT_93):
            errors.append(
                RowError(
                    None,
                    None,
                    f"la projection de « {Path(stem).name} » n'est pas Lambert 93 (EPSG:2154)",
                    "wrong-projection",
                )
            )
    if ".shp" in parts:
        header = _read_member(path, parts[".shp"], 100, limits)
        if len(header) < 100 or struct.unpack(">i", header[:4])[0] != 9994:
            errors.append(
                RowError(
                    None,
                    None,
                    f"« {Path(stem).name}.shp » n'est pas un fichier shapefile valide",
                    "shp-header",
                )
            )
    rows = None
    if ".dbf" in parts:
        header = _read_member(path, parts[".dbf"], 32, limits)
        rows = struct.unpack("<I", header[4:8])[0] if len(header) >= 8 else None
    return errors, rows


def validate_shapefile(
    path: Path, spec: FormatSpec, schema: dict[str, Any] | None, limits: Limits
) -> ValidationReport:
    """Validate a zipped shapefile: a sound archive, its .shp/.shx/.dbf and a Lambert 93 .prj."""
    head = read_head(path)
    if not head.startswith(b"PK\x03\x04"):
        raise wrong_content(spec, what_is(head) or "autre chose qu'une archive ZIP")
    infos = check_archive(path, limits)
    layers: dict[str, dict[str, str]] = {}
    for info in infos:
        name = PurePosixPath(info.filename)
        if info.is_dir() or "__MACOSX" in name.parts or name.name.startswith("."):
            continue
        stem = str(name.with_suffix("")).lower()
        layers.setdefault(stem, {})[name.suffix.lower()] = info.filename
    shapes = {stem: parts for stem, parts in layers.items() if ".shp" in parts}
    errors: list[RowError] = []
    rows: int | None = None
    if not shapes:
        orphans = {
            stem: parts for stem, parts in layers.items() if set(parts) & {".shx", ".dbf", ".prj"}
        }
        shapes = orphans
        if not orphans:
            errors.append(
                RowError(
                    None, None, "l'archive ne contient aucun shapefile (.shp)", "missing-member"
                )
            )
    for stem, parts in sorted(shapes.items()):
        found, count = _shapefile_errors(path, stem, parts, limits)
        errors += found
        if count is not None:
            rows = (rows or 0) + count
    members_ok = not any(e.code in ("missing-member", "shp-header") for e in errors)
    projection_ok = not any(e.code in ("missing-projection", "wrong-projection") for e in errors)
    layer_names = ", ".join(Path(stem).name for stem in sorted(shapes)) or "aucune"
    checks = [
        Check(
            "archive",
            "Archive saine",
            True,
            f"{plural(len(infos), 'fichier')}, aucun risque détecté.",
        ),
        Check(
            "members",
            "Fichiers .shp, .shx et .dbf",
            members_ok,
            f"{agree(len(shapes), 'Couche')} : {layer_names}.",
        ),
        Check(
            "projection",
            "Projection Lambert 93 (EPSG:2154)",
            projection_ok,
            "Fichier .prj présent et en Lambert 93."
            if projection_ok
            else "Fichier .prj absent ou projection autre que Lambert 93 (EPSG:2154).",
        ),
    ]
    if schema is not None:
        checks.append(
            Check(
                "schema",
                "Conformité au schéma",
                True,
                "Le schéma tabulaire n'est pas appliqué aux shapefiles.",
            )
        )
    return build_report(checks, None, rows, [], errors)
