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

_PARTY = (
    r"(?:titulaire|prestataire|delegataire|concessionnaire|fournisseur|editeur|exploitant|"
    r"infogerant|hebergeur|operateur|laboratoire|societe|candidat)"
)
_NEG = r"(?:ne|n')\s*(?:\w+\s+){0,3}?(?:pas|nullement|aucunement|jamais|point)\b"
_DUTY = (
    r"(?:tenue?s?|obligee?s?|astreinte?s?|contraint|responsables?|exige|exigee?s?|exigible|"
    r"due?s?|requise?s?|imposee?s?|garantie?s?|prevue?s?|restitu\w*|remett\w*|remise?s?|"
    r"livr\w*|fourni\w*|transmett\w*|transmise?s?|communiqu\w*|publi\w*|diffus\w*|"
    r"ouvert\w*|appliqu\w*|notifi\w*|supprim\w*|effac\w*|detrui\w*|accord\w*|audit\w*)"
)
#: "le titulaire n'est pas tenu de restituer", "aucune pénalité ne sera appliquée",
#: "ne sont communiqués ni à la commune ni aux usagers", "sans mention du traitement".
NEGATED_DUTY = re.compile(
    rf"{_NEG}\s*(?:\w+\s+){{0,3}}?{_DUTY}"
    rf"|(?:ne|n')\s*(?:\w+\s+){{0,2}}?{_DUTY}\s+(?:\w+\s+){{0,2}}?(?:pas|ni|nullement)\b"
    rf"|\baucune?s?\s+(?:\w+\s+){{0,4}}?(?:ne|n')\s*(?:\w+\s+){{0,3}}?"
    rf"(?:etre\s+)?{_DUTY}"
    rf"|\b(?:dispense|exonere|degage)e?s?\s+de\b"
    rf"|\bsans\s+(?:aucune\s+)?(?:obligation|mention|indication|explication|notification)\b"
    rf"|\b(?:d')?aucune?s?\s+(?:clause\s+de\s+)?(?:reexamen|restitution|reversibilite|audit|"
    rf"penalite|obligation|garantie|notification|documentation|mention|explication)s?\b"
)
#: Exclusions the law itself makes (personal data, protected secrets) do not empty a duty.
LAWFUL_EXCLUSION = re.compile(
    r"\b(?:personnel|personnelles|nominati\w*|vie\s+privee|secret\s+(?:defense|medical|"
    r"statistique)|securite\s+publique|surete)\b"
)
#: An exclusion left to the contractor's judgement empties the obligation.
DISCRETIONARY_EXCLUSION = re.compile(
    rf"(?:exclu\w*|sauf|a\s+l'exception|hormis)\b.*\b(?:{_PARTY}|il)\s+(?:\w+\s+){{0,2}}?"
    rf"(?:estime|juge|considere|apprecie|qualifie|designe)"
)
#: "le titulaire peut librement…", "sans autorisation préalable", "à sa seule discrétion".
FREEDOM = re.compile(
    r"\b(?:librement|sans\s+(?:aucune\s+)?(?:restriction|limitation|limite|autorisation|"
    r"accord|information|en\s+informer|l'accord)|a\s+sa\s+(?:seule\s+)?(?:discretion|"
    r"convenance)|est\s+libre\s+de|sont\s+libres?\s+de|pour\s+ses\s+propres\s+"
    r"(?:fins|finalites|besoins)|pour\s+son\s+propre\s+compte|a\s+des\s+fins\s+commerciales)\b"
)
#: The contractor allowed to act: "le titulaire peut", "il pourra", "est autorisé à".
PARTY_MAY = re.compile(
    rf"\b(?:{_PARTY}|il|elle|celui-ci)\s+(?:\w+\s+){{0,2}}?(?:peut|peuvent|pourra|pourront|"
    r"est\s+autorise|sera\s+autorise|est\s+libre|reste\s+libre|a\s+la\s+faculte|se\s+reserve)"
)
#: Freedoms given to the buyer or the public are not the contractor's: "librement réutilisable".
PUBLIC_FREEDOM = re.compile(
    r"\blibrement\s+(?:re)?(?:utilisable|accessible|consultable|exploitable|telechargeable|"
    r"diffusable)s?\b"
)
#: The contractor claims the data or the results.
OWNERSHIP = re.compile(
    rf"propriete\s+(?:exclusive\s+|pleine\s+et\s+entiere\s+)?(?:du|de\s+la\s+societe|de\s+l'"
    rf"entreprise|de\s+l')\s*{_PARTY}"
    rf"|{_PARTY}\s+(?:\w+\s+){{0,6}}?(?:reste|demeure|est|sera|restera|demeurera)\s+(?:le\s+)?"
    rf"(?:seul\s+)?proprietaire"
    rf"|\b(?:sont|est|restent|demeurent|reste|demeure)\s+sa\s+(?:propriete|chose)"
    rf"|{_PARTY}[^.;]{{0,100}}?\b(?:conserve|detient|garde|se\s+reserve|reste\s+titulaire|"
    rf"demeure\s+titulaire)\b[^.;]{{0,40}}?\b(?:droits|propriete)\b"
)
#: A contractor keeping its prior knowledge is the ordinary rule, not a claim on the results.
PRIOR_KNOWLEDGE = re.compile(r"connaissances\s+anterieures|savoir-faire\s+preexistant")
#: A figure of time: "deux mois", "30 jours", "72 h", "trimestriel", "chaque année".
QUANTITY = re.compile(
    r"\b(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|trente|"
    r"quarante|soixante|cent)\s*(?:\(\s*\d+\s*\)\s*)?(?:jours?|mois|semaines?|heures?|h|ans?|"
    r"annees?|trimestres?|minutes?)\b"
    r"|\b(?:mensuel|trimestriel|semestriel|annuel|hebdomadaire|quotidien)\w*"
    r"|\bchaque\s+(?:jour|semaine|mois|trimestre|semestre|annee|an)\b"
    r"|\b(?:tous|toutes)\s+les\s+(?:\w+\s+)?(?:jours|semaines|mois|trimestres|ans|annees)\b"
    r"|\bpar\s+(?:an|annee|mois|semaine|trimestre|semestre|jour)\b"
    r"|\b\d{1,2}(?:er)?\s+(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|"
    r"octobre|novembre|decembre)\b"
)


