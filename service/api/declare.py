"""An API route declared once: ``@api_route`` registers the view, reads and validates its
request through pydantic models and records the OpenAPI operation built from the same models.

The view receives the validated models as keyword arguments (``body``, ``form``, ``query``);
it returns what it returned before (a dict, a tuple with a status and headers, or a
``Response`` for a file). Under ``app.testing`` every JSON response is checked against the
model declared for its status, so the whole test suite holds the document to the truth.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, get_args, get_origin

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from service.api import field_errors
from service.api.models.common import UploadMarker
from service.auth import reach
from service.errors import InvalidInput, MalformedRequest

JSON = "application/json"


def json_body() -> dict[str, Any]:
    """The request's JSON object; ``MalformedRequest`` (400) when the body is not one."""
    if not request.is_json:
        raise MalformedRequest(
            "Le corps de la requête doit être un objet JSON (Content-Type: application/json)."
        )
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedRequest("Le corps de la requête n'est pas un objet JSON valide.")
    return data


@dataclass(frozen=True)
class Reply:
    """One response of an operation: a JSON model, or a file of a media type."""

    description: str
    model: type[BaseModel] | None = None
    media_types: tuple[str, ...] = (JSON,)
    headers: dict[str, str] = field(default_factory=dict)


def reply(model: type[BaseModel], description: str, *, location: str | None = None) -> Reply:
    """A JSON response of that model (``location``: what the Location header points to)."""
    return Reply(description, model, headers={"Location": location} if location else {})


def file_reply(media_type: str | tuple[str, ...], description: str) -> Reply:
    """A file response (DOCX, PDF, iCalendar, a delivered file…), of one media type or of
    one of several (a delivered file: its format's)."""
    media_types = (media_type,) if isinstance(media_type, str) else media_type
    return Reply(description, None, media_types)


@dataclass
class Operation:
    """One route of the API: its view, its request models, its responses."""

    rule: str
    method: str
    view: Callable[..., Any]
    summary: str
    description: str | None
    body: type[BaseModel] | None
    form: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, Reply]
    problems: tuple[int, ...]
    name: str | None = None
    right: str | None = None

    @property
    def path(self) -> str:
        """The OpenAPI path: ``/clauses/<int:number>`` → ``/clauses/{number}``."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def operation_id(self) -> str:
        """The name given, or the view's name in camelCase."""
        if self.name:
            return self.name
        head, *rest = self.view.__name__.split("_")
        return head + "".join(word.capitalize() for word in rest)


#: The path parameters naming what an operation reaches, for its right (``auth.reach``).
NAMED = ("org", "reference", "analysis_id", "job_id")

#: Every operation declared, in the order of declaration.
OPERATIONS: list[Operation] = []


