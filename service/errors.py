"""The exception tree of Clausier, its one field-error shape, and the HTTP status each error
stands for (the problem+json body is built by ``service.http``).

Domain code raises these; the API and the pages turn them into responses, the CLI into a
message and an exit code. Each exception's ``detail`` is French, written for the person who
will read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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


def field_error(item: Mapping[str, Any]) -> dict[str, str]:
    """One problem in the one shape every face shows: ``field`` (the field, parameter or
    ``file:line`` it is about, "" for the request as a whole), ``message`` (French) and an
    optional machine ``code``."""
    field = item.get("field")
    if field is None:
        field = item.get("name") or item.get("file") or ""
    message = str(item.get("message") or item.get("reason") or "")
    if item.get("line"):
        message = f"ligne {item['line']} : {message}"
    shaped = {"field": str(field), "message": message}
    if item.get("code"):
        shaped["code"] = str(item["code"])
    return shaped


class InvalidInput(ClausierError):
    """The input was read but does not follow the rules; ``errors`` lists each problem, in the
    one shape of :func:`field_error`."""

    title = "Données invalides"

    def __init__(
        self, detail: str, errors: list[dict[str, Any]] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        self.errors = [field_error(item) for item in errors or []]


class MalformedRequest(ClausierError):
    """The request cannot be read: not JSON, a parameter of the wrong type…"""

    title = "Requête invalide"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.errors = [field_error(item) for item in errors or []]


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
            errors=[{"file": p.file, "line": p.line, "message": p.reason} for p in problems],
        )
        self.problems = problems


class ServiceUnavailable(ClausierError):
    """Something Clausier relies on (the search index, the job queue) does not answer now."""


class UploadsBusy(ServiceUnavailable):
    """Every slot for uploads is taken: the upload is refused before it is read, to be sent
    again in ``retry_after`` seconds."""

    title = "Service occupé"


class TooManyRequests(ClausierError):
    """One client sent more of some request than its limit allows: the next must wait
    ``retry_after`` seconds."""

    title = "Trop de requêtes"


class UploadsTooFrequent(TooManyRequests):
    """One client sent more uploads than ``UPLOAD_RATE_LIMIT`` allows: refused before it is
    read."""

    title = "Trop de dépôts"


class SearchError(ServiceUnavailable):
    """The search index could not answer."""

    title = "Erreur de recherche"


class InvalidQuery(InvalidInput, SearchError):
    """The search query cannot be understood."""


class DatabaseRoleRefused(ClausierError):
    """The application's database role cannot be given least privilege (see service/migrate.py)."""


# -- uploads (service/limits.py) ---------------------------------------------------------


class ContentTooLarge(ClausierError):
    """An upload, or a part of it once uncompressed, is larger than allowed (the bounds of
    ``service.limits``); each domain raises its own kind."""

    title = "Fichier trop volumineux"


class ContentUnreadable(InvalidInput):
    """An upload cannot be read safely: damaged archive, XML with a DOCTYPE…; each domain
    raises its own kind."""

    title = "Fichier illisible"


# -- budgets (service/budget.py) ---------------------------------------------------------


class BudgetExceeded(InvalidInput):
    """Heavy work on what was sent (filling a template, validating a delivery, reading a PDF)
    took more memory or time than its budget, or made its worker process fail, and was
    stopped; each domain raises its own kind, which names the work and what to do."""

    title = "Traitement trop lourd"
    #: The work, as the sentence of ``detail`` names it.
    work = "le traitement demandé"
    #: What the person who sent it can do.
    advice = ""

    def __init__(self, resource: str, limit: str = "", cause: str = "") -> None:
        if resource in {"memory", "time"}:
            what = (
                f"{self.work} demandait plus de {limit} de mémoire"
                if resource == "memory"
                else f"{self.work} a duré plus de {limit}"
            )
            said = f"{what}, la limite fixée pour que chaque demande laisse sa part aux autres"
        else:  # "crash": the worker process died of something else (a signal, an exit)
            what = f"{self.work} a fait échouer le processus qui s'en chargeait ({cause})"
            said = what
        detail = f"Traitement arrêté : {said}. {self.advice}".strip()
        super().__init__(detail, errors=[{"field": "", "message": what, "code": resource}])
        self.resource = resource


# -- analysis -----------------------------------------------------------------------------


class AnalysisError(ClausierError):
    """A document could not be analysed."""

    title = "Analyse impossible"


class ConsultationInvalid(InvalidInput, AnalysisError):
    """The pieces of a consultation cannot be judged together (too many, the same name twice,
    an archive holding no document)."""

    title = "Consultation incomplète ou invalide"


class DocumentUnreadable(ContentUnreadable, AnalysisError):
    """The file is of a known kind but cannot be read (scanned, encrypted, corrupt…)."""

    title = "Document illisible"


