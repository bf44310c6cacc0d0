"""Models of the analyses (the report of a CCTP) and of the background jobs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from service.api.models.common import Upload


class AnalysisUpload(BaseModel):
    """Le document à analyser (DOCX, ODT, PDF, texte, Markdown) ; plusieurs champs « file », ou
    une archive .zip du dossier, sont les pièces d'une consultation jugées ensemble."""

    file: Upload = Field(
        description="Le document ; répétez le champ pour les pièces d'une consultation (CCTP, "
        "CCAP, annexes), ou envoyez l'archive .zip du dossier."
    )


class Evidence(BaseModel):
    """Un extrait du document et l'endroit d'où il vient."""

    section: str
    title: str
    excerpt: str
    document: str | None = Field(None, description="La pièce, dans une consultation.")


class Reference(BaseModel):
    """Un renvoi d'une pièce à une autre (« article 12 du CCAP »), suivi s'il se peut."""

    source: str = Field(description="La pièce qui renvoie.")
    section: str
    excerpt: str
    reference: str = Field(description="Le renvoi, tel qu'on le lit.")
    target: str | None = Field(description="La pièce visée, si elle a été envoyée.")
    resolved: bool = Field(description="Vrai si l'article visé traite de la famille.")


class Disagreement(BaseModel):
    """Deux pièces qui disent autrement la même chose, avec leurs passages."""

    element: str | None
    reason: str
    passages: list[Evidence]


class PieceVerdict(BaseModel):
    """Le verdict d'une famille sur une pièce seule."""

    filename: str
    kind: str
    verdict: Literal["present", "weak", "missing", "contradicted"]


class SuggestedClause(BaseModel):
    """La clause de la bibliothèque qui comblerait le manque."""

    id: str
    version: int
    title: str | None = None


class FamilyFinding(BaseModel):
    """Le verdict d'une famille, ses raisons et ses extraits."""

    family: str
    label: str | None = None
    verdict: Literal["present", "weak", "missing", "contradicted", "unverifiable"] = Field(
        description="« unverifiable » : dans une consultation, renvoi à une pièce absente."
    )
    explanation: str | None = Field(None, description="Le verdict et sa raison, en une phrase.")
    confidence: float = Field(description="Solidité du verdict (0 à 1) : sous 0,7, peu d'indices.")
    evidence: list[Evidence]
    elements_found: list[str]
    elements_missing: list[str]
    essential_missing: list[str] | None = None
    contradiction: Evidence | None = None
    reasons: list[str] | None = None
    suggested_clause: SuggestedClause | None
    references: list[Reference] | None = None
    disagreements: list[Disagreement] | None = None
    documents: list[PieceVerdict] | None = Field(
        None, description="Dans une consultation : le verdict de chaque pièce seule."
    )


class AnalysedDocument(BaseModel):
    """Le document analysé."""

    filename: str
    sha256: str
    format: Literal["docx", "odt", "pdf", "txt", "md", "dce"] = Field(
        description="« dce » : les pièces d'une consultation, jugées ensemble."
    )
    sections: int
    contract_type: str | None


class Piece(BaseModel):
    """Une pièce d'une consultation."""

    filename: str
    sha256: str
    format: Literal["docx", "odt", "pdf", "txt", "md"]
    kind: str = Field(description="cctp, ccap, rc, ae, bpu, dpgf, annexe ou autre.")
    kind_label: str
    sections: int


class VerdictCounts(BaseModel):
    """Le nombre de familles par verdict."""

    present: int
    weak: int
    missing: int
    contradicted: int
    unverifiable: int | None = Field(None, description="Renvois non vérifiables (consultation).")


class VerdictChange(BaseModel):
    """Un verdict qui a changé depuis l'analyse précédente, et pourquoi."""

    family: str
    before: str | None
    after: str
    why: list[str]


class Report(BaseModel):
    """Le rapport d'une analyse (schéma stable)."""

    id: int
    created_at: str | None = None
    previous_id: int | None = None
    document: AnalysedDocument
    documents: list[Piece] | None = Field(None, description="Les pièces d'une consultation.")
    families: list[FamilyFinding]
    summary: VerdictCounts
    contract_type_label: str | None = Field(None, description="Le type de contrat en français")
    priority_families: list[str] | None = Field(
        None, description="Les familles qui comptent le plus pour ce type de contrat"
    )
    already_analysed: bool | None = None
    changes: list[VerdictChange] | None = None


class AnalysisSummary(BaseModel):
    """Une analyse passée, sans son rapport."""

    id: int
    filename: str
    format: str
    sha256: str | None = None
    contract_type: str | None = None
    created_at: str
    summary: VerdictCounts


class AnalysisPage(BaseModel):
    """Une page d'analyses, la plus récente d'abord."""

    items: list[AnalysisSummary]
    total: int
    page: int
    per_page: int


class Job(BaseModel):
    """Un travail en arrière-plan : état, avancement, fichier produit."""

    id: str
    kind: str
    params: dict[str, Any] = Field(description="Les paramètres du travail, propres à sa sorte")
    state: Literal["queued", "running", "done", "failed"]
    progress: int = Field(ge=0, le=100)
    message: str
    error: str | None = None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    result_url: str | None
    result_name: str | None = None
