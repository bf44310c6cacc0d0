"""Models of the delivery follow-up: organisations, contracts, obligations, amendments,
deliveries and dashboards."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from service.api.models.common import (
    ClauseRef,
    Day,
    Moment,
    Text,
    TextValue,
    Upload,
)
from service.deliveries.contracts import DATASET, REFERENCE
from service.deliveries.models import CONTRACT_KINDS, DELIVERERS, FREQUENCIES
from service.deliveries.report import FORMATS
from service.deliveries.schedule import Status
from service.organisations import SLUG

#: The delay contracts.add_obligation accepts, in days (ten years).
MAX_DELAY_DAYS = 3660

Format = Literal[tuple(FORMATS)]  # type: ignore[valid-type]
Frequency = Literal[tuple(FREQUENCIES)]  # type: ignore[valid-type]
Deliverer = Literal[tuple(DELIVERERS)]  # type: ignore[valid-type]
Kind = Literal[tuple(CONTRACT_KINDS)]  # type: ignore[valid-type]
StatusValue = Literal[tuple(status.value for status in Status)]  # type: ignore[valid-type]
TableSchema = Annotated[
    dict[str, Any],
    Field(description="Un Table Schema (https://specs.frictionlessdata.io/table-schema/)"),
]


class DayQuery(BaseModel):
    """Le jour du calcul."""

    at: Day | None = Field(
        None, description="Jour du calcul (aujourd'hui, heure de Paris, par défaut)"
    )


class FeedQuery(BaseModel):
    """L'adresse privée d'un flux d'agenda."""

    jeton: str | None = Field(
        None,
        description="Jeton du lien privé de l'agenda (créé par POST …/calendar/private-link) : "
        "un logiciel d'agenda n'envoie pas d'en-tête. Révocable comme tout jeton ; il n'ouvre "
        "que les flux d'agenda.",
    )


class PrivateLink(BaseModel):
    """Le lien privé d'un agenda, montré une seule fois."""

    url: str = Field(description="Adresse du flux, avec son jeton (à garder pour soi)")
    token_id: int = Field(description="Numéro du jeton, pour le révoquer")
    role: str


class Organisation(BaseModel):
    """Une organisation (acheteur) servie par le déploiement."""

    slug: str = Field(pattern=SLUG.pattern, description="Identifiant (minuscules, chiffres, -)")
    name: Text


class Organisations(BaseModel):
    """Les organisations."""

    items: list[Organisation]


class ObligationInput(BaseModel):
    """Un jeu de données que le contrat doit livrer."""

    dataset: str = Field(pattern=DATASET.pattern, description="Identifiant du jeu de données")
    title: Text
    description: str | None = None
    format: Format
    table_schema: TableSchema | None = Field(None, description="Table Schema des fichiers")
    frequency: Frequency
    delay_days: int = Field(
        0, ge=0, le=MAX_DELAY_DAYS, description="Délai de livraison après la fin de chaque période"
    )
    due_on: Day | None = Field(None, description="Échéance d'une livraison ponctuelle")
    deliverer: Deliverer | None = None


class Titulaire(BaseModel):
    """Le titulaire du contrat."""

    name: Text
    siren: TextValue | None = None


class ContractInput(BaseModel):
    """Un contrat et ses obligations."""

    reference: str = Field(pattern=REFERENCE.pattern, description="Référence du contrat")
    title: Text
    kind: Kind
    titulaire: Titulaire
    start: Day
    end: Day
    clauses: list[ClauseRef] | None = None
    obligations: list[ObligationInput] | None = None


class TermsRow(BaseModel):
    """Les termes d'une obligation à compter d'une date."""

    effective_on: str
    frequency: Frequency
    delay_days: int
    format: Format
    due_on: str | None = None
    amendment: int | None = None


class Obligation(BaseModel):
    """Une obligation de livraison et le nombre de ses périodes attendues."""

    dataset: str
    title: str
    description: str | None = None
    format: Format
    table_schema: TableSchema | None = None
    frequency: Frequency
    delay_days: int
    due_on: str | None = None
    deliverer: Deliverer | None = None
    periods: int
    ended_on: str | None = None
    terms: list[TermsRow] | None = Field(
        None,
        description="Les termes successifs (le premier : ceux de l'obligation ; les suivants : "
        "ceux d'un avenant, à compter de leur date d'effet).",
    )