class UnsupportedFormat(AnalysisError):
    """The file is not of a kind Clausier reads (a .doc, an image…)."""

    title = "Format non pris en charge"


class DocumentTooLarge(ContentTooLarge, AnalysisError):
    """The file, or a part of it once uncompressed, is larger than allowed."""

    title = "Document trop volumineux"


class DocumentTooHeavy(BudgetExceeded, AnalysisError):
    """Reading the document took more memory or time than its budget."""

    title = "Document trop lourd à lire"
    work = "la lecture du PDF"
    advice = "Déposez plutôt le CCTP au format DOCX ou ODT, ou sans ses annexes volumineuses."


class AnalysisNotFound(NotFound, AnalysisError):
    """No analysis has that number."""


# -- annexes ------------------------------------------------------------------------------


class AnnexError(ClausierError):
    """A contract annex or an organisation's template could not be made or used."""

    title = "Annexe impossible"


class TemplateNotFound(NotFound, AnnexError):
    """The organisation has no template with that number."""


class DraftRefused(InvalidInput, AnnexError):
    """A draft or retired version was selected without asking for drafts explicitly."""

    title = "Version non approuvée"


class MissingValues(InvalidInput, AnnexError):
    """Required values of the selected clauses were not given; nothing is generated."""

    title = "Valeurs manquantes"


class InvalidValues(InvalidInput, AnnexError):
    """Values of the selected clauses do not fit their variables' types; nothing is generated.
    ``invalid`` keeps each value with its clause, variable and reason."""

    title = "Valeurs invalides"

    def __init__(self, invalid: list[Any]) -> None:
        super().__init__(
            " ".join(item.reason for item in invalid),
            errors=[{"field": f"values.{item.name}", "message": item.reason} for item in invalid],
        )
        self.invalid = invalid


class TemplateRejected(ContentUnreadable, AnnexError):
    """A DOCX template cannot be used: unreadable, unknown variable, forbidden construct."""

    title = "Modèle refusé"


class TemplateTooLarge(ContentTooLarge, AnnexError):
    """A DOCX template, or a part of it once uncompressed, is larger than allowed."""

    title = "Modèle trop volumineux"


class TemplateTooHeavy(BudgetExceeded, AnnexError):
    """Filling a template took more memory or time than its budget."""

    title = "Modèle trop lourd à remplir"
    work = "le remplissage du modèle"
    advice = (
        "Simplifiez le modèle (boucles imbriquées, textes démultipliés par des filtres), "
        "puis recommencez."
    )


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


class OrganisationExists(Conflict, DeliveryError):
    """An organisation already has that slug, under another name."""

    title = "Organisation existante"


class ContractExists(Conflict, DeliveryError):
    """The organisation already has a contract with that reference."""


class ObligationExists(Conflict, DeliveryError):
    """The contract already owes a dataset of that name."""


class AmendmentNotFound(NotFound, DeliveryError):
    """The contract has no amendment of that number."""


class AmendmentConflict(Conflict, DeliveryError):
    """The amendment was numbered by someone else at the same moment."""


class DeliveryNotFound(NotFound, DeliveryError):
    """No delivery has that number for the contract."""


class PendingDeliveryNotFound(NotFound, DeliveryError):
    """No delivery being validated in the background has that identifier for the contract."""


class ValidationFailed(InvalidInput, DeliveryError):
    """The background validation of a stored delivery refused it or could not finish; the
    file stays stored, no delivery is recorded."""

    title = "Validation de la livraison en échec"


class ValidationsBusy(ServiceUnavailable, DeliveryError):
    """The organisation already has as many deliveries waiting for their background validation
    as allowed: a large upload is refused before it is stored, to be sent again in
    ``retry_after`` seconds."""

    title = "Validations en attente trop nombreuses"


class ConcurrentDelivery(Conflict, DeliveryError):
    """Another delivery for the same period was recorded at the same moment."""


class ChecklistEventNotFound(NotFound, DeliveryError):
    """The contract's checklist has no event with that number."""


class DeliveryRefused(InvalidInput, DeliveryError):
    """The delivered file cannot be accepted at all; it is not stored."""

    title = "Livraison refusée"


class WrongFormat(DeliveryRefused, UnsupportedFormat):
    """The file's name or content is not the format the obligation asks for."""

    title = "Format non conforme"


class NotUtf8(DeliveryRefused):
    """A text file is not encoded in UTF-8."""

    title = "Encodage non UTF-8"


class ArchiveRefused(DeliveryRefused):
    """A zip archive is suspicious (zip bomb, too many members), encrypted or corrupt."""

    title = "Archive refusée"


class DeliveryTooLarge(DeliveryRefused, ContentTooLarge):
    """A file that must be read whole (JSON, GeoJSON) is larger than allowed."""

    title = "Fichier trop volumineux"


