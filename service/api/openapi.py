"""The OpenAPI 3.1 document of the API, served at ``/api/openapi.json``.

A test checks that every route of the API is documented here with the same methods, that the
document is valid, and that real responses match the schemas declared.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api import openapi_checklist, openapi_contracts

STR = {"type": "string"}
INT = {"type": "integer"}
NULL_STR = {"type": ["string", "null"]}
STR_LIST = {"type": "array", "items": STR}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema of the document."""
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    words = {
        400: "Requête invalide",
        404: "Introuvable",
        409: "Conflit avec l'état actuel",
        413: "Trop volumineux",
        415: "Format non pris en charge",
        422: "Données invalides",
    }
    return {
        str(status): {
            "description": words[status],
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
        for status in statuses
    }


def _param(
    name: str, where: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


CLAUSE_ID = _param("clause_id", "path", STR, "Identifiant de la clause")
NUMBER = _param("number", "path", INT, "Numéro de version")
PAGE = [
    _param("page", "query", {"type": "integer", "minimum": 1}, "Page (à partir de 1)"),
    _param("per_page", "query", {"type": "integer", "minimum": 1}, "Éléments par page"),
]


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


VARIABLE = {
    "type": "object",
    "required": ["name", "label", "type"],
    "properties": {
        "name": STR,
        "label": STR,
        "type": {"enum": ["text", "integer", "date", "url", "email", "choice"]},
        "default": {},
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
        "content_hash": STR,
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
            "errors": {"type": "array", "items": {"type": "object"}},
        },
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
                    "confidence": {"type": "number"},
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
ANALYSIS_ID = _param("analysis_id", "path", INT, "Numéro de l'analyse")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _binary(mimetype: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
    }


MISSING_VALUE = {
    "type": "object",
    "required": ["clause", "name", "label"],
    "properties": {"clause": STR, "name": STR, "label": STR},
}
SCHEMAS["MissingValue"] = MISSING_VALUE
SCHEMAS["MissingValues"] = {
    "type": "object",
    "required": ["missing"],
    "properties": {"missing": {"type": "array", "items": ref("MissingValue")}},
}
SCHEMAS["AnnexRequest"] = {
    "type": "object",
    "description": "Exactement l'un de « clauses », « analysis_id » ou « template_set ».",
    "properties": {
        "clauses": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": STR, "version": INT},
            },
            "description": "Clauses choisies (version approuvée actuelle si omise)",
        },
        "analysis_id": {
            "type": "integer",
            "description": "Analyse dont on reprend les clauses suggérées",
        },
        "template_set": {
            "type": "string",
            "description": "Ensemble de clauses dont on reprend les clauses, le type de contrat et"
            " le tableau des livraisons (sauf « deliveries » donné)",
        },
        "organisation": {"type": "string", "description": "Organisation du modèle « template »"},
        "template": {"type": "integer", "description": "Modèle DOCX de l'organisation à utiliser"},
        "leave_out": {**STR_LIST, "description": "Familles à ne pas reprendre de l'analyse"},
        "values": {"type": "object", "additionalProperties": STR},
        "title": {
            "type": "object",
            "properties": {"acheteur": STR, "objet": STR, "reference": STR, "date": STR},
        },
        "allow_drafts": {"type": "boolean"},
        "contract_type": STR,
        "deliveries": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"dataset": STR, "format": STR, "frequency": STR, "delay": STR},
            },
        },
    },
}

