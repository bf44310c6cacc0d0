"""Judging each clause family in a read document: elements, contradiction, verdict, and the
sentence that says why.

A family is *addressed* when one of the sentences about it (``clauses.sentences_by_family``)
puts a duty on someone or gives a right — even a single vague one. Its elements are credited
only from those sentences, never from a negated one nor from one that breaks the clause; a
delay or a frequency only from a figure that stands with what it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.analysis.clauses import FamilySentence, IndexedSection, sentences_by_family
from service.analysis.document import Document
from service.analysis.language import QUANTITY, VOID
from service.analysis.rules import (
    UNAFFECTED,
    ClauseChoice,
    ElementRule,
    FamilyRule,
    Ruleset,
    breaks_family,
)
from service.analysis.text import stems_of
from service.french import plural

MAX_EVIDENCE = 3
EXCERPT_CHARS = 320
#: Words of time, which anchor no element (they come with every delay).
_TIME = frozenset(stems_of("délai délais jours mois semaines heures ans années durée"))


@dataclass
class Evidence:
    """Where a family is spoken of: the section and the sentence that shows it."""

    section: str
    title: str
    excerpt: str
    signals: list[str]


@dataclass
class FamilyFinding:
    """The verdict on one family, with everything that led to it."""

    family: str
    label: str
    verdict: str
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    elements_found: list[str] = field(default_factory=list)
    elements_missing: list[str] = field(default_factory=list)
    essential_missing: list[str] = field(default_factory=list)
    contradiction: Evidence | None = None
    reasons: list[str] = field(default_factory=list)
    suggested_clause: ClauseChoice | None = None
    #: One French sentence a buyer reads first: the verdict and why.
    explanation: str = ""
    #: The text of the sections that treat the family (not reported: for comparisons).
    source_text: str = ""


def judge_document(
    document: Document, ruleset: Ruleset, contract_type: str | None = None
) -> list[FamilyFinding]:
    """Judge every family of the library on a document."""
    sections, about = sentences_by_family(document, ruleset)
    return [
        judge_family(family, sections, about[f], contract_type)
        for f, family in enumerate(ruleset.families)
    ]


def judge_family(
    family: FamilyRule,
    sections: list[IndexedSection],
    about: list[FamilySentence],
    contract_type: str | None = None,
) -> FamilyFinding:
    """Judge one family on the tokenised sections and its sentences."""
    finding = FamilyFinding(family.id, family.label, "missing", 0.0)
    if family.id in UNAFFECTED:
        # Outside the family's own clause, a freedom that cannot empty it is about another
        # subject: « le titulaire peut librement réutiliser les données » is no open data.
        about = [
            s
            for s in about
            if s.titled
            or (kind := sections[s.section].contradiction(s.index)) is None
            or breaks_family(family.id, kind)
        ]
    addressing = [s for s in about if s.binding and (s.signals or s.titled)]
    if not addressing:
        # « 12 Sobriété numérique — Sans objet. », « Réversibilité : néant. »: the family
        # declared void under its own heading or by name.
        void = next(
            (
                s
                for s in about
                if (s.titled or s.signals)
                and VOID.search(sections[s.section].folded[s.index]) is not None
            ),
            None,
        )
        if void is None:
            return _missing(family, finding, about, sections, contract_type)
        addressing = [void]
    ranked = sorted(
        addressing, key=lambda s: (-(len(s.signals) + 2 * s.titled), -len(s.signals), s.section)
    )
    finding.evidence = _evidence(sections, ranked)
    used = sorted({s.section for s in about if s.signals or s.titled})
    finding.source_text = "\n".join(sections[i].section.text for i in used)
    words = sorted({hit for s in addressing for hit in s.signals})
    finding.reasons.append(
        f"Traitée dans {plural(len({s.section for s in addressing}), 'article')}"
        + (f" (signaux : {', '.join(words[:8])})." if words else ".")
    )
    breaks = {
        (item.section, item.index): kind
        for item in about
        if not item.foreign
        and breaks_family(family.id, kind := sections[item.section].contradiction(item.index))
    }
    vague = _check_elements(family, sections, about, finding, breaks)
    contradiction = _find_contradiction(sections, about, breaks)
    strength = min(1.0, (len(words) + 2 * any(s.titled for s in addressing)) / 6)
    if contradiction is not None:
        finding.verdict = "contradicted"
        finding.contradiction = contradiction[0]
        finding.confidence = round(0.7 + 0.2 * strength, 2)
        finding.reasons.append(
            f"Contradiction ({contradiction[1]}) : « {contradiction[0].excerpt} »."
        )
    elif finding.essential_missing:
        finding.verdict = "weak"
        finding.confidence = round(0.6 + 0.3 * strength, 2)
    else:
        finding.verdict = "present"
        finding.confidence = round(0.6 + 0.35 * strength, 2)
    finding.explanation = _explain(family, finding, vague, contradiction)
    finding.suggested_clause = suggest_clause(
        family, finding.essential_missing or finding.elements_missing, contract_type
    )
    return finding


def _missing(
    family: FamilyRule,
    finding: FamilyFinding,
    about: list[FamilySentence],
    sections: list[IndexedSection],
    contract_type: str | None,
) -> FamilyFinding:
    mentioned = any(s.signals for s in about) or any(
        s.listing and any(s.text.find(p) or s.title.find(p) for _, p in family.signals)
        for s in sections
    )
    finding.confidence = 0.7 if mentioned else 0.95
    finding.reasons.append(
        "Seules des mentions en passant (sommaire, définitions, textes cités, renvois, titres "
        "sans contenu) ont été trouvées : aucune obligation ne porte sur ce sujet."
        if mentioned
        else "Aucun article ne traite de cette famille."
    )
    finding.explanation = (
        f"Absente : le document ne contient aucune stipulation sur « {family.label} »"
        + (", seulement des mentions en passant." if mentioned else ".")
    )
    finding.elements_missing = [e.key for e in family.elements]
    finding.essential_missing = [e.key for e in family.elements if e.essential]
    finding.suggested_clause = suggest_clause(family, finding.essential_missing, contract_type)
    return finding


def _evidence(sections: list[IndexedSection], ranked: list[FamilySentence]) -> list[Evidence]:
    evidence, seen = [], set()
    for item in ranked:
        if item.section in seen:
            continue
        seen.add(item.section)
        section = sections[item.section]
        excerpt = section.text.sentence(item.index)
        if len(excerpt) > EXCERPT_CHARS:
            excerpt = excerpt[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
        evidence.append(
            Evidence(section.section.number or "", section.section.title, excerpt, item.signals)
        )
        if len(evidence) == MAX_EVIDENCE:
            break
    return evidence


def _check_elements(
    family: FamilyRule,
    sections: list[IndexedSection],
    about: list[FamilySentence],
    finding: FamilyFinding,
    breaks: dict[tuple[int, int], str],
) -> set[str]:
    """Credit each element found in a sentence about the family — never in a negated one nor
    in one that breaks the clause; return the ones only mentioned without the figure they
    need."""
    usable = [
        s
        for s in about
        if (s.section, s.index) not in breaks and not sections[s.section].empties(s.index)
    ]
    vague: set[str] = set()
    for element in family.elements:
        rivals = frozenset(e.head for e in family.elements if e.key != element.key and e.head)
        state, _ = _element_state(element, sections, usable, rivals - element.anchors)
        if state == "found":
            finding.elements_found.append(element.key)
            continue
        if state == "vague":
            vague.add(element.key)
        finding.elements_missing.append(element.key)
        if element.essential:
            finding.essential_missing.append(element.key)
            why = " (mentionné, mais sans durée chiffrée)" if state == "vague" else ""
            finding.reasons.append(f"Élément essentiel absent : {element.label}{why}.")
    return vague


def _element_state(
    element: ElementRule,
    sections: list[IndexedSection],
    usable: list[FamilySentence],
    rivals: frozenset[str] = frozenset(),
) -> tuple[str, FamilySentence | None]:
    """ "found", "vague" (named without the figure it needs) or "absent", with the sentence
    that states it when found.

    A figure counts for the element only when no other element of the family stands in the
    same part of the sentence: in « remet un plan de réversibilité dans les trois mois », the
    three months are the plan's, not the restitution's.
    """
    vague = False
    for item in usable:
        section = sections[item.section]
        text = section.text
        concepts = text.concepts_of(item.index)
        row = section.row_context.get(item.index)
        if row is not None:
            concepts = concepts | row  # a cell means what its header says
        named = any(
            concepts.issuperset(phrase)
            and (row is not None or phrase in element.wide or item.index in text.find_loose(phrase))
            for phrase in element.phrases
        )
        if not element.needs_quantity:
            if named:
                return "found", item
            continue
        anchored = (bool(element.anchors) and element.anchors <= concepts) or any(
            concepts.issuperset(phrase) and not _TIME.issuperset(phrase)
            for phrase in element.phrases
        )
        if not (named or anchored):
            continue
        if anchored and _own_figure(section.folded[item.index], rivals):
            return "found", item
        vague = True
    return ("vague" if vague else "absent"), None


def timed_elements(
    family: FamilyRule, sections: list[IndexedSection], about: list[FamilySentence]
) -> dict[str, FamilySentence]:
    """The elements of the family that need a figure of time (a delay, a frequency), each
    with the sentence that states it: what two documents of one consultation may disagree on."""
    usable = [
        s
        for s in about
        if not sections[s.section].empties(s.index)
        and sections[s.section].contradiction(s.index) is None
    ]
    found = {}
    for element in family.elements:
        if not element.needs_quantity:
            continue
        rivals = frozenset(e.head for e in family.elements if e.key != element.key and e.head)
        state, item = _element_state(element, sections, usable, rivals - element.anchors)
        if state == "found" and item is not None:
            found[element.key] = item
    return found


_SEGMENT = re.compile(r"[^,;:()]+")


def _own_figure(folded: str, rivals: frozenset[str]) -> bool:
    """Whether a figure of time stands in a part of the sentence that names no rival — a
    manner (« au format CSV ») names none: « restitue les données au format CSV dans un délai
    d'un mois » gives the restitution's delay."""
    for part in _SEGMENT.finditer(folded):
        text = _MANNER.sub(" ", part.group())
        figure = QUANTITY.search(text)
        # What follows the figure is another matter (« … sous 24 h et accepte un audit »).
        if figure is not None and rivals.isdisjoint(stems_of(text[: figure.end()])):
            return True
    return False


#: How a thing is done, not another thing: « au format CSV », « sous forme de fichiers ».
_MANNER = re.compile(
    r"\b(?:au|aux|en|sous|dans\s+(?:un|le|des|les))\s+(?:formats?|forme)\b(?:\s+\w+)?"
)


def _find_contradiction(
    sections: list[IndexedSection],
    about: list[FamilySentence],
    breaks: dict[tuple[int, int], str],
) -> tuple[Evidence, str] | None:
    for item in about:
        section = sections[item.section]
        sentence = section.text.sentence(item.index)
        kind = breaks.get((item.section, item.index))
        if kind:
            excerpt = (
                sentence if len(sentence) <= EXCERPT_CHARS else sentence[: EXCERPT_CHARS - 1] + "…"
            )
            evidence = Evidence(section.section.number or "", section.section.title, excerpt, [])
            return evidence, kind
    return None


def _where(evidence: Evidence) -> str:
    if evidence.section and evidence.title:
        return f"l'article {evidence.section} « {evidence.title} »"
    if evidence.section:
        return f"l'article {evidence.section}"
    if evidence.title:
        return f"la partie « {evidence.title} »"
    return "le préambule"


def _explain(
    family: FamilyRule,
    finding: FamilyFinding,
    vague: set[str],
    contradiction: tuple[Evidence, str] | None,
) -> str:
    """The verdict in one sentence a buyer understands."""
    first = finding.evidence[0]
    if contradiction is not None:
        evidence, kind = contradiction
        return f"Contredite : {_where(evidence)} vide la clause ({kind})."
    labels = {e.key: e.label.lower() for e in family.elements}
    if finding.essential_missing:
        missing = [
            labels[key] + (" (sans durée chiffrée)" if key in vague else "")
            for key in finding.essential_missing
        ]
        listed = ", ".join(missing[:-1]) + (" et " if len(missing) > 1 else "") + missing[-1]
        return f"Insuffisante : {_where(first)} en traite, mais il manque : {listed}."
    return f"Présente : {_where(first)} en traite et en énonce les éléments essentiels."


def suggest_clause(
    family: FamilyRule, wanted: list[str], contract_type: str | None
) -> ClauseChoice | None:
    """The library clause that states most of the wanted elements and fits the contract."""
    if not family.clauses:
        return None

    def fit(choice: ClauseChoice) -> tuple[int, int, int]:
        return (
            len(choice.elements & set(wanted)),
            1 if contract_type and contract_type in choice.contract_types else 0,
            len(choice.elements),
        )

    return max(family.clauses, key=fit)
