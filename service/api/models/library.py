"""Models of the clause library: families, clauses, versions, diffs, search."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.models.common import (
    INT_MAX,
    NOT_BLANK,
    PageQuery,
    Text,
    documented_enum,
    documented_items,
)
from service.library.rules import CONTRACT_TYPES, NAME
from service.library.store import CLAUSE_ID

VersionStatus = Literal["draft", "approved", "retired"]
VariableType = Literal["text", "integer", "date", "url", "email", "choice"]
STATUS_FILTER = documented_enum("draft", "approved", "retired")


class Element(BaseModel):
    """Un élément requis d'une famille : ce qu'une bonne clause de la famille doit dire."""

    id: str
    label: str
    essential: bool = False
    explanation: str
    hints: list[str]


class Family(BaseModel):
    """Une famille de clauses et ses éléments requis."""

    id: str
    label: str
    description: str
    legal_basis: list[str] | None = None
    signals: list[str] | None = None
    elements: list[Element]


class Families(BaseModel):
    """Les familles."""

    items: list[Family]


class Variable(BaseModel):
    """Une variable d'une clause : un emplacement à compléter dans l'annexe."""

    name: str = Field(pattern=NAME.pattern)
    label: str
    type: VariableType
    default: Any = Field(
        None,
        description="Valeur par défaut, vérifiée selon le type (422 sinon) ; null : le contrat "
        "doit donner une valeur",
    )
    choices: list[str] | None = None


class Content(BaseModel):
    """Le contenu d'une version."""

    title: str | None = Field(None, pattern=NOT_BLANK)
    body: str | None = Field(None, pattern=NOT_BLANK)
    legal_basis: list[str] | None = None
    variables: list[Variable] | None = None
    elements: list[str] | None = Field(
        None, description="Éléments requis de la famille que la clause traite (leurs id)"
    )
    contract_types: list[str] | None = Field(
        None, json_schema_extra=documented_items(*CONTRACT_TYPES)
    )


class NewClause(Content):
    """Une nouvelle clause et sa version 1 (en projet) ; son auteur est la personne connectée
    (« author » envoyé est ignoré)."""

    id: str = Field(pattern=CLAUSE_ID.pattern, description="Identifiant (minuscules, chiffres, -)")
    family: Text
    change_note: str | None = None
    title: str = Field(pattern=NOT_BLANK)
    body: str = Field(pattern=NOT_BLANK)


class NewDraft(Content):
    """Un projet de nouvelle version : la dernière version (ou « base ») et les changements ;
    son auteur est la personne connectée (« author » envoyé est ignoré)."""

    change_note: Text
    base: int | None = Field(None, ge=1, le=INT_MAX, description="Version de départ")


class DraftChanges(Content):
    """Les changements d'un projet ; un champ inconnu est refusé."""

    model_config = ConfigDict(extra="forbid")

    change_note: str | None = None


class Approval(BaseModel):
    """Une approbation : l'approbateur est la personne connectée (ou le titulaire du jeton),
    jamais un champ envoyé (« approved_by » est ignoré)."""


class Retirement(BaseModel):
    """Un retrait : celui qui retire est la personne connectée (ou le titulaire du jeton),
    jamais un champ envoyé (« retired_by » est ignoré)."""


class VersionSummary(BaseModel):
    """Une version sans son texte."""

    number: int
    status: VersionStatus
    title: str
    author: str
    created_at: str
    change_note: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None
    retired_by: str | None = None
    retired_at: str | None = None
    content_hash: str = Field(
        description="SHA-256 du contenu de la version ; une annexe le reprend comme empreinte "
        "de la version (version_content_hash) dans sa table de traçabilité"
    )


class Version(VersionSummary):
    """Une version et tout son contenu."""

    clause_id: str
    family: str
    body: str
    legal_basis: list[str]
    variables: list[Variable]
    elements: list[str]
    contract_types: list[str]


class Versions(BaseModel):
    """Les versions d'une clause."""

    items: list[Version]


class ClauseSummary(BaseModel):
    """Une clause : sa famille, sa version actuelle et sa dernière version."""

    id: str
    family: str
    title: str
    current_version: int
    latest_version: int
    latest_status: VersionStatus
    created_at: str | None = None


class Clause(ClauseSummary):
    """Une clause et l'historique de ses versions."""

    versions: list[VersionSummary]


class ClausePage(BaseModel):
    """Une page de clauses."""

    items: list[ClauseSummary]
    total: int
    page: int
    per_page: int


class ClauseQuery(PageQuery):
    """Filtres de la liste des clauses."""

    family: str | None = Field(None, description="Filtrer par famille")
    status: str | None = Field(
        None,
        description="Filtrer par statut de la dernière version",
        json_schema_extra=STATUS_FILTER,
    )


class DiffOperation(BaseModel):
    """Une opération du texte comparé mot à mot."""

    op: Literal["equal", "insert", "delete", "replace"]
    old: str
    new: str


class FieldChange(BaseModel):
    """Un champ (autre que le texte) qui change entre les deux versions."""

    old: Any
    new: Any


class DiffStats(BaseModel):
    """Mots ajoutés et retirés."""

    inserted_words: int
    deleted_words: int


class Diff(BaseModel):
    """Les différences entre deux versions : le texte mot à mot, les autres champs en bloc."""

    model_config = ConfigDict(populate_by_name=True)

    clause_id: str
    from_: int = Field(alias="from")
    to: int
    operations: list[DiffOperation]
    fields: dict[str, FieldChange] = Field(description="Par nom de champ")
    stats: DiffStats
    html: str = Field(description="Le texte avec <ins> et <del>")


class DiffQuery(BaseModel):
    """Les deux versions comparées."""

    model_config = ConfigDict(populate_by_name=True)

    from_: int | None = Field(
        None, alias="from", ge=1, le=INT_MAX, description="Version de départ (défaut : la première)"
    )
    to: int | None = Field(
        None, ge=1, le=INT_MAX, description="Version d'arrivée (défaut : la dernière)"
    )


class SearchQuery(BaseModel):
    """Une recherche."""

    q: str = Field(pattern=NOT_BLANK, description="Mots recherchés")
    family: str | None = Field(None, description="Filtrer par famille")
    status: str | None = Field(
        None, description="Filtrer par statut", json_schema_extra=STATUS_FILTER
    )
    all_versions: bool = Field(
        False, description="Toutes les versions (défaut : la mieux classée de chaque clause)"
    )
    page: int = Field(1, ge=1, le=INT_MAX, description="Page (à partir de 1)")
    per_page: int = Field(10, ge=1, le=50, description="Résultats par page")


class SearchHit(BaseModel):
    """Un résultat : une version, son score et un extrait."""

    clause_id: str
    number: int
    family: str
    status: VersionStatus
    title: str
    score: float
    excerpt: str = Field(description="Extrait HTML, termes en <mark>")


class SearchResults(BaseModel):
    """Les résultats classés."""

    query: str
    total: int
    total_exact: bool
    page: int
    per_page: int
    items: list[SearchHit]
