"""Models of the annexes, the template sets and the organisations' templates."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.api.models.common import Text, TextValue, Upload

VariableType = Literal["text", "integer", "date", "url", "email", "choice"]


class AnnexClause(BaseModel):
    """Une clause choisie."""

    id: str
    version: int | None = Field(None, description="Version (l'approuvée actuelle si omise)")


class AnnexDeliveryRow(BaseModel):
    """Une ligne du tableau des livraisons de l'annexe."""

    dataset: TextValue | None = None
    format: TextValue | None = None
    frequency: TextValue | None = None
    delay: TextValue | None = None


class AnnexRequest(BaseModel):
    """Une annexe demandée : exactement l'un de « clauses », « analysis_id » ou
    « template_set » ; « organisation » et « template » vont ensemble."""

    clauses: list[AnnexClause] | None = Field(
        None, description="Clauses choisies (version approuvée actuelle si omise)"
    )
    analysis_id: int | None = Field(
        None, description="Analyse dont on reprend les clauses suggérées"
    )
    template_set: str | None = Field(
        None,
        description="Ensemble de clauses dont on reprend les clauses, le type de contrat et le "
        "tableau des livraisons (sauf « deliveries » donné)",
    )
    organisation: str | None = Field(None, description="Organisation du modèle « template »")
    template: int | None = Field(None, description="Modèle DOCX de l'organisation à utiliser")
    leave_out: list[str] | None = Field(
        None, description="Familles à ne pas reprendre de l'analyse"
    )
    values: dict[str, TextValue] | None = Field(
        None,
        description="Valeurs des variables des clauses, chacune vérifiée selon son type "
        "(integer : nombre entier ; date : 2027-01-15 ou 15/01/2027, écrite « 15 janvier 2027 » "
        "dans l'annexe ; email ; url ; choice : l'une des valeurs permises). Les valeurs du "
        "cartouche (acheteur, objet, reference) n'y figurent pas (422) : une variable de ce nom "
        "prend la valeur de « title ».",
    )
    title: dict[str, TextValue] | None = Field(
        None,
        description="Le cartouche (acheteur, objet, reference, date) ; il complète aussi les "
        "variables de même nom des clauses (« acheteur »).",
    )
    allow_drafts: bool = False
    contract_type: str | None = None
    deliveries: list[AnnexDeliveryRow] | None = None


class MissingValue(BaseModel):
    """Une valeur obligatoire sans valeur par défaut. Celles du cartouche (acheteur, objet,
    reference) se donnent dans « title », les autres dans « values »."""

    clause: str
    name: str
    label: str
    type: VariableType | None = Field(None, description="Type que la valeur doit avoir")
    choices: list[str] | None = Field(None, description="Valeurs permises (type choice)")


class MissingValues(BaseModel):
    """Les valeurs manquantes (liste vide : aucune)."""

    missing: list[MissingValue]


class SetClause(BaseModel):
    """Une clause d'un ensemble (version approuvée actuelle si null)."""

    clause: str
    version: int | None


class DeliveryRow(BaseModel):
    """Une ligne du tableau des livraisons proposé."""

    dataset: str
    format: str
    frequency: str
    delay: str


class TemplateSet(BaseModel):
    """Un ensemble de clauses proposé pour un type de contrat."""

    id: str
    contract_type: str
    contract_type_label: str
    title: str
    description: str | None = None
    position: int | None = None
    clauses: list[SetClause]
    deliveries: list[DeliveryRow]


class TemplateSets(BaseModel):
    """Les ensembles."""

    items: list[TemplateSet]


class OrgTemplate(BaseModel):
    """Un modèle DOCX d'annexe déposé par une organisation."""

    id: int
    organisation: str
    name: str
    filename: str
    sha256: str
    variables: list[str]
    uploaded_by: str | None = None
    uploaded_at: str


class OrgTemplates(BaseModel):
    """Les modèles, du plus récent au plus ancien."""

    items: list[OrgTemplate]


class OrgTemplateUpload(BaseModel):
    """Un modèle DOCX à vérifier et enregistrer ; celui qui le dépose est la personne connectée
    (« uploaded_by » envoyé est ignoré)."""

    file: Upload
    name: Text
