"""Judging each clause family in a read document: evidence, elements, contradictions, verdict.

The unit is the sentence. A family is *addressed* when a sentence about its subject puts a
duty on someone or gives a right — even a single vague one — and is not a passing mention
(a contents line, a definition, a citation of a text, a bare reference to another document,
a part that only lists or defines). A sentence is about a family when it holds one of the
family's signals, or when it stands under a heading that names the family (a heading and all
its sub-articles are one clause). Signals that are ordinary words of any contract
(« résiliation », « hébergement », « sécurité ») count alone only where the sentence also
speaks of data or information systems. Elements are credited only from the family's own
sentences, never from a negated or emptied one; a delay or a frequency only from a figure
that stands with what it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from service.analysis.document import Document, Section
from service.analysis.language import has_quantity, is_listing_title, is_obligation, is_passing
from service.analysis.rules import (
    ClauseChoice,
    ElementRule,
    FamilyRule,
    Ruleset,
    contradiction_kind,
    empties,
    is_deferral,
)
from service.analysis.text import IndexedText, fold, stems_of

MAX_EVIDENCE = 3
#: A clause has at least this many words: shorter, it is a heading or a table's cell.
MIN_WORDS = 5
EXCERPT_CHARS = 320
#: Concepts of signals that are ordinary words of any contract: alone, they need a sentence
#: that speaks of data or of an information system to count.
COMMON = frozenset(
    stems_of(
        "résiliation fin échéance expiration terme avenant modification évolution comité "
        "pilotage suivi résultat résultats réutilisation sous-traitant traitant hébergement "
        "sécurité sauvegarde sauvegardes union européenne données base bases code source "
        "continuité service score disponibilité taux consommation énergie énergétique "
        "obsolescence réemploi licence exécution cours contrat marché titulaire prestataire "
        "nouveau nouvel propriété exclusive accès adaptation bilan document documents "
        "administratif administratifs actualisation annexes seuil volume produites collectées "
        "brutes maîtrise calcul règles paramètres modèle aide décision chiffrement chiffrer "
        "pondération score scoring droit droits personne personnes secret affaires algorithme "
        "algorithmes algorithmique cloud"
    )
)
#: Words that make a sentence speak of data or of an information system.
DATA_CONTEXT = frozenset(
    stems_of(
        "données fichier fichiers logiciel logiciels système systèmes serveur serveurs "
        "numérique informatique plateforme cloud datacenter export sauvegarde sauvegardes "
        "progiciel portail internet web api"
    )
)
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


@dataclass
class IndexedSection:
    """A section with its title and text tokenised once, and its place in the outline."""

    section: Section
    title: IndexedText
    text: IndexedText
    depth: int
    #: The sections it stands under, nearest first (their titles name its subject too).
    ancestors: tuple[int, ...] = ()
    #: A part that only lists or defines (contents, glossary, applicable texts).
    listing: bool = False
    #: Per sentence: the folded text, and whether it speaks of data.
    folded: list[str] = field(default_factory=list)
    data_context: list[bool] = field(default_factory=list)
    #: Per sentence, once asked: whether it binds someone (see ``binds``).
    _binding: dict[int, bool] = field(default_factory=dict)
    #: For a table row, what its cells mean: the header row, the sentence that introduces
    #: the table and the section's title ("Délai" in a header is the delay of every row).
    row_context: dict[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, section: Section) -> IndexedSection:
        """Tokenise a section and read each sentence's kind."""
        text = IndexedText.build(section.text)
        indexed = cls(section, IndexedText.build(section.title), text, _depth(section))
        indexed.listing = is_listing_title(fold(section.title))
        for number in range(len(text.sentences)):
            indexed.folded.append(text.folded_sentence(number))
            indexed.data_context.append(not DATA_CONTEXT.isdisjoint(text.concepts_of(number)))
        indexed._read_tables()
        return indexed

    def binds(self, number: int) -> bool:
        """Whether a sentence puts a duty on someone or gives a right: a clause, not a heading,
        a passing mention or a promise to settle the matter later (read only when asked)."""
        known = self._binding.get(number)
        if known is None:
            folded = self.folded[number]
            known = (
                (number in self.text.with_verb or is_obligation(folded))
                and len(folded.split()) >= MIN_WORDS
                and not is_passing(folded)
                and not is_deferral(folded)
            )
            self._binding[number] = known
        return known

    def _read_tables(self) -> None:
        text, header = self.text, None
        title = self.title.concepts_of(0) if self.title.sentences else set()
        for number in range(len(text.sentences)):
            if " | " not in text.sentence(number):
                header = None
                continue
            if header is None:
                header = number
                intro = text.concepts_of(number - 1) if number else set()
                context = frozenset(text.concepts_of(number) | intro | title)
                continue
            self.row_context[number] = context


