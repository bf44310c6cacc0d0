"""GeoJSON validation: a FeatureCollection or Feature whose geometries are in WGS 84.

The tabular schema of an obligation is not applied here; each feature is checked for its type,
its geometry and coordinates that fit longitude and latitude.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.deliveries.json_reader import iter_json, scan_json
from service.deliveries.messages import Collector
from service.deliveries.report import (
    Check,
    FormatSpec,
    Limits,
    RowError,
    ValidationReport,
    build_report,
    encoding_check,
)
from service.deliveries.sniff import wrong_content
from service.french import plural

GEOMETRIES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def _first_position(geometry: dict[str, Any]) -> list[Any] | None:
    coordinates: Any = geometry.get("coordinates")
    while isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates if isinstance(coordinates, list) else None


def _feature_error(index: int, feature: Any) -> RowError | None:
    def error(message: str, code: str) -> RowError:
        return RowError(index, None, message, code)

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return error("l'élément n'est pas un objet GeoJSON de type « Feature »", "feature-type")
    geometry = feature.get("geometry")
    if geometry is None:
        return None
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        return error("géométrie absente ou de type inconnu", "geometry-type")
    position = _first_position(geometry)
    if geometry["type"] != "GeometryCollection" and not position:
        return error("géométrie sans coordonnées", "geometry-coordinates")
    if position and not (
        all(isinstance(v, int | float) for v in position[:2])
        and -180 <= position[0] <= 180
        and -90 <= position[1] <= 90
    ):
        return error(
            f"coordonnées {position[:2]} hors du système WGS 84 (longitude, latitude) qu'impose "
            "GeoJSON : reprojetez depuis Lambert 93 (EPSG:2154) vers EPSG:4326",
            "geometry-crs",
        )
    return None


def validate_geojson(
    path: Path, spec: FormatSpec, schema: dict[str, Any] | None, limits: Limits
) -> ValidationReport:
    """Validate a GeoJSON file: its structure and each feature's geometry and coordinates."""
    shape, bom = scan_json(path, spec, limits)
    kind = shape.scalars.get("type") if shape.top == "object" else None
    if kind not in ("FeatureCollection", "Feature"):
        raise wrong_content(
            spec, "un JSON qui n'est pas un GeoJSON (ni « FeatureCollection » ni « Feature »)"
        )
    if kind == "FeatureCollection" and "features" not in shape.lists:
        raise wrong_content(spec, "une « FeatureCollection » sans liste « features »")
    # Features are read one at a time: a large collection is never in memory whole.
    features = iter_json(path, "features.item" if kind == "FeatureCollection" else "", bom)
    count = shape.features if kind == "FeatureCollection" else 1
    collector = Collector({}, limits.max_errors)
    names: dict[str, None] = {}
    for index, feature in enumerate(features, start=1):
        problem = _feature_error(index, feature)
        if problem is not None:
            collector.count += 1
            if len(collector.kept) < collector.keep:
                collector.kept.append(problem)
        if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            names.update(dict.fromkeys(feature["properties"]))
    note = " Le schéma tabulaire de l'obligation n'est pas appliqué au GeoJSON." if schema else ""
    checks = [
        Check("format", "Format GeoJSON", True, f"{kind} lisible.{note}"),
        encoding_check(bom),
        Check(
            "features",
            "Objets géographiques",
            collector.count == 0,
            f"{plural(count, 'objet')}, {collector.count} en erreur.",
        ),
    ]
    return build_report(checks, collector, count, list(names))
