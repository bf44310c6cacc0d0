"""Models shared by every resource: the problem and its field errors, pages, small types."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError


class UploadMarker:
    """Marks a form field that carries a file."""


#: A file field of a multipart form (a werkzeug ``FileStorage``).
Upload = Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"}), UploadMarker()]

#: A text that must not be empty.
Text = Annotated[str, StringConstraints(min_length=1)]
INT_MAX = 2**31 - 1


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _written_day(value: Any) -> Any:
    # pydantic reads "0" or 1700000000 as a Unix time: a day is written AAAA-MM-JJ.
    if isinstance(value, dt.date):
        return value
    try:
        if isinstance(value, str) and _DAY.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise PydanticCustomError("date_parsing", "Input should be a valid date")


def _written_moment(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    try:
        if isinstance(value, str) and _MOMENT.match(value):
            return dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    raise PydanticCustomError("datetime_parsing", "Input should be a valid datetime")


#: A day, written AAAA-MM-JJ (never a number of seconds).
Day = Annotated[dt.date, BeforeValidator(_written_day)]
#: A date and time in ISO 8601 (never a number of seconds).
Moment = Annotated[dt.datetime, BeforeValidator(_written_moment)]


def _number_as_text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


#: A text; a number is accepted and written as text.
TextValue = Annotated[str, BeforeValidator(_number_as_text)]


def documented_enum(*values: str) -> Callable[[dict[str, Any]], None]:
    """Document the values a text accepts while the domain checks them (and answers 422)."""

    def update(schema: dict[str, Any]) -> None:
        for key in ("anyOf", "type", "default"):
            schema.pop(key, None)
        schema["enum"] = list(values)

    return update


def documented_items(*values: str) -> Callable[[dict[str, Any]], None]:
    """Document the values each text of a list accepts while the domain checks them (422)."""

    def update(schema: dict[str, Any]) -> None:
        for option in [schema, *schema.get("anyOf", [])]:
            if option.get("type") == "array":
                option["items"] = {"enum": list(values)}

    return update


#: A text with something in it (not only spaces).
NOT_BLANK = r"\S"


class FieldError(BaseModel):
    """Une erreur de champ : le chemin du champ en cause (« changes[0].delay_days »,
    « titulaire.siren », « values.penalite » ; vide : la requête ou le fichier entier), ce qui
    ne va pas en français et, souvent, un code (missing, type, enum, format, unknown…)."""

    field: str
    message: str
    code: str | None = None


class Problem(BaseModel):
    """Une erreur, au format application/problem+json (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str = Field(description="Ce qui s'est passé, en français")
    errors: list[FieldError] = Field(
        default=[], description="Les champs en cause (absent quand la requête entière est en cause)"
    )


class PageQuery(BaseModel):
    """Pagination."""

    page: int = Field(1, ge=1, le=INT_MAX, description="Page (à partir de 1)")
    per_page: int | None = Field(
        None,
        ge=1,
        le=INT_MAX,
        description="Éléments par page (au plus MAX_PAGE_SIZE, réglage du déploiement)",
    )


class ClauseRef(BaseModel):
    """Une clause de la bibliothèque dans une version."""

    clause: str
    version: int


class Server(BaseModel):
    """Où l'API répond."""

    url: str


class OpenAPIDocument(BaseModel):
    """Le document OpenAPI 3.1 de l'API."""

    openapi: str
    info: dict[str, Any] = Field(description="Titre, version et description de l'API")
    servers: list[Server]
    security: list[dict[str, list[str]]] = Field(
        description="Les authentifications acceptées par défaut : un jeton d'API, ou la session"
    )
    paths: dict[str, Any] = Field(description="Les opérations, par chemin et par méthode")
    components: dict[str, Any] = Field(description="Les schémas nommés et les schémas de sécurité")