def _depth(section: Section) -> int:
    by_number = section.number.count(".") + 1 if section.number else 1
    return max(section.level or 1, by_number)


def _outline(sections: list[IndexedSection]) -> None:
    """Give each section the chain of headings it stands under."""
    stack: list[int] = []
    for index, section in enumerate(sections):
        while stack and sections[stack[-1]].depth >= section.depth:
            stack.pop()
        section.ancestors = tuple(reversed(stack))
        if any(sections[a].listing for a in stack):
            section.listing = True
        stack.append(index)


@dataclass
class _Signals:
    """The family's signals compiled for matching: specific ones, and ordinary words."""

    specific: tuple[tuple[str, tuple[str, ...]], ...]
    common: tuple[tuple[str, tuple[str, ...]], ...]
    #: Every concept of every signal: a text holding none of them is skipped at once.
    concepts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, family: FamilyRule) -> _Signals:
        specific, common = [], []
        for text, phrase in family.signals:
            # "hébergement" or "fin du contrat" alone are ordinary words; "hébergement des
            # données" is not.
            ordinary = set(phrase) <= COMMON and (
                len(phrase) == 1 or DATA_CONTEXT.isdisjoint(phrase)
            )
            (common if ordinary else specific).append((text, phrase))
        concepts = frozenset(c for _, phrase in family.signals for c in phrase)
        return cls(tuple(specific), tuple(common), concepts)


def judge_document(
    document: Document, ruleset: Ruleset, contract_type: str | None = None
) -> list[FamilyFinding]:
    """Judge every family of the library on a document."""
    sections = [IndexedSection.build(s) for s in document.sections if s.title or s.text]
    _outline(sections)
    compiled = [_Signals.of(family) for family in ruleset.families]
    titled = [[_titled(signals, s) for s in sections] for signals in compiled]
    weights = [_weights(signals, sections) for signals in compiled]
    owners = _owners(sections, titled, weights)
    return [
        judge_family(
            family, sections, _about(f, compiled, sections, owners, weights), contract_type
        )
        for f, family in enumerate(ruleset.families)
    ]


@dataclass
class _Sentence:
    """A sentence about the family: where it stands and what it holds."""

    section: int
    index: int
    signals: list[str]
    titled: bool
    binding: bool


def _titled(family: _Signals, section: IndexedSection) -> bool:
    """Whether a section's own title names the family (an ordinary word, « Hébergement »,
    only where the title or the body speaks of data: not « Hébergement du personnel »)."""
    if section.listing or not section.title.sentences:
        return False
    title = section.title
    if family.concepts.isdisjoint(title.positions):
        return False
    if any(title.find_loose(phrase, TITLE_WINDOW) for _, phrase in family.specific):
        return True
    named = [phrase for _, phrase in family.common if title.find_loose(phrase, TITLE_WINDOW)]
    if not named:
        return False
    return not DATA_CONTEXT.isdisjoint(title.concepts_of(0)) or len(named) >= 2


#: A section whose title names no family still belongs to the family whose signals dominate
#: it: they weigh at least this much, and this share of the strongest family's.
DOMINANT_WEIGHT = 6
DOMINANCE = 0.6
#: … when it is the size of a clause: in a longer one (a PDF read as one block, a chapter),
#: a sentence is judged on its own signals.
CLAUSE_SENTENCES = 15


