"""Judging each clause family in a read document: evidence, elements, contradictions, verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.analysis.document import Document, Section
from service.analysis.rules import (
    ClauseChoice,
    FamilyRule,
    Ruleset,
    contradiction_kind,
    has_quantity,
    is_deferral,
)
from service.analysis.text import IndexedText, stems_of

#: A section speaks of a family when its signals weigh this much (a signal in the title
#: weighs 3, each distinct signal in the text 1).
SECTION_THRESHOLD = 2
#: A section speaks of a family when it does at least this share of what it does of the
#: family it speaks most of, unless its title names the family.
DOMINANCE = 0.5
#: Fewer words than this (promises to say more later left out) is a heading, not a clause.
MIN_WORDS = 8
TITLE_WEIGHT = 3
MAX_EVIDENCE = 3
EXCERPT_CHARS = 320


@dataclass
class IndexedSection:
    """A section with its title and text tokenised once for every family."""

    section: Section
    title: IndexedText
    text: IndexedText

    substantive: bool = True

    @classmethod
    def build(cls, section: Section) -> IndexedSection:
        """Tokenise a section."""
        text = IndexedText.build(section.text)
        words = sum(
            len(sentence.split())
            for sentence in map(text.folded_sentence, range(len(text.sentences)))
            if not is_deferral(sentence)
        )
        return cls(section, IndexedText.build(section.title), text, words >= MIN_WORDS)


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
    #: The text of the sections that treat the family (not reported: for comparisons).
    source_text: str = ""


def judge_document(
    document: Document, ruleset: Ruleset, contract_type: str | None = None
) -> list[FamilyFinding]:
    """Judge every family of the library on a document."""
    sections = [IndexedSection.build(s) for s in document.sections if s.title or s.text]
    scores = [
        {family.id: _signal_score(family, section) for family in ruleset.families}
        for section in sections
    ]
    return [judge_family(family, sections, scores, contract_type) for family in ruleset.families]


def _speaks_of(
    family: FamilyRule, section: IndexedSection, scores: dict[str, tuple[int, list[str], bool]]
) -> bool:
    """Whether a section treats the family, rather than mentioning it in passing.

    It must hold an obligation of some length (a heading alone, or a promise to say more
    later, is not a clause), and either name the family in its title or speak of it at
    least half as much as of the family it speaks most of.
    """
    score, _, in_title = scores[family.id]
    if score < SECTION_THRESHOLD or not section.substantive:
        return False
    strongest = max(value[0] for value in scores.values())
    return in_title or score >= DOMINANCE * strongest


def judge_family(
    family: FamilyRule,
    sections: list[IndexedSection],
    scores: list[dict[str, tuple[int, list[str], bool]]],
    contract_type: str | None = None,
) -> FamilyFinding:
    """Judge one family on the tokenised sections and every family's signal scores."""
    finding = FamilyFinding(family.id, family.label, "missing", 0.0)
    scored = sorted(
        (
            (
                scores[i][family.id][0],
                -i,
                s,
                scores[i][family.id][1],
                _speaks_of(family, s, scores[i]),
            )
            for i, s in enumerate(sections)
            if scores[i][family.id][0]
        ),
        key=lambda item: item[:2],
        reverse=True,
    )
    relevant = [(s, hits) for _, _, s, hits, speaks in scored if speaks]
    if not relevant:
        strongest = scored[0][0] if scored else 0
        finding.confidence = round(0.95 - 0.15 * strongest, 2)
        finding.reasons.append(
            "Aucun article ne traite de cette famille."
            if not scored
            else "Seules des mentions isolées, sans article qui en traite, ont été trouvées."
        )
        finding.elements_missing = [e.key for e in family.elements]
        finding.essential_missing = [e.key for e in family.elements if e.essential]
        finding.suggested_clause = suggest_clause(family, finding.essential_missing, contract_type)
        return finding
    evidence_sections = [s for s, _ in relevant[:MAX_EVIDENCE]]
    finding.source_text = "\n".join(s.section.text for s in evidence_sections)
    finding.evidence = [_evidence(s, hits) for s, hits in relevant[:MAX_EVIDENCE]]
    signal_words = sorted({hit for _, hits in relevant for hit in hits})
    finding.reasons.append(
        f"Signaux trouvés dans {len(relevant)} article(s) : {', '.join(signal_words[:8])}."
    )
    _check_elements(family, evidence_sections, finding)
    contradiction = _find_contradiction(family, evidence_sections)
    score = sum(_signal_score(family, s)[0] for s in evidence_sections)
    strength = min(1.0, score / 8)
    if contradiction is not None:
        finding.verdict = "contradicted"
        finding.contradiction = contradiction[0]
        finding.confidence = round(0.75 + 0.2 * strength, 2)
        finding.reasons.append(
            f"Contradiction ({contradiction[1]}) : « {contradiction[0].excerpt} »."
        )
    elif finding.essential_missing:
        finding.verdict = "weak"
        essentials = [e for e in family.elements if e.essential]
        share = len(finding.essential_missing) / max(1, len(essentials))
        finding.confidence = round(0.5 + 0.25 * strength + 0.2 * share, 2)
    else:
        finding.verdict = "present"
        finding.confidence = round(0.6 + 0.35 * strength, 2)
    finding.suggested_clause = suggest_clause(
        family, finding.essential_missing or finding.elements_missing, contract_type
    )
    return finding


