"""The analyzer's rules, compiled from the clause library: what reveals each family, what
states each required element, and the general patterns of a negated obligation.

Nothing here is tuned to particular sentences: signals and hints come from the library's
``family.yaml`` files (reviewable by a jurist), and the few patterns below are the grammar of
French contract language (negations, freedoms granted, ownership claimed, durations).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from service.analysis.text import fold, stems_of
from service.library import store
from service.library.models import Status

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class ElementRule:
    """One required element: the phrases that state it, and whether it needs a figure."""

    key: str
    label: str
    explanation: str
    essential: bool
    phrases: tuple[Phrase, ...]
    #: A delay or a frequency is only stated with a figure ("dans un délai raisonnable" is not).
    needs_quantity: bool


@dataclass(frozen=True)
class ClauseChoice:
    """A library clause that can be suggested: its current approved version and coverage."""

    clause_id: str
    version: int
    title: str
    elements: frozenset[str]
    contract_types: frozenset[str]


@dataclass(frozen=True)
class FamilyRule:
    """Everything the analyzer knows of one family."""

    id: str
    label: str
    signals: tuple[tuple[str, Phrase], ...]
    elements: tuple[ElementRule, ...]
    clauses: tuple[ClauseChoice, ...]


@dataclass(frozen=True)
class Ruleset:
    """The rules of every family, and the library state they were compiled from."""

    families: tuple[FamilyRule, ...]
    library_state: dict[str, Any]


_QUANTIFIED = ("delai", "frequence", "periodi", "duree")


def load_ruleset(session: Session) -> Ruleset:
    """Compile the rules from the library as it is now."""
    families, state = [], {"families": {}, "clauses": {}}
    for family in store.list_families(session):
        elements = tuple(
            ElementRule(
                key=element.key,
                label=element.label,
                explanation=element.explanation,
                essential=element.essential,
                phrases=_phrases(element.hints),
                needs_quantity=any(word in fold(element.label) for word in _QUANTIFIED),
            )
            for element in family.elements
        )
        clauses = []
        for clause in family.clauses:
            approved = [v for v in clause.versions if v.status == Status.APPROVED]
            if approved:
                version = approved[-1]
                clauses.append(
                    ClauseChoice(
                        clause.id,
                        version.number,
                        version.title,
                        frozenset(version.elements),
                        frozenset(version.contract_types),
                    )
                )
                state["clauses"][clause.id] = version.number
        signals = tuple((text, stems_of(text)) for text in family.signals if stems_of(text))
        families.append(FamilyRule(family.id, family.label, signals, elements, tuple(clauses)))
        state["families"][family.id] = {
            "signals": list(family.signals),
            "elements": [element.as_dict() for element in family.elements],
        }
    return Ruleset(tuple(families), state)


def _phrases(texts: list[str]) -> tuple[Phrase, ...]:
    return tuple(phrase for phrase in (stems_of(text) for text in texts) if phrase)


# -- the grammar of obligations -----------------------------------------------------------

_NEG = r"(?:ne|n')\s*(?:\w+\s+){0,3}?(?:pas|nullement|aucunement|jamais|point)\b"
_DUTY = (
    r"(?:tenue?s?|obligee?s?|astreinte?s?|contraint|responsables?|exige|exigee?s?|exigible|"
    r"due?s?|requise?s?|imposee?s?|garantie?s?|restitu\w*|remett\w*|remise?s?|livr\w*|fourni\w*|"
    r"transmett\w*|transmise?s?|communiqu\w*|publi\w*|diffus\w*|ouvert\w*|appliqu\w*|"
    r"notifi\w*|supprim\w*|effac\w*|detrui\w*|accord\w*|audit\w*)"
)
#: "le titulaire n'est pas tenu de restituer", "aucune pénalité ne sera appliquée"…
NEGATED_DUTY = re.compile(
    rf"{_NEG}\s*(?:\w+\s+){{0,3}}?{_DUTY}"
    rf"|\baucune?s?\s+(?:\w+\s+){{0,4}}?(?:ne|n')\s*(?:\w+\s+){{0,3}}?"
    rf"(?:etre\s+)?{_DUTY}"
    rf"|\b(?:dispense|exonere|degage)e?s?\s+de\b"
    rf"|\bsans\s+(?:aucune\s+)?obligation\b"
)
#: "le titulaire peut librement…", "sans autorisation préalable", "à sa seule discrétion".
FREEDOM = re.compile(
    r"\b(?:librement|sans\s+(?:aucune\s+)?(?:restriction|limitation|limite|autorisation|"
    r"accord|information|en\s+informer|l'accord)|a\s+sa\s+(?:seule\s+)?(?:discretion|convenance)"
    r"|est\s+libre\s+de|sont\s+libres?\s+de)\b"
)
#: The contractor claims the data: "propriété exclusive du titulaire", "reste propriétaire".
OWNERSHIP = re.compile(
    r"propriete\s+(?:exclusive\s+|pleine\s+et\s+entiere\s+)?(?:du|de\s+la\s+societe|de\s+l'"
    r"entreprise)\s+(?:titulaire|prestataire|delegataire|concessionnaire|fournisseur|editeur)"
    r"|(?:titulaire|prestataire|delegataire|concessionnaire|fournisseur|editeur)\s+"
    r"(?:reste|demeure|est|sera|restera|demeurera)\s+(?:le\s+)?(?:seul\s+)?proprietaire"
)
#: The contractor allowed to act: "le titulaire peut", "le délégataire est autorisé à".
CONTRACTOR_MAY = re.compile(
    r"\b(?:titulaire|prestataire|delegataire|concessionnaire|fournisseur|editeur|exploitant)"
    r"\s+(?:\w+\s+){0,2}?(?:peut|peuvent|pourra|pourront|est\s+autorise|sera\s+autorise|"
    r"est\s+libre|reste\s+libre|a\s+la\s+faculte|se\s+reserve)"
)
#: Freedoms given to the buyer or the public are not the contractor's: "librement réutilisable".
PUBLIC_FREEDOM = re.compile(r"\blibrement\s+(?:re)?(?:utilisable|accessible|consultable|"
                            r"exploitable|telechargeable|diffusable)s?\b")
#: A figure of time: "deux mois", "30 jours", "72 h", "trimestriel", "chaque année".
QUANTITY = re.compile(
    r"\b(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|trente|"
    r"quarante|soixante|cent)\s*(?:\(\s*\d+\s*\)\s*)?(?:jours?|mois|semaines?|heures?|h|ans?|"
    r"annees?|trimestres?|minutes?)\b"
    r"|\b(?:mensuel|trimestriel|semestriel|annuel|hebdomadaire|quotidien)\w*"
    r"|\bchaque\s+(?:jour|semaine|mois|trimestre|semestre|annee|an)\b"
    r"|\b(?:tous|toutes)\s+les\s+(?:\w+\s+)?(?:jours|semaines|mois|trimestres|ans|annees)\b"
)


def contradiction_kind(sentence: str) -> str | None:
    """Name the rule a sentence breaks an obligation by, or None."""
    folded = fold(sentence)
    if OWNERSHIP.search(folded):
        return "propriété revendiquée par le titulaire"
    if NEGATED_DUTY.search(folded):
        return "obligation niée ou écartée"
    if (FREEDOM.search(PUBLIC_FREEDOM.sub("", folded)) and CONTRACTOR_MAY.search(folded)):
        return "liberté laissée au titulaire"
    return None


def has_quantity(sentence: str) -> bool:
    """Whether a sentence gives a figure of time."""
    return QUANTITY.search(fold(sentence)) is not None
