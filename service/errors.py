"""The exception tree of Clausier and the one builder of ``application/problem+json`` bodies.

Domain code raises these; the API and the pages turn them into responses, the CLI into a
message and an exit code. Each exception's ``detail`` is French, written for the person who
will read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

PROBLEM_MIMETYPE = "application/problem+json"


class ClausierError(Exception):
    """Something went wrong in Clausier; ``detail`` says what, in French."""

    title = "Erreur"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(ClausierError):
    """The thing asked for does not exist."""

    title = "Introuvable"


class InvalidInput(ClausierError):
    """The input was read but does not follow the rules; ``errors`` lists each problem."""

    title = "Données invalides"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class MalformedRequest(ClausierError):
    """The request cannot be read: not JSON, a parameter of the wrong type…"""

    title = "Requête invalide"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class Conflict(ClausierError):
    """The request contradicts the current state of what it addresses."""

    title = "Conflit"


# -- library ------------------------------------------------------------------------------


class LibraryError(ClausierError):
    """A clause library operation failed."""

    title = "Erreur de la bibliothèque"


class FamilyNotFound(NotFound, LibraryError):
    """No clause family has that identifier."""


class ClauseNotFound(NotFound, LibraryError):
    """No clause has that identifier."""


class VersionNotFound(NotFound, LibraryError):
    """The clause has no version with that number."""


class TemplateSetNotFound(NotFound, LibraryError):
    """No template set has that identifier."""


class ClauseExists(Conflict, LibraryError):
    """A clause with that identifier already exists."""


class InvalidClause(InvalidInput, LibraryError):
    """A clause version's content breaks a rule (unknown variable, unknown element…)."""


class ApprovedVersionImmutable(Conflict, LibraryError):
    """Someone tried to change or delete an approved or retired version."""

    title = "Version figée"


class VersionNumberTaken(Conflict, LibraryError):
    """The version number asked for is not the clause's next one: another version holds it."""

    title = "Numéro de version déjà pris"


class InvalidTransition(Conflict, LibraryError):
    """The status change asked for is not allowed from the version's current status."""

    title = "Changement de statut impossible"


@dataclass(frozen=True)
class FileProblem:
    """One problem found in one file of a library directory."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class ImportRejected(InvalidInput, LibraryError):
    """A library import found malformed files; nothing was written."""

    title = "Import refusé"

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__(
            f"Import annulé : {len(problems)} problème(s), rien n'a été enregistré.",
            errors=[{"file": p.file, "line": p.line, "reason": p.reason} for p in problems],
        )
        self.problems = problems


class ServiceUnavailable(ClausierError):
    """Something Clausier relies on (the search index, the job queue) does not answer now."""


class SearchError(ServiceUnavailable):
    """The search index could not answer."""

    title = "Erreur de recherche"


class InvalidQuery(InvalidInput, SearchError):
    """The search query cannot be understood."""


# -- analysis -----------------------------------------------------------------------------


class AnalysisError(ClausierError):
    """A document could not be analysed."""

    title = "Analyse impossible"


class SeveralDocuments(InvalidInput, AnalysisError):
    """Several files were sent for one analysis: none is analysed, none is dropped."""

    title = "Un seul document par analyse"


class DocumentUnreadable(InvalidInput, AnalysisError):
    """The file is of a known kind but cannot be read (scanned, encrypted, corrupt…)."""

    title = "Document illisible"


class UnsupportedFormat(AnalysisError):
    """The file is not of a kind Clausier reads (a .doc, an image…)."""

    title = "Format non pris en charge"


class DocumentTooLarge(AnalysisError):
    """The file, or a part of it once uncompressed, is larger than allowed."""

    title = "Document trop volumineux"


# -- Deliveries ---------------------------------------------------------------------------


class DeliveryError(ClausierError):
    """A contract, obligation or delivery operation failed."""


class ContractNotFound(NotFound, DeliveryError):
    """No contract of the organisation has that reference."""


class ObligationNotFound(NotFound, DeliveryError):
    """The contract owes no dataset of that name."""


class InvalidContract(InvalidInput, DeliveryError):
    """A contract or obligation breaks a rule (dates, frequency, schema…)."""


class PeriodOutsideContract(InvalidInput, DeliveryError):
    """A delivery names a period the obligation does not expect."""


class OrganisationExists(Conflict):
    """An organisation already has that slug, under another name."""

    title = "Organisation existante"


class RecordKept(Conflict, DeliveryError):
    """Someone tried to change or delete a delivery, a checklist event or an amendment (its
    changes, the terms it set), which are kept."""


# -- HTTP ---------------------------------------------------------------------------------


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """Build an RFC 9457 ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)


def status_for(error: ClausierError) -> int:
    """Return the HTTP status that stands for a domain error."""
    if isinstance(error, MalformedRequest):
        return 400
    if isinstance(error, UnsupportedFormat):
        return 415
    if isinstance(error, DocumentTooLarge):
        return 413
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, InvalidInput):
        return 422
    return 503 if isinstance(error, ServiceUnavailable) else 500
