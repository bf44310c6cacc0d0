"""The OpenAPI 3.1 document of the API, served at ``/api/openapi.json``, generated from the
routes declared with ``@api_route`` and their pydantic models.

A test checks that every route of the API is documented with the same methods, that the
document is valid, and that real responses match the schemas declared.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from flask import Blueprint, current_app
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from service.api import (
    analyses,
    annexes,
    checklist,
    contracts,
    deliveries,
    jobs,
    library,
    org_templates,
    search,
    template_sets,
)
from service.api.declare import OPERATIONS, Operation, Reply, api_route, register_module, reply
from service.api.models.common import INT_MAX, OpenAPIDocument, PageQuery, Problem
from service.settings import defaults

MODULES = (
    library,
    search,
    analyses,
    jobs,
    annexes,
    template_sets,
    org_templates,
    contracts,
    deliveries,
    checklist,
)
REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"

#: What each error status means, said once for the whole document.
PROBLEM_WORDS = {
    400: "Requête invalide (corps qui n'est pas du JSON, paramètre illisible…)",
    401: "Authentification requise : jeton d'API absent, inconnu, révoqué ou expiré (ou "
    "session absente)",
    403: "Action non autorisée au rôle du jeton ou de la session, ou jeton CSRF absent d'une "
    "écriture authentifiée par la session",
    404: "Introuvable (ce qui appartient à une autre organisation l'est aussi)",
    409: "Conflit avec l'état actuel",
    413: "Trop volumineux",
    415: "Format non pris en charge",
    422: "Données invalides : « errors » liste chaque champ en cause",
    429: "Trop de requêtes de ce client (dépôts de fichiers, connexions) : réessayez après "
    "le délai de l'en-tête Retry-After",
    503: "Service momentanément indisponible (file des travaux, index de recherche)",
}
#: The path parameters of the API, described once.
PATH_PARAMS = {
    "clause_id": "Identifiant de la clause",
    "family_id": "Identifiant de la famille",
    "number": "Numéro de version",
    "analysis_id": "Numéro de l'analyse",
    "job_id": "Identifiant du travail",
    "set_id": "Identifiant de l'ensemble",
    "org": "Identifiant de l'organisation",
    "template_id": "Numéro du modèle",
    "reference": "Référence du contrat",
    "dataset": "Identifiant du jeu de données",
    "delivery_id": "Numéro de la livraison",
    "validation_id": "Identifiant de la validation en arrière-plan d'une livraison",
    "item": "Élément de réversibilité (identifiant d'un élément requis de la famille)",
    "event_id": "Numéro de la coche portant la pièce",
}


class _Generator(GenerateJsonSchema):
    """Schemas without a title on every property (the name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        """Never: a property is named by its key."""
        return False


def _schemas(model: type[BaseModel], into: dict[str, Any]) -> dict[str, str]:
    """Add the model and the models it uses to the components; return a reference to it."""
    schema = model.model_json_schema(ref_template=REF, schema_generator=_Generator)
    found = {model.__name__: schema, **schema.pop("$defs", {})}
    for name, value in found.items():
        if into.setdefault(name, value) != value:
            raise ValueError(f"two API models are named {name}")
    return {"$ref": REF.format(model=model.__name__)}


def _parameters(operation: Operation, max_page_size: int) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in _path_names(operation.rule):
        description = PATH_PARAMS[name]
        if name == "number" and "/amendments/" in operation.rule:
            description = "Numéro de l'avenant"
        # An <int:…> route matches 0 to the database's largest integer (http.BoundedInteger).
        schema = (
            {"type": "integer", "minimum": 0, "maximum": INT_MAX}
            if converter == "int"
            else {"type": "string"}
        )
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": schema,
                "description": description,
            }
        )
    if operation.query is not None:
        schema = operation.query.model_json_schema(ref_template=REF, schema_generator=_Generator)
        for name, prop in schema["properties"].items():
            prop = _query_schema(prop)
            if name == "per_page" and issubclass(operation.query, PageQuery):
                prop["maximum"] = max_page_size  # the setting page_of() holds it to
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in schema.get("required", []),
                    "description": prop.pop("description", name),
                    "schema": prop,
                }
            )
    return parameters