DELIVERY_ROW = {
    "type": "object",
    "required": ["dataset", "format", "frequency", "delay"],
    "properties": {"dataset": STR, "format": STR, "frequency": STR, "delay": STR},
}
SCHEMAS["TemplateSet"] = {
    "type": "object",
    "required": ["id", "contract_type", "contract_type_label", "title", "clauses", "deliveries"],
    "properties": {
        "id": STR,
        "contract_type": STR,
        "contract_type_label": STR,
        "title": STR,
        "description": STR,
        "position": INT,
        "clauses": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["clause", "version"],
                "properties": {"clause": STR, "version": {"type": ["integer", "null"]}},
            },
        },
        "deliveries": {"type": "array", "items": DELIVERY_ROW},
    },
}
SCHEMAS["Job"] = {
    "type": "object",
    "required": ["id", "kind", "state", "progress", "message", "created_at", "result_url"],
    "properties": {
        "id": STR,
        "kind": STR,
        "params": {"type": "object"},
        "state": {"enum": ["queued", "running", "done", "failed"]},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "message": STR,
        "error": NULL_STR,
        "created_at": STR,
        "started_at": NULL_STR,
        "finished_at": NULL_STR,
        "result_url": NULL_STR,
        "result_name": NULL_STR,
    },
}
JOB_ID = _param("job_id", "path", STR, "Identifiant du travail")
SCHEMAS["OrgTemplate"] = {
    "type": "object",
    "required": ["id", "organisation", "name", "filename", "sha256", "variables", "uploaded_at"],
    "properties": {
        "id": INT,
        "organisation": STR,
        "name": STR,
        "filename": STR,
        "sha256": STR,
        "variables": STR_LIST,
        "uploaded_by": STR,
        "uploaded_at": STR,
    },
}
ORG = _param("org", "path", STR, "Identifiant de l'organisation")
TEMPLATE_ID = _param("template_id", "path", INT, "Numéro du modèle")