class TitulaireOut(BaseModel):
    """Le titulaire."""

    name: str
    siren: str | None = None


class AmendmentRef(BaseModel):
    """Un avenant du contrat."""

    number: int
    title: str
    effective_on: str


class Contract(BaseModel):
    """Un contrat, ses clauses, ses obligations et ses avenants."""

    organisation: str
    reference: str
    title: str
    kind: Kind
    titulaire: TitulaireOut
    start: str
    end: str
    clauses: list[ClauseRef]
    obligations: list[Obligation]
    amendments: list[AmendmentRef] | None = None


class Contracts(BaseModel):
    """Les contrats."""

    items: list[Contract]


class AnnexUpload(BaseModel):
    """L'annexe DOCX à reprendre."""

    file: Upload
    starts_on: Day | None = Field(
        None, description="Premier jour dû des obligations créées (le début du contrat sinon)"
    )


class AmendmentChangeInput(BaseModel):
    """« terms » : dataset et les termes qui changent (frequency, delay_days, format,
    table_schema, due_on) ; « end » : dataset, qui n'est plus dû ; « add » : un nouveau jeu
    (champs d'une obligation) ; « contract_end » : end_on, nouvelle fin du contrat."""

    kind: Literal["terms", "end", "add", "contract_end"]
    dataset: str | None = None
    title: str | None = None
    description: str | None = None
    frequency: Frequency | None = None
    delay_days: int | None = Field(None, ge=0, le=MAX_DELAY_DAYS)
    format: Format | None = None
    table_schema: TableSchema | None = None
    due_on: Day | None = None
    deliverer: Deliverer | None = None
    end_on: Day | None = None


class AmendmentInput(BaseModel):
    """Un avenant : sa date d'effet, son motif et ses changements ; son auteur est la
    personne connectée (« author » envoyé est ignoré)."""

    effective_on: Day
    signed_on: Day | None = None
    title: str | None = None
    reason: str | None = None
    changes: list[AmendmentChangeInput] = Field(min_length=1)


class AmendmentChange(BaseModel):
    """Un changement enregistré, avec les termes avant et après."""

    kind: Literal["obligation_terms", "obligation_end", "obligation_added", "contract_end"]
    dataset: str | None
    before: dict[str, Any] | None = Field(description="Les termes avant (ou la fin du contrat)")
    after: dict[str, Any] | None = Field(description="Les termes après (ou la fin du contrat)")
    summary: str


class Amendment(BaseModel):
    """Un avenant et ses changements."""

    number: int
    title: str
    signed_on: str | None = None
    effective_on: str
    reason: str
    author: str
    created_at: str | None = None
    changes: list[AmendmentChange]


class Amendments(BaseModel):
    """Les avenants, du plus ancien au plus récent."""

    items: list[Amendment]


class ProposedChange(BaseModel):
    """Un jeu déjà suivi que l'annexe écrit avec d'autres termes."""

    dataset: str
    annex_row: str
    before: dict[str, Any] = Field(description="Les termes actuels qui diffèrent")
    after: dict[str, Any] = Field(description="Les termes de l'annexe")


class OtherVersion(ClauseRef):
    """Une clause que le contrat porte déjà dans une autre version."""

    contract_version: int


class AnnexImport(BaseModel):
    """Ce qu'une annexe apporte au contrat."""

    items: list[Obligation] = Field(description="Les obligations créées")
    unchanged: list[str]
    ended: list[str] | None = None
    proposed_changes: list[ProposedChange]
    amendment_changes: list[AmendmentChangeInput] = Field(
        description="Les mêmes changements, tels qu'un avenant les prend (kind « terms »)"
    )
    clauses_attached: list[ClauseRef]
    clauses_unknown: list[ClauseRef]
    clauses_other_version: list[OtherVersion] = Field(
        description="Clauses que le contrat porte déjà dans une autre version : signalées, non "
        "rattachées."
    )