def _signal_score(family: FamilyRule, section: IndexedSection) -> tuple[int, list[str], bool]:
    """The weight of the family's signals in a section, the signals, and whether the title
    holds one."""
    score, hits, in_title = 0, [], False
    title, body = section.title.positions, section.text.positions
    for text, phrase in family.signals:
        if phrase[0] not in title and phrase[0] not in body:
            continue  # the cheap test first: most signals are absent from most sections
        if section.title.find(phrase):
            score += TITLE_WEIGHT
            hits.append(text)
            in_title = True
        elif section.text.find(phrase):
            score += 1
            hits.append(text)
    return score, hits, in_title


def _evidence(section: IndexedSection, hits: list[str]) -> Evidence:
    excerpt = ""
    for text in hits:
        found = section.text.find(stems_of(text))
        if found:
            excerpt = section.text.sentence(found[0])
            break
    if not excerpt:
        excerpt = " ".join(section.section.text.split())
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return Evidence(section.section.number or "", section.section.title, excerpt, hits)


def _check_elements(
    family: FamilyRule, sections: list[IndexedSection], finding: FamilyFinding
) -> None:
    for element in family.elements:
        found, vague = False, False
        for section in sections:
            for phrase in element.phrases:
                for sentence in section.text.find(phrase):
                    if element.needs_quantity and not _quantified(section.text, sentence):
                        vague = True
                        continue
                    found = True
                    break
                if found:
                    break
            if found:
                break
        if found:
            finding.elements_found.append(element.key)
            continue
        finding.elements_missing.append(element.key)
        if element.essential:
            finding.essential_missing.append(element.key)
            why = " (mentionné, mais sans durée chiffrée)" if vague else ""
            finding.reasons.append(f"Élément essentiel absent : {element.label}{why}.")


#: A figure may follow its subject by a few sentences (or rows, in a table).
QUANTITY_WINDOW = 3


def _quantified(text: IndexedText, sentence: int) -> bool:
    """Whether a figure of time stands in the sentence or just after it."""
    last = min(len(text.sentences), sentence + QUANTITY_WINDOW + 1)
    return any(has_quantity(text.sentence(i)) for i in range(sentence, last))


def _find_contradiction(
    family: FamilyRule, sections: list[IndexedSection]
) -> tuple[Evidence, str] | None:
    phrases = [phrase for _, phrase in family.signals]
    phrases += [p for element in family.elements if element.essential for p in element.phrases]
    for section in sections:
        related: set[int] = set()
        for phrase in phrases:
            related.update(section.text.find(phrase))
        for index in sorted(related):
            sentence = section.text.sentence(index)
            kind = contradiction_kind(sentence)
            if kind:
                excerpt = (
                    sentence
                    if len(sentence) <= EXCERPT_CHARS
                    else (sentence[: EXCERPT_CHARS - 1] + "…")
                )
                evidence = Evidence(
                    section.section.number or "", section.section.title, excerpt, []
                )
                return evidence, kind
    return None


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