PATHS: dict[str, Any] = {
    "/families": {
        "get": {
            "summary": "Familles de clauses et leurs éléments requis",
            "operationId": "listFamilies",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("Family")}},
                    },
                    "Les familles",
                )
            },
        }
    },
    "/families/{family_id}": {
        "get": {
            "summary": "Une famille",
            "operationId": "getFamily",
            "parameters": [_param("family_id", "path", STR, "Identifiant de la famille")],
            "responses": {"200": _json(ref("Family"), "La famille"), **_problems(404)},
        }
    },
    "/clauses": {
        "get": {
            "summary": "Liste des clauses",
            "operationId": "listClauses",
            "parameters": [
                _param("family", "query", STR, "Filtrer par famille"),
                _param(
                    "status",
                    "query",
                    {"enum": ["draft", "approved", "retired"]},
                    "Filtrer par statut de la dernière version",
                ),
                *PAGE,
            ],
            "responses": {
                "200": _json(ref("ClausePage"), "Une page de clauses"),
                **_problems(400, 404, 422),
            },
        },
        "post": {
            "summary": "Créer une clause (version 1 en projet)",
            "operationId": "createClause",
            "requestBody": _body("NewClause"),
            "responses": {
                "201": _json(ref("Version"), "La version 1 créée"),
                **_problems(400, 404, 409, 422),
            },
        },
    },
    "/clauses/{clause_id}": {
        "get": {
            "summary": "Une clause et l'historique de ses versions",
            "operationId": "getClause",
            "parameters": [CLAUSE_ID],
            "responses": {"200": _json(ref("Clause"), "La clause"), **_problems(404)},
        }
    },
    "/clauses/{clause_id}/versions": {
        "get": {
            "summary": "Les versions d'une clause",
            "operationId": "listVersions",
            "parameters": [CLAUSE_ID],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("Version")}},
                    },
                    "Les versions",
                ),
                **_problems(404),
            },
        },
        "post": {
            "summary": "Créer un projet de nouvelle version",
            "operationId": "createDraft",
            "parameters": [CLAUSE_ID],
            "requestBody": _body("NewDraft"),
            "responses": {
                "201": _json(ref("Version"), "Le projet créé"),
                **_problems(400, 404, 422),
            },
        },
    },
    "/clauses/{clause_id}/versions/{number}": {
        "get": {
            "summary": "Une version",
            "operationId": "getVersion",
            "parameters": [CLAUSE_ID, NUMBER],
            "responses": {"200": _json(ref("Version"), "La version"), **_problems(404)},
        },
        "patch": {
            "summary": "Modifier un projet (une version approuvée ne change jamais)",
            "operationId": "editDraft",
            "parameters": [CLAUSE_ID, NUMBER],
            "requestBody": _body("DraftChanges"),
            "responses": {
                "200": _json(ref("Version"), "Le projet modifié"),
                **_problems(400, 404, 409, 422),
            },
        },
    },
    "/clauses/{clause_id}/versions/{number}/approve": {
        "post": {
            "summary": "Approuver un projet",
            "operationId": "approveVersion",
            "parameters": [CLAUSE_ID, NUMBER],
            "requestBody": _body("Approval"),
            "responses": {
                "200": _json(ref("Version"), "La version approuvée"),
                **_problems(400, 404, 409, 422),
            },
        }
    },
    "/clauses/{clause_id}/versions/{number}/retire": {
        "post": {
            "summary": "Retirer une version",
            "operationId": "retireVersion",
            "parameters": [CLAUSE_ID, NUMBER],
            "requestBody": _body("Retirement"),
            "responses": {
                "200": _json(ref("Version"), "La version retirée"),
                **_problems(400, 404, 409, 422),
            },
        }
    },
    "/clauses/{clause_id}/diff": {
        "get": {
            "summary": "Différences mot à mot entre deux versions",
            "operationId": "diffVersions",
            "parameters": [
                CLAUSE_ID,
                _param("from", "query", INT, "Version de départ (défaut : la première)"),
                _param("to", "query", INT, "Version d'arrivée (défaut : la dernière)"),
            ],
            "responses": {"200": _json(ref("Diff"), "Les différences"), **_problems(400, 404)},
        }
    },
    "/search": {
        "get": {
            "summary": "Recherche plein texte en français",
            "operationId": "search",
            "parameters": [
                _param("q", "query", STR, "Mots recherchés", required=True),
                _param("family", "query", STR, "Filtrer par famille"),
                _param(
                    "status",
                    "query",
                    {"enum": ["draft", "approved", "retired"]},
                    "Filtrer par statut",
                ),
                _param(
                    "all_versions",
                    "query",
                    {"type": "boolean"},
                    "Toutes les versions (défaut : la mieux classée de chaque clause)",
                ),
                *PAGE,
            ],
            "responses": {
                "200": _json(ref("SearchResults"), "Les résultats classés"),
                **_problems(400, 404, 422),
            },
        }
    },
    "/analyses": {
        "get": {
            "summary": "Analyses passées",
            "operationId": "listAnalyses",
            "parameters": PAGE,
            "responses": {
                "200": _json(ref("AnalysisPage"), "Une page d'analyses"),
                **_problems(400),
            },
        },
        "post": {
            "summary": "Analyser un CCTP (DOCX, ODT, PDF, texte, Markdown)",
            "operationId": "createAnalysis",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
            "responses": {
                "201": _json(ref("Report"), "Le rapport de la nouvelle analyse"),
                "200": _json(ref("Report"), "Fichier déjà analysé avec la même bibliothèque"),
                **_problems(400, 413, 415, 422),
            },
        },
    },
    "/analyses/{analysis_id}": {
        "get": {
            "summary": "Le rapport d'une analyse",
            "operationId": "getAnalysis",
            "parameters": [ANALYSIS_ID],
            "responses": {"200": _json(ref("Report"), "Le rapport"), **_problems(404)},
        }
    },
    "/analyses/{analysis_id}/rerun": {
        "post": {
            "summary": "Refaire l'analyse avec la bibliothèque actuelle",
            "operationId": "rerunAnalysis",
            "parameters": [ANALYSIS_ID],
            "responses": {
                "201": _json(ref("Report"), "La nouvelle analyse et ses changements"),
                **_problems(404),
            },
        }
    },
    "/annexes": {
        "post": {
            "summary": "Générer l'annexe DOCX « Clauses relatives aux données »",
            "operationId": "createAnnex",
            "requestBody": _body("AnnexRequest"),
            "responses": {
                "200": _binary(DOCX, "L'annexe (pièce jointe annexe-donnees.docx)"),
                **_problems(400, 404, 409, 422),
            },
        }
    },
    "/annexes/missing": {
        "post": {
            "summary": "Les valeurs obligatoires qui manquent encore à l'annexe",
            "operationId": "annexMissing",
            "requestBody": _body("AnnexRequest"),
            "responses": {
                "200": _json(ref("MissingValues"), "Les valeurs manquantes (liste vide : aucune)"),
                **_problems(400, 404, 409, 422),
            },
        }
    },
    "/analyses/{analysis_id}/report.pdf": {
        "get": {
            "summary": "Le rapport d'une analyse en PDF",
            "operationId": "getAnalysisReportPdf",
            "parameters": [ANALYSIS_ID],
            "responses": {
                "200": _binary("application/pdf", "Le rapport (PDF, affiché en ligne)"),
                "202": {
                    **_json(
                        ref("Job"),
                        "Rapport long : préparé en arrière-plan ; suivre le travail indiqué "
                        "par Location",
                    ),
                    "headers": {"Location": {"schema": STR, "description": "/api/jobs/{id}"}},
                },
                **_problems(404),
            },
        }
    },
    "/jobs/{job_id}": {
        "get": {
            "summary": "Un travail en arrière-plan : état, avancement, fichier produit",
            "operationId": "getJob",
            "parameters": [JOB_ID],
            "responses": {"200": _json(ref("Job"), "Le travail"), **_problems(404)},
        }
    },
    "/jobs/{job_id}/result": {
        "get": {
            "summary": "Le fichier produit par un travail terminé",
            "operationId": "getJobResult",
            "parameters": [JOB_ID],
            "responses": {
                "200": {
                    "description": "Le fichier (un PDF pour un rapport)",
                    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                },
                **_problems(404, 409),
            },
        }
    },
    "/template-sets": {
        "get": {
            "summary": "Ensembles de clauses par type de contrat",
            "operationId": "listTemplateSets",
            "parameters": [_param("contract_type", "query", STR, "Type de contrat")],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("TemplateSet")}},
                    },
                    "Les ensembles",
                ),
                **_problems(400),
            },
        }
    },
    "/template-sets/{set_id}": {
        "get": {
            "summary": "Un ensemble de clauses",
            "operationId": "getTemplateSet",
            "parameters": [_param("set_id", "path", STR, "Identifiant de l'ensemble")],
            "responses": {"200": _json(ref("TemplateSet"), "L'ensemble"), **_problems(404)},
        }
    },
    "/organisations/{org}/templates": {
        "get": {
            "summary": "Modèles DOCX d'annexe de l'organisation",
            "operationId": "listOrgTemplates",
            "parameters": [ORG],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("OrgTemplate")}},
                    },
                    "Les modèles, du plus récent au plus ancien",
                ),
                **_problems(404),
            },
        },
        "post": {
            "summary": "Déposer un modèle DOCX d'annexe (vérifié avant d'être enregistré)",
            "operationId": "createOrgTemplate",
            "parameters": [ORG],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file", "name", "uploaded_by"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "name": STR,
                                "uploaded_by": STR,
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": _json(ref("OrgTemplate"), "Le modèle enregistré"),
                **_problems(400, 404, 413, 422),
            },
        },
    },
    "/organisations/{org}/templates/{template_id}": {
        "get": {
            "summary": "Un modèle de l'organisation",
            "operationId": "getOrgTemplate",
            "parameters": [ORG, TEMPLATE_ID],
            "responses": {"200": _json(ref("OrgTemplate"), "Le modèle"), **_problems(404)},
        }
    },
    "/organisations/{org}/templates/{template_id}/file": {
        "get": {
            "summary": "Le fichier DOCX d'un modèle de l'organisation",
            "operationId": "getOrgTemplateFile",
            "parameters": [ORG, TEMPLATE_ID],
            "responses": {"200": _binary(DOCX, "Le modèle (DOCX)"), **_problems(404)},
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "Ce document",
            "operationId": "openapi",
            "responses": {"200": _json({"type": "object"}, "Le document OpenAPI")},
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
        "paths": PATHS | openapi_contracts.PATHS | openapi_checklist.PATHS,
        "components": {"schemas": SCHEMAS | openapi_contracts.SCHEMAS | openapi_checklist.SCHEMAS},
    }


def register(api: Blueprint) -> None:
    """Serve the document."""
    api.add_url_rule("/openapi.json", view_func=document, endpoint="openapi")
