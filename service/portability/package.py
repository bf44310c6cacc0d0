"""``datapackage.json``: the export described as a Frictionless Data Package — one tabular
resource per CSV, with its Table Schema (types, keys, foreign keys between the resources) and
the French titles and descriptions of ``dictionary``: the data dictionary a reader or a tool
(frictionless validate) takes the export by."""

from __future__ import annotations

from typing import Any

from service.db import utcnow
from service.portability import dictionary
from service.portability.tables import EXPORTED, fields, table


def table_schema(name: str, descriptions: dict[str, str]) -> dict[str, Any]:
    """The Table Schema (Frictionless) of an exported table, with its keys."""
    schema_fields = []
    for f in fields(name):
        kind = f.json_kind if f.kind == "json" else f.kind
        entry: dict[str, Any] = {"name": f.name, "type": kind, "description": descriptions[f.name]}
        if kind == "datetime":
            entry["format"] = "any"
        # An empty cell is an empty text in a text field that may not be NULL.
        if not f.nullable and kind != "string":
            entry["constraints"] = {"required": True}
        schema_fields.append(entry)
    schema: dict[str, Any] = {"fields": schema_fields, "missingValues": [""]}
    source = table("clause_version" if name == "clause_version_reference" else name)
    schema["primaryKey"] = [c.name for c in source.primary_key.columns]
    keys = []
    for f in fields(name):
        for key in f.column.foreign_keys if f.column is not None else ():
            target = key.column.table.name
            if name == "clause_version_reference":
                continue
            if target == "clause_version":
                target = "clause_version_reference"
            if target not in EXPORTED:
                continue
            reference: dict[str, Any] = {"resource": "" if target == name else target}
            reference["fields"] = key.column.name
            keys.append({"fields": f.name, "reference": reference})
    if keys:
        schema["foreignKeys"] = keys
    return schema


def descriptor() -> dict[str, Any]:
    """The data package of an export: one resource per CSV, schema and French descriptions."""
    resources = []
    for name in EXPORTED:
        title, description = dictionary.TABLES[name]
        withheld = dictionary.WITHHELD.get(name, {})
        if withheld:
            description += " Colonnes non exportées : " + " ; ".join(
                f"{column} ({reason})" for column, reason in withheld.items()
            )
        resources.append(
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "title": title,
                "description": description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": table_schema(name, dictionary.FIELDS[name]),
            }
        )
    for resource in resources:
        for key in resource["schema"].get("foreignKeys", []):
            target = key["reference"]["resource"]
            key["reference"]["resource"] = target.replace("_", "-")
    package = {
        "profile": "tabular-data-package",
        "name": "clausier-organisation",
        "title": "Données d'une organisation de Clausier",
        "description": (
            "Tout ce qui appartient à une organisation dans Clausier, pour la réversibilité :"
            " une table CSV par table de la base (UTF-8, ligne d'en-tête, dates ISO 8601 avec"
            " décalage horaire, JSON en texte, cellule vide : valeur absente, ou texte vide dans"
            " un champ texte obligatoire), les fichiers sous files/<sha256>. manifest.json donne"
            " la version du format, les nombres de lignes et l'empreinte de chaque fichier."
            " « clausier import DOSSIER » restitue le tout dans une autre instance, avec les"
            " mêmes identifiants et les mêmes dates."
        ),
        "created": utcnow().isoformat(),
        "resources": resources,
    }
    return package
