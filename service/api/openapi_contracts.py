"""The delivery follow-up's part of the OpenAPI document: organisations, contracts,
obligations, deliveries, dashboards and calendars (merged by ``openapi.document``)."""

from __future__ import annotations

from typing import Any

from service.api.openapi_parts import (
    DATE,
    INT,
    NULL_STR,
    ORG,
    STR,
    items_of,
    json_body,
    json_response,
    param,
    problems,
    ref,
)

STATUSES = ["upcoming", "due", "on_time", "late", "missing", "invalid"]
FORMATS = ["csv", "geojson", "json", "xlsx", "zip_shp", "pdf"]
FREQUENCIES = ["monthly", "quarterly", "half_yearly", "yearly", "once", "end_of_contract"]

REFERENCE = param("reference", "path", STR, "Référence du contrat")
DATASET = param("dataset", "path", STR, "Identifiant du jeu de données")
DELIVERY_ID = {
    "name": "delivery_id",
    "in": "path",
    "required": True,
    "schema": INT,
    "description": "Numéro de la livraison",
}
AT = {
    "name": "at",
    "in": "query",
    "required": False,
    "schema": DATE,
    "description": "Jour du calcul (aujourd'hui, heure de Paris, par défaut)",
}
ICS = {"description": "Flux iCalendar", "content": {"text/calendar": {"schema": STR}}}

AMENDMENT_CHANGE = {
    "type": "object",
    "required": ["kind"],
    "description": "« terms » : dataset et les termes qui changent (frequency, delay_days,"
    " format, table_schema, due_on) ; « end » : dataset, qui n'est plus dû ; « add » : un"
    " nouveau jeu (champs d'une obligation) ; « contract_end » : end_on, nouvelle fin du"
    " contrat.",
    "properties": {
        "kind": {"enum": ["terms", "end", "add", "contract_end"]},
        "dataset": STR,
        "title": STR,
        "description": STR,
        "frequency": {"enum": FREQUENCIES},
        "delay_days": INT,
        "format": {"enum": FORMATS},
        "table_schema": {"type": ["object", "null"]},
        "due_on": {"type": ["string", "null"], "format": "date"},
        "deliverer": {"enum": ["titulaire", "acheteur"]},
        "end_on": DATE,
    },
}