def contradiction_kind(sentence: str) -> str | None:
    """Name the rule a sentence breaks an obligation by, or None."""
    folded = fold(sentence)
    if OWNERSHIP.search(folded) and not PRIOR_KNOWLEDGE.search(folded):
        return "propriété revendiquée par le titulaire"
    if DISCRETIONARY_EXCLUSION.search(folded):
        return "exclusion laissée à l'appréciation du titulaire"
    if NEGATED_DUTY.search(folded) and not LAWFUL_EXCLUSION.search(folded):
        return "obligation niée ou écartée"
    if FREEDOM.search(PUBLIC_FREEDOM.sub("", folded)) and _party_may(folded):
        return "liberté laissée au titulaire"
    return None


def _party_may(folded: str) -> bool:
    """Whether the contractor is allowed something — "ne peut pas" is a prohibition."""
    for match in PARTY_MAY.finditer(folded):
        span = match.group(0)
        after = folded[match.end() : match.end() + 12]
        if not re.search(r"\b(?:ne|n')\b|n'", span) and not re.match(r"\s*(?:pas|jamais)\b", after):
            return True
    return False


#: "will be specified later": a promise, not an obligation.
DEFERRAL = re.compile(
    r"\b(?:ulterieurement|plus\s+tard|feront?\s+l'objet\s+d'echanges|a\s+preciser|"
    r"a\s+definir|seront?\s+(?:precisee?s?|definie?s?|fixee?s?)\s+(?:par\s+la\s+suite|"
    r"ulterieurement|lors\s+de))\b"
)


def is_deferral(folded_sentence: str) -> bool:
    """Whether a (folded) sentence only promises to settle the matter later."""
    return DEFERRAL.search(folded_sentence) is not None


def has_quantity(sentence: str) -> bool:
    """Whether a sentence gives a figure of time."""
    return QUANTITY.search(fold(sentence)) is not None