def _owners(
    sections: list[IndexedSection],
    titled: list[list[bool]],
    weights: list[dict[tuple[int, int], tuple[int, list[str]]]],
) -> list[frozenset[int]]:
    """For each section, the families of the clause it belongs to: those its own title names,
    else those of the nearest heading above it that names some, else the family its signals
    dominate."""
    totals = [[0] * len(sections) for _ in weights]
    for family, table in enumerate(weights):
        for (number, _), (weight, _) in table.items():
            totals[family][number] += weight
    owners = []
    for number, section in enumerate(sections):
        owner: frozenset[int] = frozenset()
        for node in (number, *section.ancestors):
            named = frozenset(f for f, row in enumerate(titled) if row[node])
            if named:
                owner = named
                break
        if not owner and not section.listing and len(section.text.sentences) <= CLAUSE_SENTENCES:
            strongest = max((row[number] for row in totals), default=0)
            owner = frozenset(
                f
                for f, row in enumerate(totals)
                if row[number] >= DOMINANT_WEIGHT and row[number] >= DOMINANCE * strongest
            )
        owners.append(owner)
    return owners


#: How far apart a signal's words may stand in a title (« données en vue de leur ouverture »).
TITLE_WINDOW = 4
#: A specific signal weighs this much in a sentence, an ordinary word 1.
SPECIFIC_WEIGHT = 2


def _weights(
    family: _Signals, sections: list[IndexedSection]
) -> dict[tuple[int, int], tuple[int, list[str]]]:
    """Per (section, sentence): the weight of the family's signals there, and the signals."""
    found: dict[tuple[int, int], tuple[int, list[str]]] = {}
    for number, section in enumerate(sections):
        if section.listing or family.concepts.isdisjoint(section.text.positions):
            continue
        present = section.text.positions
        for weight, group in ((SPECIFIC_WEIGHT, family.specific), (1, family.common)):
            for text, phrase in group:
                if phrase[0] not in present:
                    continue
                # A signal's words stand together, in any order ("données restituées"), one
                # word apart at most.
                for index in section.text.find_loose(phrase, window=_window(phrase)):
                    total, hits = found.get((number, index), (0, []))
                    found[(number, index)] = (total + weight, [*hits, text])
    return found


def _window(phrase: tuple[str, ...]) -> int:
    """Two words side by side; longer signals may have one more word among them."""
    return 1 if len(phrase) <= 2 else len(phrase)


def _about(
    family: int,
    compiled: list[_Signals],
    sections: list[IndexedSection],
    owners: list[frozenset[int]],
    weights: list[dict[tuple[int, int], tuple[int, list[str]]]],
) -> list[_Sentence]:
    """Every sentence about the family's subject, in document order.

    Inside the family's own clause, every sentence; in another family's clause, none (a
    sentence counts for the family of the clause it belongs to); elsewhere, a sentence whose
    signals of this family weigh most, and enough — an ordinary word needs a sentence about
    data.
    """
    found: list[_Sentence] = []
    mine = weights[family]
    specific_texts = {text for text, _ in compiled[family].specific}
    for number, section in enumerate(sections):
        if section.listing:
            continue
        owner = owners[number]
        if family in owner:
            indexes: Iterable[int] = range(len(section.text.sentences))
        else:
            indexes = sorted(index for (s, index) in mine if s == number)
        for index in indexes:
            weight, hits = mine.get((number, index), (0, []))
            specific = any(text in specific_texts for text in hits)
            if family not in owner and not _counts(
                family, number, index, weight, specific, section, owner, weights
            ):
                continue
            if is_passing(section.folded[index]):
                continue
            found.append(_Sentence(number, index, hits, family in owner, section.binds(index)))
    return found