class DeliveryUpload(BaseModel):
    """Une livraison : le fichier et sa période. L'expéditeur et son côté (titulaire ou
    acheteur) sont ceux de la personne connectée ou du jeton : « sender » et « sender_role »
    envoyés sont ignorés."""

    file: Upload
    period: str = Field("", description="2025-03, 2025-T1, 2025-S2, 2025 ou un jour de la période")
    received_at: Moment | None = Field(
        None,
        description="Réception par un autre canal (courrier, clé USB) : réservée au gestionnaire "
        "du contrat, consignée au journal d'audit (ISO 8601 avec fuseau)",
    )
    note: str = ""


class PeriodSpan(BaseModel):
    """Les jours d'une période."""

    start: str
    end: str


class Check(BaseModel):
    """Une vérification du fichier et son résultat."""

    key: str
    label: str
    passed: bool
    detail: str


class RowError(BaseModel):
    """Une erreur de contenu : où (ligne, champ), quoi en français, et son type."""

    row: int | None
    field: str | None
    message: str
    code: str


class ValidationReport(BaseModel):
    """Le rapport de validation d'un fichier livré."""

    valid: bool
    rows: int | None = None
    fields: list[str] | None = None
    error_count: int | None = None
    errors_truncated: bool | None = None
    checks: list[Check]
    errors: list[RowError]


class Delivery(BaseModel):
    """Une livraison, son rapport de validation et l'adresse de son fichier."""

    id: int
    period: PeriodSpan
    filename: str
    size: int
    sha256: str
    received_at: str
    sender: str
    sender_role: Deliverer
    valid: bool
    supersedes: int | None
    note: str | None = None
    report: ValidationReport
    file: str


class PendingDelivery(BaseModel):
    """Une livraison reçue, validée en arrière-plan (fichier plus gros que
    DELIVERY_BACKGROUND_BYTES) : l'avancement de la validation, puis la livraison enregistrée
    ou la raison de l'échec. Le fichier reçu est conservé dans tous les cas."""

    id: str = Field(description="L'identifiant de la validation (celui de son travail)")
    state: Literal["queued", "running", "done", "failed"]
    progress: int = Field(ge=0, le=100)
    message: str
    error: str | None = Field(None, description="Pourquoi la validation a échoué (en français)")
    filename: str
    size: int
    sha256: str
    received_at: str = Field(
        description="Heure de réception (celle du dépôt, qui décide du retard ou non)"
    )
    file: str = Field(description="Le fichier reçu, tel quel")
    delivery: str | None = Field(None, description="La livraison enregistrée, une fois validée")
    delivery_id: int | None = None
    valid: bool | None = Field(None, description="Le verdict, une fois validée")


class Deliveries(BaseModel):
    """Les livraisons, la plus récente d'abord."""

    items: list[Delivery]


class Compliance(BaseModel):
    """La part des périodes réglées à temps sur douze mois."""

    since: str
    on_time: int
    settled: int
    rate: float | None


class Overdue(BaseModel):
    """Une période en retard, manquante ou invalide."""

    contract: str
    organisation: str | None = None
    dataset: str
    period: str
    start: str | None = None
    end: str | None = None
    due: str
    status: Literal["late", "missing", "invalid"]
    status_label: str | None = None
    days: int


class TimelineMark(BaseModel):
    """Une période de la frise."""

    start: str
    end: str
    due: str
    label: str
    status: StatusValue
    days: int | None = None
    deliveries: int | None = None


class Timeline(BaseModel):
    """La frise d'une obligation."""

    dataset: str
    periods: list[TimelineMark]


class Counts(BaseModel):
    """Le nombre de périodes par statut."""

    upcoming: int
    due: int
    on_time: int
    late: int
    missing: int
    invalid: int


class Dashboard(BaseModel):
    """Un tableau de bord : comptes par statut, conformité, retards (et frises d'un contrat)."""

    at: str
    contracts: int
    counts: Counts
    compliance: Compliance
    overdue_total: int
    overdue: list[Overdue]
    timelines: list[Timeline] | None = None