SCHEMAS: dict[str, Any] = {
    "AnnexImport": {
        "type": "object",
        "required": ["items", "unchanged", "proposed_changes", "amendment_changes"],
        "properties": {
            "items": {"type": "array", "items": ref("Obligation")},
            "unchanged": {"type": "array", "items": STR},
            "ended": {"type": "array", "items": STR},
            "proposed_changes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "dataset": STR,
                        "annex_row": STR,
                        "before": {"type": "object"},
                        "after": {"type": "object"},
                    },
                },
            },
            "amendment_changes": {"type": "array", "items": AMENDMENT_CHANGE},
            "clauses_attached": {"type": "array", "items": {"type": "object"}},
            "clauses_unknown": {"type": "array", "items": {"type": "object"}},
            "clauses_other_version": {
                "type": "array",
                "description": "Clauses que le contrat porte déjà dans une autre version :"
                " signalées, non rattachées.",
                "items": {
                    "type": "object",
                    "properties": {"clause": STR, "version": INT, "contract_version": INT},
                },
            },
        },
    },
    "AmendmentInput": {
        "type": "object",
        "required": ["effective_on", "reason", "author", "changes"],
        "properties": {
            "effective_on": DATE,
            "signed_on": DATE,
            "title": STR,
            "reason": STR,
            "author": STR,
            "changes": {"type": "array", "minItems": 1, "items": AMENDMENT_CHANGE},
        },
    },
    "Amendment": {
        "type": "object",
        "required": ["number", "title", "effective_on", "reason", "author", "changes"],
        "properties": {
            "number": INT,
            "title": STR,
            "signed_on": DATE,
            "effective_on": DATE,
            "reason": STR,
            "author": STR,
            "created_at": STR,
            "changes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {
                            "enum": [
                                "obligation_terms",
                                "obligation_end",
                                "obligation_added",
                                "contract_end",
                            ]
                        },
                        "dataset": NULL_STR,
                        "before": {"type": ["object", "null"]},
                        "after": {"type": ["object", "null"]},
                        "summary": STR,
                    },
                },
            },
        },
    },
    "Organisation": {
        "type": "object",
        "required": ["slug", "name"],
        "properties": {"slug": STR, "name": STR},
    },
    "ObligationInput": {
        "type": "object",
        "required": ["dataset", "title", "format", "frequency"],
        "properties": {
            "dataset": STR,
            "title": STR,
            "description": STR,
            "format": {"enum": FORMATS},
            "table_schema": {"type": ["object", "null"]},
            "frequency": {"enum": FREQUENCIES},
            "delay_days": INT,
            "due_on": {"type": ["string", "null"], "format": "date"},
            "deliverer": {"enum": ["titulaire", "acheteur"]},
        },
    },
    "Obligation": {
        "type": "object",
        "required": ["dataset", "title", "format", "frequency", "delay_days", "periods"],
        "properties": {
            "dataset": STR,
            "title": STR,
            "description": STR,
            "format": {"enum": FORMATS},
            "table_schema": {"type": ["object", "null"]},
            "frequency": {"enum": FREQUENCIES},
            "delay_days": INT,
            "due_on": NULL_STR,
            "deliverer": {"enum": ["titulaire", "acheteur"]},
            "periods": INT,
            "ended_on": {"type": ["string", "null"], "format": "date"},
            "terms": {
                "type": "array",
                "description": "Les termes successifs (le premier : ceux de l'obligation ;"
                " les suivants : ceux d'un avenant, à compter de leur date d'effet).",
                "items": {
                    "type": "object",
                    "properties": {
                        "effective_on": DATE,
                        "frequency": {"enum": FREQUENCIES},
                        "delay_days": INT,
                        "format": {"enum": FORMATS},
                        "due_on": {"type": ["string", "null"], "format": "date"},
                        "amendment": {"type": ["integer", "null"]},
                    },
                },
            },
        },
    },
    "ContractInput": {
        "type": "object",
        "required": ["reference", "title", "kind", "titulaire", "start", "end"],
        "properties": {
            "reference": STR,
            "title": STR,
            "kind": {"enum": ["concession", "dsp", "marche"]},
            "titulaire": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": STR, "siren": NULL_STR},
            },
            "start": DATE,
            "end": DATE,
            "clauses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["clause", "version"],
                    "properties": {"clause": STR, "version": INT},
                },
            },
            "obligations": {"type": "array", "items": ref("ObligationInput")},
        },
    },
    "Contract": {
        "type": "object",
        "required": [
            "organisation",
            "reference",
            "title",
            "kind",
            "titulaire",
            "start",
            "end",
            "clauses",
            "obligations",
        ],
        "properties": {
            "organisation": STR,
            "reference": STR,
            "title": STR,
            "kind": {"enum": ["concession", "dsp", "marche"]},
            "titulaire": {
                "type": "object",
                "properties": {"name": STR, "siren": NULL_STR},
            },
            "start": STR,
            "end": STR,
            "clauses": {"type": "array", "items": {"type": "object"}},
            "obligations": {"type": "array", "items": ref("Obligation")},
            "amendments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"number": INT, "title": STR, "effective_on": DATE},
                },
            },
        },
    },
    "Delivery": {
        "type": "object",
        "required": [
            "id",
            "period",
            "filename",
            "size",
            "sha256",
            "received_at",
            "sender",
            "sender_role",
            "valid",
            "supersedes",
            "report",
            "file",
        ],
        "properties": {
            "id": INT,
            "period": {
                "type": "object",
                "required": ["start", "end"],
                "properties": {"start": STR, "end": STR},
            },
            "filename": STR,
            "size": INT,
            "sha256": STR,
            "received_at": STR,
            "sender": STR,
            "sender_role": {"enum": ["titulaire", "acheteur"]},
            "valid": {"type": "boolean"},
            "supersedes": {"type": ["integer", "null"]},
            "note": STR,
            "report": {
                "type": "object",
                "required": ["valid", "checks", "errors"],
                "properties": {
                    "valid": {"type": "boolean"},
                    "checks": {"type": "array", "items": {"type": "object"}},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
            },
            "file": STR,
        },
    },
    "Dashboard": {
        "type": "object",
        "required": ["at", "contracts", "counts", "compliance", "overdue_total", "overdue"],
        "properties": {
            "at": STR,
            "contracts": INT,
            "counts": {
                "type": "object",
                "required": STATUSES,
                "properties": {status: INT for status in STATUSES},
            },
            "compliance": {
                "type": "object",
                "required": ["since", "on_time", "settled", "rate"],
                "properties": {
                    "since": STR,
                    "on_time": INT,
                    "settled": INT,
                    "rate": {"type": ["number", "null"]},
                },
            },
            "overdue_total": INT,
            "overdue": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["contract", "dataset", "period", "due", "status", "days"],
                    "properties": {
                        "contract": STR,
                        "organisation": STR,
                        "dataset": STR,
                        "period": STR,
                        "start": STR,
                        "end": STR,
                        "due": STR,
                        "status": {"enum": ["late", "missing", "invalid"]},
                        "status_label": STR,
                        "days": INT,
                    },
                },
            },
            "timelines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["dataset", "periods"],
                    "properties": {
                        "dataset": STR,
                        "periods": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["start", "end", "due", "label", "status"],
                                "properties": {
                                    "start": STR,
                                    "end": STR,
                                    "due": STR,
                                    "label": STR,
                                    "status": {"enum": STATUSES},
                                    "days": INT,
                                    "deliveries": INT,
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

BASE = "/organisations/{org}/contracts/{reference}"
DELIVERIES = BASE + "/obligations/{dataset}/deliveries"
DELIVERY_FORM = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "period", "sender"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "period": {
                        "type": "string",
                        "description": "2025-03, 2025-T1, 2025-S2, 2025 ou un jour de la période",
                    },
                    "sender": STR,
                    "sender_role": {"enum": ["titulaire", "acheteur"]},
                    "received_at": {
                        "type": "string",
                        "description": "Réception par un autre canal, par l'acheteur seulement"
                        " (ISO 8601 avec fuseau)",
                    },
                    "note": STR,
                },
            }
        }
    },
}

