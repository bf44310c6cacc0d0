"""The OpenAPI 3.1 document of the API, served at ``/api/openapi.json``.

A test checks that every route of the API is documented here with the same methods, that the
document is valid, and that real responses match the schemas declared.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api import openapi_annexes, openapi_checklist, openapi_contracts
from service.api.openapi_parts import (
    INT,
    NULL_STR,
    STR,
    STR_LIST,
    file_upload_body,
    items_of,
    json_body,
    json_response,
    param,
    problems,
    ref,
)

CLAUSE_ID = param("clause_id", "path", STR, "Identifiant de la clause")
NUMBER = param("number", "path", INT, "Numéro de version")
PAGE = [
    param("page", "query", {"type": "integer", "minimum": 1}, "Page (à partir de 1)"),
    param("per_page", "query", {"type": "integer", "minimum": 1}, "Éléments par page"),
]


VARIABLE = {
    "type": "object",
    "required": ["name", "label", "type"],
    "properties": {
        "name": STR,
        "label": STR,
        "type": {"enum": ["text", "integer", "date", "url", "email", "choice"]},
        "default": {
            "description": "Valeur par défaut, vérifiée selon le type (422 sinon) ; null : le "
            "contrat doit donner une valeur"
        },
        "choices": {"type": ["array", "null"]},
    },
}
CONTENT_PROPS = {
    "title": STR,
    "body": STR,
    "legal_basis": STR_LIST,
    "variables": {"type": "array", "items": ref("Variable")},
    "elements": STR_LIST,
    "contract_types": STR_LIST,
}
VERSION_SUMMARY = {
    "type": "object",
    "required": ["number", "status", "title", "author", "created_at", "content_hash"],
    "properties": {
        "number": INT,
        "status": {"enum": ["draft", "approved", "retired"]},
        "title": STR,
        "author": STR,
        "created_at": STR,
        "change_note": STR,
        "approved_by": NULL_STR,
        "approved_at": NULL_STR,
        "retired_by": NULL_STR,
        "retired_at": NULL_STR,
        "content_hash": {
            **STR,
            "description": "SHA-256 du contenu de la version ; une annexe le reprend comme "
            "empreinte de la version (version_content_hash) dans sa table de traçabilité",
        },
    },
}
SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": STR,
            "title": STR,
            "status": INT,
            "detail": STR,
            "errors": {"type": "array", "items": ref("FieldError")},
        },
    },
    "FieldError": {
        "type": "object",
        "description": "Un problème : le champ (ou « fichier:ligne », vide pour la requête"
        " entière), le message en français, un code facultatif (missing…).",
        "required": ["field", "message"],
        "additionalProperties": False,
        "properties": {"field": STR, "message": STR, "code": STR},
    },
    "Element": {
        "type": "object",
        "required": ["id", "label", "explanation", "hints"],
        "properties": {
            "id": STR,
            "label": STR,
            "essential": {"type": "boolean"},
            "explanation": STR,
            "hints": STR_LIST,
        },
    },
    "Family": {
        "type": "object",
        "required": ["id", "label", "description", "elements"],
        "properties": {
            "id": STR,
            "label": STR,
            "description": STR,
            "legal_basis": STR_LIST,
            "signals": STR_LIST,
            "elements": {"type": "array", "items": ref("Element")},
        },
    },
    "Variable": VARIABLE,
    "VersionSummary": VERSION_SUMMARY,
    "Version": {
        "allOf": [
            ref("VersionSummary"),
            {
                "type": "object",
                "required": ["clause_id", "family", "body", "variables", "elements"],
                "properties": {"clause_id": STR, "family": STR, **CONTENT_PROPS},
            },
        ]
    },
    "ClauseSummary": {
        "type": "object",
        "required": ["id", "family", "title", "current_version", "latest_version", "latest_status"],
        "properties": {
            "id": STR,
            "family": STR,
            "title": STR,
            "current_version": INT,
            "latest_version": INT,
            "latest_status": STR,
            "created_at": STR,
        },
    },
    "Clause": {
        "allOf": [
            ref("ClauseSummary"),
            {
                "type": "object",
                "required": ["versions"],
                "properties": {"versions": {"type": "array", "items": ref("VersionSummary")}},
            },
        ]
    },
    "ClausePage": {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": ref("ClauseSummary")},
            "total": INT,
            "page": INT,
            "per_page": INT,
        },
    },
    "NewClause": {
        "type": "object",
        "required": ["id", "family", "title", "body", "author"],
        "properties": {
            "id": STR,
            "family": STR,
            "author": STR,
            "change_note": STR,
            **CONTENT_PROPS,
        },
    },
    "NewDraft": {
        "type": "object",
        "required": ["author", "change_note"],
        "properties": {
            "author": STR,
            "change_note": STR,
            "base": {"type": "integer", "description": "Version de départ"},
            **CONTENT_PROPS,
        },
    },
    "DraftChanges": {
        "type": "object",
        "properties": {"change_note": STR, **CONTENT_PROPS},
        "additionalProperties": False,
    },
    "Approval": {"type": "object", "required": ["approved_by"], "properties": {"approved_by": STR}},
    "Retirement": {"type": "object", "required": ["retired_by"], "properties": {"retired_by": STR}},
    "Diff": {
        "type": "object",
        "required": ["clause_id", "from", "to", "operations", "fields", "html"],
        "properties": {
            "clause_id": STR,
            "from": INT,
            "to": INT,
            "operations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["op", "old", "new"],
                    "properties": {
                        "op": {"enum": ["equal", "insert", "delete", "replace"]},
                        "old": STR,
                        "new": STR,
                    },
                },
            },
            "fields": {"type": "object"},
            "stats": {
                "type": "object",
                "properties": {"inserted_words": INT, "deleted_words": INT},
            },
            "html": STR,
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "total", "total_exact", "page", "per_page", "items"],
        "properties": {
            "query": STR,
            "total": INT,
            "page": INT,
            "per_page": INT,
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "clause_id",
                        "number",
                        "family",
                        "status",
                        "title",
                        "score",
                        "excerpt",
                    ],
                    "properties": {
                        "clause_id": STR,
                        "number": INT,
                        "family": STR,
                        "status": STR,
                        "title": STR,
                        "score": {"type": "number"},
                        "excerpt": {
                            "type": "string",
                            "description": "Extrait HTML, termes en <mark>",
                        },
                    },
                },
            },
        },
    },
}

EVIDENCE = {
    "type": "object",
    "required": ["section", "title", "excerpt"],
    "properties": {"section": STR, "title": STR, "excerpt": STR},
}
SCHEMAS["Report"] = {
    "type": "object",
    "required": ["id", "document", "families", "summary"],
    "properties": {
        "id": INT,
        "created_at": STR,
        "previous_id": {"type": ["integer", "null"]},
        "document": {
            "type": "object",
            "required": ["filename", "sha256", "format", "sections", "contract_type"],
            "properties": {
                "filename": STR,
                "sha256": STR,
                "format": {"enum": ["docx", "odt", "pdf", "txt", "md"]},
                "sections": INT,
                "contract_type": NULL_STR,
            },
        },
        "families": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "family",
                    "verdict",
                    "confidence",
                    "evidence",
                    "elements_found",
                    "elements_missing",
                    "suggested_clause",
                ],
                "properties": {
                    "family": STR,
                    "label": STR,
                    "verdict": {"enum": ["present", "weak", "missing", "contradicted"]},
                    "explanation": {
                        "type": "string",
                        "description": "Le verdict et sa raison, en une phrase.",
                    },
                    "confidence": {
                        "type": "number",
                        "description": "Solidité du verdict (0 à 1) : sous 0,7, peu d'indices.",
                    },
                    "evidence": {"type": "array", "items": EVIDENCE},
                    "elements_found": STR_LIST,
                    "elements_missing": STR_LIST,
                    "essential_missing": STR_LIST,
                    "contradiction": {"oneOf": [EVIDENCE, {"type": "null"}]},
                    "reasons": STR_LIST,
                    "suggested_clause": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["id", "version"],
                                "properties": {"id": STR, "version": INT, "title": STR},
                            },
                            {"type": "null"},
                        ]
                    },
                },
            },
        },
        "summary": {
            "type": "object",
            "required": ["present", "weak", "missing", "contradicted"],
            "properties": {"present": INT, "weak": INT, "missing": INT, "contradicted": INT},
        },
        "already_analysed": {"type": "boolean"},
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["family", "before", "after", "why"],
                "properties": {"family": STR, "before": NULL_STR, "after": STR, "why": STR_LIST},
            },
        },
    },
}
SCHEMAS["AnalysisPage"] = {
    "type": "object",
    "required": ["items", "total", "page", "per_page"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "filename", "format", "created_at", "summary"],
                "properties": {
                    "id": INT,
                    "filename": STR,
                    "format": STR,
                    "sha256": STR,
                    "contract_type": NULL_STR,
                    "created_at": STR,
                    "summary": {"type": "object"},
                },
            },
        },
        "total": INT,
        "page": INT,
        "per_page": INT,
    },
}
ANALYSIS_ID = param("analysis_id", "path", INT, "Numéro de l'analyse")
PATHS: dict[str, Any] = {
    "/families": {
        "get": {
            "summary": "Familles de clauses et leurs éléments requis",
            "operationId": "listFamilies",
            "responses": {"200": items_of("Family", "Les familles")},
        }
    },
    "/families/{family_id}": {
        "get": {
            "summary": "Une famille",
            "operationId": "getFamily",
            "parameters": [param("family_id", "path", STR, "Identifiant de la famille")],
            "responses": {"200": json_response(ref("Family"), "La famille"), **problems(404)},
        }
    },
    "/clauses": {
        "get": {
            "summary": "Liste des clauses",
            "operationId": "listClauses",
            "parameters": [
                param("family", "query", STR, "Filtrer par famille"),
                param(
                    "status",
                    "query",
                    {"enum": ["draft", "approved", "retired"]},
                    "Filtrer par statut de la dernière version",
                ),
                *PAGE,
            ],
            "responses": {
                "200": json_response(ref("ClausePage"), "Une page de clauses"),
                **problems(400, 404, 422),
            },
        },
        "post": {
            "summary": "Créer une clause (version 1 en projet)",
            "operationId": "createClause",
            "requestBody": json_body("NewClause"),
            "responses": {
                "201": json_response(ref("Version"), "La version 1 créée"),
                **problems(400, 404, 409, 422),
            },
        },
    },
    "/clauses/{clause_id}": {
        "get": {
            "summary": "Une clause et l'historique de ses versions",
            "operationId": "getClause",
            "parameters": [CLAUSE_ID],
            "responses": {"200": json_response(ref("Clause"), "La clause"), **problems(404)},
        }
    },
    "/clauses/{clause_id}/versions": {
        "get": {
            "summary": "Les versions d'une clause",
            "operationId": "listVersions",
            "parameters": [CLAUSE_ID],
            "responses": {
                "200": items_of("Version", "Les versions"),
                **problems(404),
            },
        },
        "post": {
            "summary": "Créer un projet de nouvelle version",
            "operationId": "createDraft",
            "parameters": [CLAUSE_ID],
            "requestBody": json_body("NewDraft"),
            "responses": {
                "201": json_response(ref("Version"), "Le projet créé"),
                **problems(400, 404, 422),
            },
        },
    },
    "/clauses/{clause_id}/versions/{number}": {
        "get": {
            "summary": "Une version",
            "operationId": "getVersion",
            "parameters": [CLAUSE_ID, NUMBER],
            "responses": {"200": json_response(ref("Version"), "La version"), **problems(404)},
        },
        "patch": {
            "summary": "Modifier un projet (une version approuvée ne change jamais)",
            "operationId": "editDraft",
            "parameters": [CLAUSE_ID, NUMBER],
            "requestBody": json_body("DraftChanges"),
            "responses": {
                "200": json_response(ref("Version"), "Le projet modifié"),
                **problems(400, 404, 409, 422),
            },
        },
    },
    "/clauses/{clause_id}/versions/{number}/approve": {
        "post": {
            "summary": "Approuver un projet",
            "operationId": "approveVersion",
            "parameters": [CLAUSE_ID, NUMBER],
            "requestBody": json_body("Approval"),
            "responses": {
                "200": json_response(ref("Version"), "La version approuvée"),
                **problems(400, 404, 409, 422),
            },
        }
    },
    "/clauses/{clause_id}/versions/{number}/retire": {
        "post": {
            "summary": "Retirer une version",
            "operationId": "retireVersion",
            "parameters": [CLAUSE_ID, NUMBER],
            "requestBody": json_body("Retirement"),
            "responses": {
                "200": json_response(ref("Version"), "La version retirée"),
                **problems(400, 404, 409, 422),
            },
        }
    },
    "/clauses/{clause_id}/diff": {
        "get": {
            "summary": "Différences mot à mot entre deux versions",
            "operationId": "diffVersions",
            "parameters": [
                CLAUSE_ID,
                param("from", "query", INT, "Version de départ (défaut : la première)"),
                param("to", "query", INT, "Version d'arrivée (défaut : la dernière)"),
            ],
            "responses": {
                "200": json_response(ref("Diff"), "Les différences"),
                **problems(400, 404),
            },
        }
    },
    "/search": {
        "get": {
            "summary": "Recherche plein texte en français",
            "operationId": "search",
            "parameters": [
                param("q", "query", STR, "Mots recherchés", required=True),
                param("family", "query", STR, "Filtrer par famille"),
                param(
                    "status",
                    "query",
                    {"enum": ["draft", "approved", "retired"]},
                    "Filtrer par statut",
                ),
                param(
                    "all_versions",
                    "query",
                    {"type": "boolean"},
                    "Toutes les versions (défaut : la mieux classée de chaque clause)",
                ),
                *PAGE,
            ],
            "responses": {
                "200": json_response(ref("SearchResults"), "Les résultats classés"),
                **problems(400, 404, 422),
            },
        }
    },
    "/analyses": {
        "get": {
            "summary": "Analyses passées",
            "operationId": "listAnalyses",
            "parameters": PAGE,
            "responses": {
                "200": json_response(ref("AnalysisPage"), "Une page d'analyses"),
                **problems(400),
            },
        },
        "post": {
            "summary": "Analyser un CCTP (DOCX, ODT, PDF, texte, Markdown)",
            "operationId": "createAnalysis",
            "requestBody": file_upload_body(),
            "responses": {
                "201": json_response(ref("Report"), "Le rapport de la nouvelle analyse"),
                "200": json_response(
                    ref("Report"), "Fichier déjà analysé avec la même bibliothèque"
                ),
                **problems(400, 413, 415, 422),
            },
        },
    },
    "/analyses/{analysis_id}": {
        "get": {
            "summary": "Le rapport d'une analyse",
            "operationId": "getAnalysis",
            "parameters": [ANALYSIS_ID],
            "responses": {"200": json_response(ref("Report"), "Le rapport"), **problems(404)},
        }
    },
    "/analyses/{analysis_id}/rerun": {
        "post": {
            "summary": "Refaire l'analyse avec la bibliothèque actuelle",
            "operationId": "rerunAnalysis",
            "parameters": [ANALYSIS_ID],
            "responses": {
                "201": json_response(ref("Report"), "La nouvelle analyse et ses changements"),
                **problems(404),
            },
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "Ce document",
            "operationId": "openapi",
            "responses": {"200": json_response({"type": "object"}, "Le document OpenAPI")},
        }
    },
}


def document() -> dict[str, Any]:
    """Return the OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API Clausier",
            "version": "0.1.0",
            "description": "Bibliothèque de clauses « données » des contrats publics. "
            "Les erreurs sont au format application/problem+json (RFC 9457).",
        },
        "servers": [{"url": "/api"}],
        "paths": PATHS | openapi_annexes.PATHS | openapi_contracts.PATHS | openapi_checklist.PATHS,
        "components": {
            "schemas": SCHEMAS
            | openapi_annexes.SCHEMAS
            | openapi_contracts.SCHEMAS
            | openapi_checklist.SCHEMAS
        },
    }


def register(api: Blueprint) -> None:
    """Serve the document."""
    api.add_url_rule("/openapi.json", view_func=document, endpoint="openapi")