def _query_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's or a form field's schema: never null (a query string or a form has
    no null), no null default."""
    prop = dict(prop)
    options = [option for option in prop.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        prop |= options[0]
    elif options:
        prop["anyOf"] = options
    if prop.get("default", 0) is None:
        del prop["default"]
    return prop


def _path_names(rule: str) -> list[tuple[str, str]]:
    return re.findall(r"<(?:(\w+):)?(\w+)>", rule)


def _request_body(operation: Operation, components: dict[str, Any]) -> dict[str, Any] | None:
    content = {}
    if operation.body is not None:
        content["application/json"] = {"schema": _schemas(operation.body, components)}
    if operation.form is not None:
        content["multipart/form-data"] = {"schema": _schemas(operation.form, components)}
    return {"required": True, "content": content} if content else None


def _file_schema(media_type: str) -> dict[str, Any]:
    """A file sent as it was stored: bytes, or — a JSON file, or a file of any type — any
    content (a JSON one is read as JSON by clients)."""
    if media_type in ("application/json", "*/*") or media_type.endswith("+json"):
        return {"description": "Le fichier tel qu'il a été déposé"}
    return {"type": "string", "format": "binary"}


def _response(answer: Reply, components: dict[str, Any]) -> dict[str, Any]:
    content = {
        media_type: {
            "schema": _schemas(answer.model, components)
            if answer.model is not None
            else _file_schema(media_type)
        }
        for media_type in answer.media_types
    }
    response: dict[str, Any] = {"description": answer.description, "content": content}
    if answer.headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in answer.headers.items()
        }
    return response


#: How a call proves who it is: an API token, or the signed-in session of a browser (whose
#: writes carry the session's CSRF token in a header).
SECURITY_SCHEMES = {
    "jeton": {
        "type": "http",
        "scheme": "bearer",
        "description": "Jeton d'API (« clausier_… »), créé et révoqué dans la page des jetons : "
        "un utilisateur, une organisation, un rôle. En-tête « Authorization: Bearer <jeton> ». "
        "Aucun jeton CSRF n'est demandé.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "Session d'un navigateur connecté (cookie HttpOnly, SameSite=Lax). Ses "
        "écritures portent aussi l'en-tête « X-CSRF-Token » de la session.",
    },
    "agenda": {
        "type": "apiKey",
        "in": "query",
        "name": "jeton",
        "description": "Jeton du lien privé d'un agenda (POST …/calendar/private-link) : il "
        "n'ouvre que les flux .ics.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "Jeton CSRF de la session, exigé des écritures (POST, PATCH…) "
        "authentifiées par le cookie de session.",
    },
}
#: Either an API token, or the session (and for a write its CSRF token).
SECURITY = [{"jeton": []}, {"session": []}]
WRITE_SECURITY = [{"jeton": []}, {"session": [], "csrf": []}]


def _operation(
    operation: Operation, components: dict[str, Any], max_page_size: int
) -> dict[str, Any]:
    problems = set(operation.problems)
    if operation.right is not None:  # reached by an identity: none, or one not allowed
        problems |= {401, 403, 404}
    if operation.body is not None or operation.form is not None:
        problems |= {400, 422}
    if operation.form is not None:  # an upload: the client's rate and the upload slots
        problems |= {429, 503}
    if operation.query is not None:
        problems.add(400)
    result: dict[str, Any] = {"summary": operation.summary, "operationId": operation.operation_id}
    if operation.description:
        result["description"] = operation.description
    if parameters := _parameters(operation, max_page_size):
        result["parameters"] = parameters
    if body := _request_body(operation, components):
        result["requestBody"] = body
    responses = {
        str(status): _response(answer, components)
        for status, answer in sorted(operation.responses.items())
    }
    problem = _schemas(Problem, components)
    for status in sorted(problems):
        responses[str(status)] = {
            "description": PROBLEM_WORDS[status],
            "content": {PROBLEM_JSON: {"schema": problem}},
        }
    result["responses"] = responses
    if operation.right is None:
        result["security"] = []  # public: no identity asked
    elif operation.method != "GET":
        result["security"] = WRITE_SECURITY
    elif operation.rule.endswith("/calendar.ics"):
        result["security"] = [*SECURITY, {"agenda": []}]
    return result


@functools.cache
def _document(max_page_size: int) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    _schemas(Problem, components)
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, components, max_page_size
        )
    for form in {operation.form for operation in OPERATIONS if operation.form is not None}:
        # A multipart field is a text or a file, never null: an optional one is left out.
        schema = components[form.__name__]
        schema["properties"] = {
            name: _query_schema(prop) for name, prop in schema["properties"].items()
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API Clausier",
            "version": "0.1.0",
            "description": "Bibliothèque de clauses « données » des contrats publics. "
            "Les erreurs sont au format application/problem+json (RFC 9457) ; une erreur de "
            "champ a toujours la forme {field, message, code}. Chaque appel s'authentifie par "
            "un jeton d'API (Authorization: Bearer) ou par la session d'un navigateur connecté "
            "(ses écritures portent l'en-tête X-CSRF-Token) ; sans identité : 401 ; rôle "
            "insuffisant : 403 ; ce qui appartient à une autre organisation : 404.",
        },
        "servers": [{"url": "/api"}],
        "security": SECURITY,
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def document(max_page_size: int | None = None) -> dict[str, Any]:
    """Return the OpenAPI document (a copy: callers may change it) for a deployment whose
    ``MAX_PAGE_SIZE`` is ``max_page_size`` (the setting's default when not given)."""
    return copy.deepcopy(_document(max_page_size or defaults()["MAX_PAGE_SIZE"]))


@api_route(
    "/openapi.json",
    summary="Ce document",
    responses={200: reply(OpenAPIDocument, "Le document OpenAPI")},
)
def openapi() -> dict[str, Any]:
    """The OpenAPI document of this deployment."""
    return document(current_app.config["MAX_PAGE_SIZE"])


def register(api: Blueprint) -> None:
    """Serve the document."""
    register_module(api, openapi)
