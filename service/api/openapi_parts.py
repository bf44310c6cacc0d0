"""Building blocks of the OpenAPI document, shared by its parts (library and analyses,
annexes, contracts, checklist)."""

from __future__ import annotations

from typing import Any

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NULL_STR = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
STR_LIST = {"type": "array", "items": STR}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: What each error status means, said once for every part of the document.
PROBLEM_WORDS = {
    400: "Requête invalide",
    404: "Introuvable",
    409: "Conflit avec l'état actuel",
    413: "Trop volumineux",
    415: "Format non pris en charge",
    422: "Données invalides",
    503: "Service momentanément indisponible (file des travaux, index de recherche)",
}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema of the document."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response with its schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def binary_response(mimetype: str, description: str) -> dict[str, Any]:
    """A file response of that media type."""
    return {
        "description": description,
        "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
    }


def problems(*statuses: int) -> dict[str, Any]:
    """The problem+json responses of these error statuses."""
    return {
        str(status): {
            "description": PROBLEM_WORDS[status],
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
        for status in statuses
    }


def param(
    name: str, where: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    """A parameter (path parameters are always required)."""
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


def json_body(schema: str) -> dict[str, Any]:
    """A required JSON request body of a named schema."""
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def file_upload_body() -> dict[str, Any]:
    """A required multipart body carrying one file in the field ``file``."""
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": obj(["file"], {"file": {"type": "string", "format": "binary"}})
            }
        },
    }


def obj(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema."""
    return {"type": "object", "required": required, "properties": properties}


def items_of(schema: str, description: str) -> dict[str, Any]:
    """A JSON response ``{"items": [...]}`` of a named schema."""
    return json_response(
        obj(["items"], {"items": {"type": "array", "items": ref(schema)}}), description
    )


ORG = param("org", "path", STR, "Identifiant de l'organisation")
