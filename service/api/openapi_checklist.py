"""The reversibility checklist's part of the OpenAPI document (merged by ``openapi.document``)."""

from __future__ import annotations

from typing import Any

from service.api.openapi_contracts import AT, REFERENCE
from service.api.openapi_parts import (
    BOOL,
    DATE,
    DOCX,
    INT,
    NULL_STR,
    ORG,
    STR,
    binary_response,
    json_response,
    obj,
    problems,
    ref,
)

ITEM_STATES = ["done", "pending", "not_provided"]


ITEM = {
    "name": "item",
    "in": "path",
    "required": True,
    "schema": STR,
    "description": "Élément de réversibilité (identifiant d'un élément requis de la famille)",
}
EVENT_ID = {
    "name": "event_id",
    "in": "path",
    "required": True,
    "schema": INT,
    "description": "Numéro de la coche portant la pièce",
}
DELIVERY_EVIDENCE = obj(
    ["id", "dataset", "period", "filename", "sha256", "received_at", "on_time"],
    {
        "id": INT,
        "dataset": STR,
        "period": STR,
        "filename": STR,
        "sha256": STR,
        "received_at": STR,
        "on_time": BOOL,
    },
)
EVENT = obj(
    ["id", "item", "state", "note", "filename", "sha256", "author", "created_at"],
    {
        "id": INT,
        "item": STR,
        "state": {"enum": ["done", "pending"]},
        "note": STR,
        "filename": NULL_STR,
        "sha256": NULL_STR,
        "author": STR,
        "created_at": STR,
    },
)
ITEM_LINE = obj(
    ["item", "label", "essential", "provided", "state", "state_label", "evidence", "deliveries"],
    {
        "item": STR,
        "label": STR,
        "explanation": STR,
        "essential": BOOL,
        "provided": {"type": "boolean", "description": "La clause du contrat prévoit l'élément"},
        "state": {"enum": ITEM_STATES},
        "state_label": STR,
        "evidence": {"oneOf": [ref("ChecklistEvent"), {"type": "null"}]},
        "events": INT,
        "deliveries": {"type": "array", "items": ref("DeliveryEvidence")},
    },
)
DATASET_LINE = obj(
    [
        "dataset",
        "title",
        "format",
        "schema",
        "frequency",
        "periods_owed",
        "periods_delivered",
        "missing",
        "last_valid_delivery",
        "verdict",
    ],
    {
        "dataset": STR,
        "title": STR,
        "format": STR,
        "format_label": STR,
        "schema": {
            "oneOf": [
                obj(["name", "fields"], {"name": NULL_STR, "fields": INT}),
                {"type": "null"},
            ]
        },
        "frequency": STR,
        "frequency_label": STR,
        "delay_days": INT,
        "periods_owed": INT,
        "periods_delivered": INT,
        "periods_late": INT,
        "missing": {
            "type": "array",
            "items": obj(
                ["period", "due_on", "status"], {"period": STR, "due_on": DATE, "status": STR}
            ),
        },
        "last_valid_delivery": {"oneOf": [ref("DeliveryEvidence"), {"type": "null"}]},
        "verdict": {"enum": ["complete", "incomplete", "nothing_due"]},
    },
)
CHECKLIST = obj(
    ["organisation", "contract", "at", "has_clause", "clauses", "findings", "datasets", "items"],
    {
        "organisation": STR,
        "contract": obj(
            ["reference", "title", "titulaire", "start_on", "end_on"],
            {
                "reference": STR,
                "title": STR,
                "kind": STR,
                "titulaire": STR,
                "start_on": DATE,
                "end_on": DATE,
            },
        ),
        "at": DATE,
        "established_at": STR,
        "has_clause": {
            "type": "boolean",
            "description": "Le contrat contient une clause de réversibilité de la bibliothèque",
        },
        "clauses": {
            "type": "array",
            "items": obj(
                ["clause", "version", "title"], {"clause": STR, "version": INT, "title": STR}
            ),
        },
        "findings": {"type": "array", "items": STR},
        "datasets": {"type": "array", "items": ref("ChecklistDataset")},
        "items": {"type": "array", "items": ref("ChecklistItem")},
        "summary": obj(ITEM_STATES, dict.fromkeys(ITEM_STATES, INT)),
    },
)
SCHEMAS: dict[str, Any] = {
    "DeliveryEvidence": DELIVERY_EVIDENCE,
    "ChecklistEvent": EVENT,
    "ChecklistItem": ITEM_LINE,
    "ChecklistDataset": DATASET_LINE,
    "Checklist": CHECKLIST,
    "ChecklistItemHistory": {
        "allOf": [
            ref("ChecklistItem"),
            obj(["history"], {"history": {"type": "array", "items": ref("ChecklistEvent")}}),
        ]
    },
    "ChecklistTick": obj(
        ["event", "item"], {"event": ref("ChecklistEvent"), "item": ref("ChecklistItem")}
    ),
}
TICK_FIELDS = {
    "state": {"enum": ["done", "pending"], "description": "fait ou à faire"},
    "note": {
        "type": "string",
        "description": "Obligatoire pour « pending » et pour « done » sans fichier",
    },
    "author": STR,
}
BASE = "/organisations/{org}/contracts/{reference}/checklist"
PATHS: dict[str, Any] = {
    BASE: {
        "parameters": [ORG, REFERENCE],
        "get": {
            "summary": "La liste de contrôle de réversibilité du contrat à une date",
            "description": "Jeux de données dus (dernière livraison valide, complétude), puis "
            "éléments de fin de contrat requis par la famille « réversibilité » : fait, à faire "
            "ou non prévu au contrat (absent de la clause de réversibilité du contrat).",
            "parameters": [AT],
            "responses": {"200": json_response(ref("Checklist"), "La liste"), **problems(400, 404)},
        },
    },
    BASE + ".docx": {
        "parameters": [ORG, REFERENCE],
        "get": {
            "summary": "La liste de contrôle de réversibilité en DOCX",
            "parameters": [AT],
            "responses": {"200": binary_response(DOCX, "Le document Word"), **problems(400, 404)},
        },
    },
    BASE + ".pdf": {
        "parameters": [ORG, REFERENCE],
        "get": {
            "summary": "La liste de contrôle de réversibilité en PDF",
            "parameters": [AT],
            "responses": {
                "200": binary_response("application/pdf", "Le PDF"),
                **problems(400, 404),
            },
        },
    },
    BASE + "/items/{item}": {
        "parameters": [ORG, REFERENCE, ITEM],
        "get": {
            "summary": "Un élément de fin de contrat et l'historique de ses coches",
            "responses": {
                "200": json_response(
                    ref("ChecklistItemHistory"), "L'élément, coches les plus récentes d'abord"
                ),
                **problems(404, 422),
            },
        },
        "post": {
            "summary": "Cocher un élément (fait ou à faire), avec une note et une pièce",
            "description": "Chaque coche est conservée ; la plus récente donne l'état. « done » "
            "exige une note ou un fichier, « pending » une note qui dit pourquoi.",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": obj(["state", "author"], TICK_FIELDS)},
                    "multipart/form-data": {
                        "schema": obj(
                            ["state", "author"],
                            {**TICK_FIELDS, "file": {"type": "string", "format": "binary"}},
                        )
                    },
                },
            },
            "responses": {
                "201": json_response(ref("ChecklistTick"), "La coche enregistrée et l'élément"),
                **problems(400, 404, 413, 422),
            },
        },
    },
    BASE + "/files/{event_id}": {
        "parameters": [ORG, REFERENCE, EVENT_ID],
        "get": {
            "summary": "La pièce justificative d'une coche, telle que déposée",
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