def api_route(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    responses: dict[int, Reply],
    description: str | None = None,
    body: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    problems: tuple[int, ...] = (),
    max_bytes_setting: str | None = None,
    operation_id: str | None = None,
    right: str | None = None,
    admit: Callable[..., None] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API route: its request models, its responses and its French summary
    (``max_bytes_setting``: the setting that bounds its body, instead of MAX_CONTENT_LENGTH;
    ``operation_id``: when the view's name in camelCase is not the operation's published one;
    ``right``: the action of ``service.accounts.rights.RIGHTS`` it performs, checked before
    the request is read, on the organisation, contract or analysis its address names — None
    only for a public operation; ``admit``: called with the route's arguments before the body
    is read, it may refuse the request while that costs nothing)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        operation = Operation(
            rule,
            method,
            view,
            summary,
            description,
            body,
            form,
            query,
            responses,
            problems,
            operation_id,
            right,
        )

        @functools.wraps(view)
        def handle(**kwargs: Any) -> Any:
            if right is not None:
                named = {k: kwargs[k] for k in NAMED if k in kwargs}
                reach(right, **named)
            if max_bytes_setting is not None:
                request.max_content_length = current_app.config[max_bytes_setting]
            if admit is not None:
                admit(**kwargs)
            if query is not None:
                kwargs["query"] = _parse_query(query)
            if body is not None and (form is None or request.is_json):
                kwargs["body"] = _parse_body(body)
            elif form is not None:
                kwargs["form"] = _parse_form(form)
            if body is not None and form is not None:
                kwargs.setdefault("body", None)
                kwargs.setdefault("form", None)
            result = view(**kwargs)
            if current_app.testing:
                _check_reply(operation, result)
            return result

        handle.operation = operation  # type: ignore[attr-defined]
        OPERATIONS.append(operation)
        return handle

    return decorate


def register_module(api: Blueprint, *views: Callable[..., Any]) -> None:
    """Add the declared views to the API blueprint, each under its function's name."""
    for handle in views:
        operation: Operation = handle.operation  # type: ignore[attr-defined]
        api.add_url_rule(
            operation.rule,
            endpoint=operation.view.__name__,
            view_func=handle,
            methods=[operation.method],
        )


# -- reading the request -------------------------------------------------------------------


def page_of(query: Any) -> tuple[int, int]:
    """(page, per_page) of a query with ``page`` and ``per_page``, within the settings' bound."""
    config = current_app.config
    per_page = query.per_page or config["PAGE_SIZE"]
    if per_page > config["MAX_PAGE_SIZE"]:
        message = f"doit être entre 1 et {config['MAX_PAGE_SIZE']}"
        raise MalformedRequest(
            f"Le paramètre « per_page » {message}.",
            errors=[{"field": "per_page", "message": message, "code": "range"}],
        )
    return query.page, per_page


def _integral(text: str) -> int | float:
    """A JSON number with a fraction: an integer when the fraction is zero (``100.0``), as
    JSON Schema counts it, so that an ``integer`` field takes it."""
    number = float(text)
    return int(number) if number.is_integer() else number


def _parse_body(model: type[BaseModel]) -> BaseModel:
    json_body()  # 400 when the body is not a JSON object
    # Read again with integral numbers as integers, then strictly by the model.
    raw = json.dumps(json.loads(request.get_data(), parse_float=_integral))
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as error:
        errors = field_errors.from_validation(error)
        raise InvalidInput(field_errors.summary(errors), errors=errors) from None


def _parse_query(model: type[BaseModel]) -> BaseModel:
    # A parameter given empty (``?at=``) is a value like any other: refused where the model
    # asks for a day, a number or a non-empty text, never taken as absent.
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        errors = field_errors.from_validation(error)
        raise MalformedRequest(field_errors.summary(errors, "paramètre"), errors=errors) from None


def _is_upload(info: FieldInfo) -> bool:
    """Whether a form field is an ``Upload`` (or an optional one)."""
    metadata = list(info.metadata)
    for arg in get_args(info.annotation):
        if get_origin(arg) is Annotated:
            metadata += arg.__metadata__
    return any(isinstance(item, UploadMarker) for item in metadata)


def _parse_form(model: type[BaseModel]) -> BaseModel:
    values: dict[str, Any] = {name: value for name, value in request.form.items() if value}
    for name, info in model.model_fields.items():
        if not _is_upload(info):
            continue
        values.pop(name, None)  # a text in a file's field is no file
        upload = request.files.get(name)
        if upload is not None and upload.filename:
            values[name] = upload
        elif info.is_required():
            raise MalformedRequest(
                f"Envoyez le fichier dans le champ « {name} » d'un formulaire multipart/form-data.",
                errors=[{"field": name, "message": "fichier obligatoire", "code": "missing"}],
            )
    try:
        return model.model_validate(values)
    except ValidationError as error:
        errors = field_errors.from_validation(error)
        raise InvalidInput(field_errors.summary(errors), errors=errors) from None


# -- checking the response (tests) -----------------------------------------------------------


def _check_reply(operation: Operation, result: Any) -> None:
    """Fail loudly when a view answers a status or a body its declaration does not describe
    (a member the model does not name included)."""
    if isinstance(result, Response):
        status, data = result.status_code, None
    elif isinstance(result, tuple):
        data, status = result[0], result[1]
    else:
        data, status = result, 200
    declared = operation.responses.get(status)
    where = f"{operation.method} {operation.rule} → {status}"
    if declared is None:
        raise AssertionError(f"{where}: status not declared")
    if isinstance(data, dict) and declared.model is not None:
        try:
            declared.model.model_validate(data, extra="forbid")
        except ValidationError as error:
            raise AssertionError(f"{where}: body does not match {declared.model.__name__}") from (
                error
            )
