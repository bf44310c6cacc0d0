"""The annexes' part of the OpenAPI document: annexes, the analysis report PDF and its job,
template sets, organisations' templates (merged by ``openapi.document``)."""

from __future__ import annotations

from typing import Any

from service.api.openapi_parts import (
    DOCX,
    INT,
    NULL_STR,
    ORG,
    STR,
    STR_LIST,
    binary_response,
    items_of,
    json_body,
    json_response,
    param,
    problems,
    ref,
)

SCHEMAS: dict[str, Any] = {}
ANALYSIS_ID = param("analysis_id", "path", INT, "Numéro de l'analyse")


VARIABLE_TYPES = {"enum": ["text", "integer", "date", "url", "email", "choice"]}
MISSING_VALUE = {
    "type": "object",
    "description": "Une valeur obligatoire sans valeur par défaut. Celles du cartouche (acheteur,"
    " objet, reference) se donnent dans « title », les autres dans « values ».",
    "required": ["clause", "name", "label"],
    "properties": {
        "clause": STR,
        "name": STR,
        "label": STR,
        "type": {**VARIABLE_TYPES, "description": "Type que la valeur doit avoir"},
        "choices": {**STR_LIST, "description": "Valeurs permises (type choice)"},
    },
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
        "values": {
            "type": "object",
            "additionalProperties": STR,
            "description": "Valeurs des variables des clauses, chacune vérifiée selon son type "
            "(integer : nombre entier ; date : 2027-01-15 ou 15/01/2027, écrite « 15 janvier "
            "2027 » dans l'annexe ; email ; url ; choice : l'une des valeurs permises). Les "
            "valeurs du cartouche (acheteur, objet, reference) n'y figurent pas (422) : une "
            "variable de ce nom prend la valeur de « title ».",
        },
        "title": {
            "type": "object",
            "description": "Le cartouche ; il complète aussi les variables de même nom des "
            "clauses (« acheteur »).",
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
JOB_ID = param("job_id", "path", STR, "Identifiant du travail")
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
TEMPLATE_ID = param("template_id", "path", INT, "Numéro du modèle")


PATHS: dict[str, Any] = {
    "/annexes": {
        "post": {
            "summary": "Générer l'annexe DOCX « Clauses relatives aux données »",
            "operationId": "createAnnex",
            "requestBody": json_body("AnnexRequest"),
            "responses": {
                "200": binary_response(
                    DOCX,
                    "L'annexe (pièce jointe annexe-donnees.docx). Sa table de traçabilité donne, "
                    "par clause, l'empreinte de la version (version_content_hash : le "
                    "content_hash de la version dans la bibliothèque) et l'empreinte du texte "
                    "complété (filled_text_hash : SHA-256 du texte de l'article complété des "
                    "valeurs).",
                ),
                **problems(400, 404, 409, 422),
            },
        }
    },
    "/annexes/missing": {
        "post": {
            "summary": "Les valeurs obligatoires qui manquent encore à l'annexe",
            "operationId": "annexMissing",
            "requestBody": json_body("AnnexRequest"),
            "responses": {
                "200": json_response(
                    ref("MissingValues"), "Les valeurs manquantes (liste vide : aucune)"
                ),
                **problems(400, 404, 409, 422),
            },
        }
    },
    "/analyses/{analysis_id}/report.pdf": {
        "get": {
            "summary": "Le rapport d'une analyse en PDF",
            "operationId": "getAnalysisReportPdf",
            "parameters": [ANALYSIS_ID],
            "responses": {
                "200": binary_response("application/pdf", "Le rapport (PDF, affiché en ligne)"),
                "202": {
                    **json_response(
                        ref("Job"),
                        "Rapport long : préparé en arrière-plan ; suivre le travail indiqué "
                        "par Location",
                    ),
                    "headers": {"Location": {"schema": STR, "description": "/api/jobs/{id}"}},
                },
                **problems(404, 503),
            },
        }
    },
    "/jobs/{job_id}": {
        "get": {
            "summary": "Un travail en arrière-plan : état, avancement, fichier produit",
            "operationId": "getJob",
            "parameters": [JOB_ID],
            "responses": {"200": json_response(ref("Job"), "Le travail"), **problems(404)},
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
                **problems(404, 409),
            },
        }
    },
    "/template-sets": {
        "get": {
            "summary": "Ensembles de clauses par type de contrat",
            "operationId": "listTemplateSets",
            "parameters": [param("contract_type", "query", STR, "Type de contrat")],
            "responses": {
                "200": items_of("TemplateSet", "Les ensembles"),
                **problems(400),
            },
        }
    },
    "/template-sets/{set_id}": {
        "get": {
            "summary": "Un ensemble de clauses",
            "operationId": "getTemplateSet",
            "parameters": [param("set_id", "path", STR, "Identifiant de l'ensemble")],
            "responses": {"200": json_response(ref("TemplateSet"), "L'ensemble"), **problems(404)},
        }
    },
    "/organisations/{org}/templates": {
        "get": {
            "summary": "Modèles DOCX d'annexe de l'organisation",
            "operationId": "listOrgTemplates",
            "parameters": [ORG],
            "responses": {
                "200": items_of("OrgTemplate", "Les modèles, du plus récent au plus ancien"),
                **problems(404),
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
                "201": json_response(ref("OrgTemplate"), "Le modèle enregistré"),
                **problems(400, 404, 413, 422),
            },
        },
    },
    "/organisations/{org}/templates/{template_id}": {
        "get": {
            "summary": "Un modèle de l'organisation",
            "operationId": "getOrgTemplate",
            "parameters": [ORG, TEMPLATE_ID],
            "responses": {"200": json_response(ref("OrgTemplate"), "Le modèle"), **problems(404)},
        }
    },
    "/organisations/{org}/templates/{template_id}/file": {
        "get": {
            "summary": "Le fichier DOCX d'un modèle de l'organisation",
            "operationId": "getOrgTemplateFile",
            "parameters": [ORG, TEMPLATE_ID],
            "responses": {"200": binary_response(DOCX, "Le modèle (DOCX)"), **problems(404)},
        }
    },
}