class DeliveryTooComplex(DeliveryRefused):
    """A file holds more than its validation reads — JSON nested too deep, a workbook with too
    many shared strings or too large a sheet — and is refused before it is parsed."""

    title = "Fichier trop complexe"


class DeliveryTooHeavy(BudgetExceeded, DeliveryRefused):
    """Validating the delivered file took more memory or time than its budget; it is not
    stored."""

    title = "Livraison trop lourde à valider"
    work = "la validation du fichier livré"
    advice = (
        "Vérifiez que le fichier est bien celui du jeu attendu ; s'il l'est, signalez-le à "
        "l'acheteur."
    )


class RecordKept(Conflict, DeliveryError):
    """Someone tried to change or delete a delivery, a checklist event or an amendment (its
    changes, the terms it set), which are kept."""


# -- stored files -------------------------------------------------------------------------


class StoredFileMissing(NotFound):
    """A record names a stored file that is no longer in the database."""

    title = "Fichier introuvable"


class StoredFileAltered(ClausierError):
    """A stored file's bytes no longer match the SHA-256 they are kept under: never served."""

    title = "Fichier altéré"


# -- background jobs ----------------------------------------------------------------------


class JobError(ClausierError):
    """A background job could not be found, read or run."""

    title = "Erreur de travail en arrière-plan"


class JobNotFound(NotFound, JobError):
    """No background job has that identifier."""


class JobNotFinished(Conflict, JobError):
    """The job's result was asked for before the job finished."""

    title = "Travail non terminé"


class UnknownJobKind(JobError):
    """A job names a kind no module registered in this process."""


class JobQueueUnavailable(JobError, ServiceUnavailable):
    """The job could not be handed to its runner (Redis unreachable…)."""

    title = "File des travaux indisponible"


# -- accounts and rights ------------------------------------------------------------------


class NotSignedIn(ClausierError):
    """No identity goes with the request: nobody signed in, no valid API token."""

    title = "Connexion requise"


class Forbidden(ClausierError):
    """The identity is known but its role does not allow what it asked for."""

    title = "Action non autorisée"


class AccountsError(ClausierError):
    """A user, membership, invitation or API token operation failed."""

    title = "Erreur des comptes"


class UserNotFound(NotFound, AccountsError):
    """No user has that e-mail address."""


class TokenNotFound(NotFound, AccountsError):
    """No API token has that number in the organisation."""


class InvitationNotFound(NotFound, AccountsError):
    """No invitation goes with that token."""


class UserExists(Conflict, AccountsError):
    """A user already has that e-mail address (whatever its case)."""

    title = "Utilisateur existant"


class InvitationSpent(Conflict, AccountsError):
    """The invitation was already accepted, or it expired."""

    title = "Invitation périmée"


class InvalidAccount(InvalidInput, AccountsError):
    """A user, role, password, invitation or token breaks a rule (e-mail, role, strength…)."""


class SignInFailed(AccountsError):
    """The e-mail and password do not match an active account (which of them is not said)."""

    title = "Connexion refusée"


class SignInThrottled(AccountsError):
    """Too many failed sign-ins: the next try must wait ``retry_after`` seconds (delay or
    lock-out)."""

    title = "Trop de tentatives"


class SignInRefused(Forbidden, AccountsError):
    """The OpenID provider vouched for someone Clausier does not let in: an account disabled,
    an address unverified, or no organisation of Clausier to act in."""

    title = "Connexion refusée"


class AuditEntryKept(Conflict, AccountsError):
    """Someone tried to change or delete an entry of the audit log, which is append-only."""

    title = "Journal inaltérable"


# -- portability --------------------------------------------------------------------------


class PortabilityError(ClausierError):
    """An organisation's data could not be exported or imported whole."""

    title = "Export ou import refusé"


class ExportRefused(PortabilityError):
    """The export cannot be written (directory not empty, data it cannot carry whole)."""


class ImportRefused(InvalidInput, PortabilityError):
    """The directory cannot be imported (altered or missing file, unknown format, identifiers
    already taken); ``errors`` lists each problem, nothing was written."""

    title = "Import refusé"


# -- HTTP ---------------------------------------------------------------------------------


def status_for(error: ClausierError) -> int:
    """Return the HTTP status that stands for a domain error."""
    if isinstance(error, MalformedRequest):
        return 400
    if isinstance(error, NotSignedIn | SignInFailed):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, SignInThrottled | TooManyRequests):
        return 429
    if isinstance(error, UnsupportedFormat):
        return 415
    if isinstance(error, ContentTooLarge):
        return 413
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, InvalidInput):
        return 422
    return 503 if isinstance(error, ServiceUnavailable) else 500