def _counts(
    family: int,
    number: int,
    index: int,
    weight: int,
    specific: bool,
    section: IndexedSection,
    owner: frozenset[int],
    weights: list[dict[tuple[int, int], tuple[int, list[str]]]],
) -> bool:
    """Whether a sentence outside the family's clause still counts for the family: one
    specific signal, or two ordinary words in a sentence about data; in another family's
    clause, two specific signals that outweigh that family's."""
    if owner:
        # In another family's clause, only a sentence that speaks far more of this family
        # (« l'indicateur PUE et la part d'énergie renouvelable » under « Hébergement »).
        owners = max(weights[f].get((number, index), (0, []))[0] for f in owner)
        return specific and weight >= 2 * SPECIFIC_WEIGHT and weight > 2 * owners
    if weight < SPECIFIC_WEIGHT:
        return False
    if not specific and not section.data_context[index]:
        return False
    strongest = max(table.get((number, index), (0, []))[0] for table in weights)
    return weight * 2 >= strongest


def judge_family(
    family: FamilyRule,
    sections: list[IndexedSection],
    about: list[_Sentence],
    contract_type: str | None = None,
) -> FamilyFinding:
    """Judge one family on the tokenised sections and its sentences."""
    finding = FamilyFinding(family.id, family.label, "missing", 0.0)
    addressing = [s for s in about if s.binding and (s.signals or s.titled)]
    if not addressing:
        return _missing(family, finding, about, sections, contract_type)
    ranked = sorted(
        addressing, key=lambda s: (-(len(s.signals) + 2 * s.titled), -len(s.signals), s.section)
    )
    finding.evidence = _evidence(sections, ranked)
    used = sorted({s.section for s in about if s.signals or s.titled})
    finding.source_text = "\n".join(sections[i].section.text for i in used)
    words = sorted({hit for s in addressing for hit in s.signals})
    finding.reasons.append(
        f"Traitée dans {len({s.section for s in addressing})} article(s)"
        + (f" (signaux : {', '.join(words[:8])})." if words else ".")
    )
    breaks = {
        (item.section, item.index): kind
        for item in about
        if (kind := contradiction_kind(sections[item.section].text.sentence(item.index)))
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
    about: list[_Sentence],
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


def _evidence(sections: list[IndexedSection], ranked: list[_Sentence]) -> list[Evidence]:
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
    about: list[_Sentence],
    finding: FamilyFinding,
    breaks: dict[tuple[int, int], str],
) -> set[str]:
    """Credit each element found in a sentence about the family — never in a negated one nor
    in one that breaks the clause; return the ones only mentioned without the figure they
    need."""
    usable = [
        s
        for s in about
        if (s.section, s.index) not in breaks and not empties(sections[s.section].folded[s.index])
    ]
    vague: set[str] = set()
    for element in family.elements:
        rivals = frozenset(e.head for e in family.elements if e.key != element.key and e.head)
        state = _element_state(element, sections, usable, rivals - element.anchors)
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
    usable: list[_Sentence],
    rivals: frozenset[str] = frozenset(),
) -> str:
    """ "found", "vague" (named without the figure it needs) or "absent".

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
            set(phrase) <= concepts and (row is not None or item.index in text.find_loose(phrase))
            for phrase in element.phrases
        )
        if not element.needs_quantity:
            if named:
                return "found"
            continue
        anchored = (bool(element.anchors) and element.anchors <= concepts) or any(
            set(phrase) <= concepts and not set(phrase) <= _TIME for phrase in element.phrases
        )
        if not (named or anchored):
            continue
        if anchored and _own_figure(section.folded[item.index], rivals):
            return "found"
        vague = True
    return "vague" if vague else "absent"


_SEGMENT = re.compile(r"[^,;:()]+")


def _own_figure(folded: str, rivals: frozenset[str]) -> bool:
    """Whether a figure of time stands in a part of the sentence that names no rival."""
    for part in _SEGMENT.finditer(folded):
        if has_quantity(part.group()) and rivals.isdisjoint(stems_of(part.group())):
            return True
    return False


def _find_contradiction(
    sections: list[IndexedSection],
    about: list[_Sentence],
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