PATHS: dict[str, Any] = {
    "/organisations": {
        "get": {
            "summary": "Organisations",
            "responses": {"200": items_of("Organisation", "Les organisations")},
        },
        "post": {
            "summary": "Créer une organisation",
            "requestBody": json_body("Organisation"),
            "responses": {
                "201": json_response(ref("Organisation"), "L'organisation créée"),
                "200": json_response(ref("Organisation"), "Elle existait déjà, sous ce nom"),
                **problems(400, 409, 422),
            },
        },
    },
    "/organisations/{org}/contracts": {
        "parameters": [ORG],
        "get": {
            "summary": "Contrats d'une organisation",
            "responses": {
                "200": items_of("Contract", "Les contrats"),
                **problems(404),
            },
        },
        "post": {
            "summary": "Créer un contrat et ses obligations",
            "requestBody": json_body("ContractInput"),
            "responses": {
                "201": json_response(ref("Contract"), "Le contrat créé"),
                **problems(400, 404, 409, 422),
            },
        },
    },
    "/organisations/{org}/dashboard": {
        "parameters": [ORG],
        "get": {
            "summary": "Tableau de bord des contrats d'une organisation",
            "parameters": [AT],
            "responses": {
                "200": json_response(ref("Dashboard"), "Le tableau de bord"),
                **problems(400, 404),
            },
        },
    },
    "/organisations/{org}/calendar.ics": {
        "parameters": [ORG],
        "get": {
            "summary": "Échéances des contrats d'une organisation (iCalendar)",
            "responses": {"200": ICS, **problems(404)},
        },
    },
    "/dashboard": {
        "get": {
            "summary": "Tableau de bord de tous les contrats",
            "parameters": [AT],
            "responses": {
                "200": json_response(ref("Dashboard"), "Le tableau de bord"),
                **problems(400),
            },
        }
    },
    BASE: {
        "parameters": [ORG, REFERENCE],
        "get": {
            "summary": "Un contrat",
            "responses": {"200": json_response(ref("Contract"), "Le contrat"), **problems(404)},
        },
    },
    BASE + "/dashboard": {
        "parameters": [ORG, REFERENCE],
        "get": {
            "summary": "Tableau de bord d'un contrat, avec la frise de chaque obligation",
            "parameters": [AT],
            "responses": {
                "200": json_response(ref("Dashboard"), "Le tableau de bord"),
                **problems(400, 404),
            },
        },
    },
    BASE + "/calendar.ics": {
        "parameters": [ORG, REFERENCE],
        "get": {
            "summary": "Échéances d'un contrat (iCalendar)",
            "responses": {"200": ICS, **problems(404)},
        },
    },
    BASE + "/obligations": {
        "parameters": [ORG, REFERENCE],
        "post": {
            "summary": "Ajouter une obligation de livraison",
            "requestBody": json_body("ObligationInput"),
            "responses": {
                "201": json_response(ref("Obligation"), "L'obligation et ses périodes"),
                **problems(400, 404, 409, 422),
            },
        },
    },
    BASE + "/obligations/annex": {
        "parameters": [ORG, REFERENCE],
        "post": {
            "summary": "Reprendre une annexe DOCX : tableau des livraisons et clauses",
            "description": "Lit le tableau « Jeu de données | Format | Fréquence | Délai » de "
            "l'annexe, tout ou rien : un jeu que le contrat ne suit pas encore devient une "
            "obligation (due dès le début du contrat, ou dès « starts_on », jamais avant) ; un "
            "jeu déjà suivi (même identifiant, même intitulé ou mêmes mots) n'est jamais "
            "dupliqué : s'il est écrit avec d'autres termes, le changement est proposé "
            "(« amendment_changes », à enregistrer comme avenant), pas appliqué. Les clauses du "
            "tableau de traçabilité sont rattachées au contrat. 201 si quelque chose a été "
            "ajouté, 200 sinon.",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "starts_on": DATE,
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": json_response(ref("AnnexImport"), "Rien de nouveau à reprendre"),
                "201": json_response(ref("AnnexImport"), "Ce qui a été repris et proposé"),
                **problems(400, 404, 413, 422),
            },
        },
    },
    BASE + "/amendments": {
        "parameters": [ORG, REFERENCE],
        "get": {
            "summary": "Avenants d'un contrat",
            "responses": {
                "200": items_of("Amendment", "Les avenants, du plus ancien au plus récent"),
                **problems(404),
            },
        },
        "post": {
            "summary": "Enregistrer un avenant",
            "description": "Change, à compter de la date d'effet, les termes d'une obligation "
            "(fréquence, délai, format, schéma), met fin à une obligation, en ajoute une ou "
            "déplace la fin du contrat. Les périodes commencées avant la date d'effet gardent "
            "leurs termes ; une période qui a déjà reçu une livraison n'est jamais supprimée ni "
            "redécoupée (l'avenant est alors refusé, avec la date à partir de laquelle il peut "
            "s'appliquer). Tout ou rien ; l'avenant est conservé tel quel.",
            "requestBody": json_body("AmendmentInput"),
            "responses": {
                "201": json_response(ref("Amendment"), "L'avenant et ses changements"),
                **problems(400, 404, 409, 422),
            },
        },
    },
    BASE + "/amendments/{number}": {
        "parameters": [
            ORG,
            REFERENCE,
            {
                "name": "number",
                "in": "path",
                "required": True,
                "schema": INT,
                "description": "Numéro de l'avenant",
            },
        ],
        "get": {
            "summary": "Un avenant et ses changements",
            "responses": {"200": json_response(ref("Amendment"), "L'avenant"), **problems(404)},
        },
    },
    DELIVERIES: {
        "parameters": [ORG, REFERENCE, DATASET],
        "get": {
            "summary": "Livraisons d'une obligation",
            "responses": {
                "200": items_of("Delivery", "Les livraisons, la plus récente d'abord"),
                **problems(404),
            },
        },
        "post": {
            "summary": "Déposer une livraison pour une période",
            "description": "Le fichier est validé (format, UTF-8, schéma de table). Un fichier "
            "illisible ou au mauvais format est refusé et rien n'est enregistré ; un fichier "
            "lisible qui enfreint le schéma est enregistré comme livraison invalide, avec son "
            "rapport. Une nouvelle livraison pour la même période remplace la précédente, qui "
            "est conservée.",
            "requestBody": DELIVERY_FORM,
            "responses": {
                "201": json_response(ref("Delivery"), "La livraison et son rapport de validation"),
                **problems(400, 404, 409, 413, 415, 422),
            },
        },
    },
    DELIVERIES + "/{delivery_id}": {
        "parameters": [ORG, REFERENCE, DATASET, DELIVERY_ID],
        "get": {
            "summary": "Une livraison et son rapport",
            "responses": {"200": json_response(ref("Delivery"), "La livraison"), **problems(404)},
        },
    },
    DELIVERIES + "/{delivery_id}/file": {
        "parameters": [ORG, REFERENCE, DATASET, DELIVERY_ID],
        "get": {
            "summary": "Le fichier livré, tel que reçu",
            "responses": {
                "200": {
                    "description": "Le fichier",
                    "content": {"application/octet-stream": {"schema": STR}},
                },
                **problems(404),
            },
        },
    },
}
