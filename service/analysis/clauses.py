"""Which sentences of a document speak of each clause family.

The unit is the sentence. A heading and all its sub-articles are one clause: a section belongs
to the families its own title names, else to those of the nearest heading above it that names
some, else — at the size of a clause — to the family whose signals dominate it. A sentence
counts for the family of the clause it stands in; outside any clause, for the family whose
signals it holds (a specific signal, or two ordinary words in a sentence about data, or a
frame: a predicate and its object, « publier … statistiques »). Signals
that are ordinary words of any contract (« résiliation », « hébergement », « sécurité ») count
alone only where the sentence also speaks of data or information systems. Passing mentions (a
contents line, a definition, a citation of a text, a bare reference to another document, a
part that only lists or defines) never count.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from service.analysis.document import Document, Section
from service.analysis.language import (
    is_definition,
    is_listing_title,
    is_obligation,
    is_passing,
    negation_kinds,
    refers_elsewhere,
)
from service.analysis.rules import (
    CONTRACTOR_CONSENT,
    FamilyRule,
    Frame,
    Ruleset,
    contradiction_kind,
    empties,
    is_deferral,
)
from service.analysis.text import IndexedText, fold, stems_of

#: What is bought, described (« le présent marché a pour objet … », « porte sur … »): the
#: subject of the purchase, not a duty on any of its matters.
PURCHASE_STATED = re.compile(
    r"^\W*(?:le|la|l')\s*(?:present|presente)?\s*(?:marche|contrat|accord-cadre|concession|"
    r"convention|consultation|cctp|cahier|document|lot)\b[^.;]{0,40}?\b(?:a|ont)\s+pour\s+objet\b"
    r"|^\W*(?:le|la|l')\s*(?:present|presente)\s*(?:marche|contrat|accord-cadre|concession|"
    r"convention|consultation|lot)\s+(?:porte|portent)\s+sur\b"
)
#: A clause has at least this many words: shorter, it is a heading or a table's cell.
MIN_WORDS = 5
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
        "algorithmes algorithmique cloud rester demeurer appartenir acheteur information "
        "informations economie econome intrusion intrusions"
    )
)
#: Words that make a sentence speak of data or of an information system.
DATA_CONTEXT = frozenset(
    stems_of(
        "données fichier fichiers logiciel logiciels système systèmes serveur serveurs "
        "numérique informatique plateforme cloud datacenter export sauvegarde sauvegardes "
        "progiciel portail internet web api algorithme algorithmes algorithmique parametrage "
        "parametrages extraction"
    )
)


@dataclass
class Readings:
    """What the rules read of a sentence, kept by its text for one document's analysis: the
    families ask again for the sentences they share, and a document repeats sentences (a
    table's cells, boilerplate)."""

    #: By folded sentence: its ``negation_kinds`` (shared lists, not to be changed), and
    #: whether it is a passing mention.
    negations: dict[str, list[str]] = field(default_factory=dict)
    passing: dict[str, bool] = field(default_factory=dict)
    #: By sentence as ``IndexedText.sentence`` gives it: its ``contradiction_kind``.
    contradictions: dict[str, str | None] = field(default_factory=dict)


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
    #: What the rules read of its sentences, shared with the document's other sections.
    readings: Readings = field(default_factory=Readings)
    #: For a table row, what its cells mean: the header row, the sentence that introduces
    #: the table and the section's title ("Délai" in a header is the delay of every row).
    row_context: dict[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, section: Section, readings: Readings | None = None) -> IndexedSection:
        """Tokenise a section and read each sentence's kind (``readings``: those of the
        document's other sections)."""
        text = IndexedText.build(section.text)
        indexed = cls(section, IndexedText.build(section.title), text, _depth(section))
        if readings is not None:
            indexed.readings = readings
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
                and not self.passing(number)
                and not is_deferral(folded)
                and PURCHASE_STATED.search(folded) is None
            )
            self._binding[number] = known
        return known

    def negations(self, number: int) -> list[str]:
        """The ``negation_kinds`` of a sentence, read once (the list is shared: not to be
        changed)."""
        folded = self.folded[number]
        known = self.readings.negations.get(folded)
        if known is None:
            known = self.readings.negations[folded] = negation_kinds(folded)
        return known

    def passing(self, number: int) -> bool:
        """Whether a sentence is a passing mention (see ``language.is_passing``), read once."""
        folded = self.folded[number]
        known = self.readings.passing.get(folded)
        if known is None:
            known = self.readings.passing[folded] = is_passing(folded)
        return known

    def empties(self, number: int) -> bool:
        """Whether a sentence is negated or emptied (see ``rules.empties``)."""
        return empties(self.folded[number], self.negations(number))

    def contradiction(self, number: int) -> str | None:
        """The rule a sentence breaks an obligation by (see ``rules.contradiction_kind``), read
        once."""
        sentence = self.text.sentence(number)
        known = self.readings.contradictions
        if sentence not in known:
            known[sentence] = contradiction_kind(sentence)
        return known[sentence]

    def _read_tables(self) -> None:
        text, header = self.text, None
        title = self.title.concepts_of(0) if self.title.sentences else set()
        for number, (start, end) in enumerate(text.sentences):
            # Most sentences hold no bar at all, which is seen without tidying them first.
            if "|" not in text.text[start:end] or " | " not in text.sentence(number):
                header = None
                continue
            if header is None:
                header = number
                intro = text.concepts_of(number - 1) if number else set()
                context = frozenset(text.concepts_of(number) | intro | title)
                continue
            self.row_context[number] = context


def _depth(section: Section) -> int:
    number = section.number.rstrip(".-") if section.number else ""
    by_number = number.count(".") + number.count("-") + 1 if number else 1
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
    frames: tuple[Frame, ...] = ()
    #: Every concept of every frame (a section holding none is not read for them).
    frame_concepts: frozenset[str] = frozenset()
    #: The signals in the order they are weighed (specific ones first), each with whether it
    #: is specific and its set of concepts; and, by its first concept, where each stands in
    #: that order: a section is read only for the signals whose first concept it holds.
    ordered: tuple[tuple[bool, str, tuple[str, ...], frozenset[str]], ...] = ()
    by_head: dict[str, tuple[int, ...]] = field(default_factory=dict)

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
        frame_concepts = frozenset(c for frame in family.frames for c in frame.concepts)
        ordered = tuple(
            [(True, text, phrase, frozenset(phrase)) for text, phrase in specific]
            + [(False, text, phrase, frozenset(phrase)) for text, phrase in common]
        )
        by_head: dict[str, list[int]] = {}
        for place, (_, _, phrase, _) in enumerate(ordered):
            by_head.setdefault(phrase[0], []).append(place)
        return cls(
            tuple(specific),
            tuple(common),
            concepts,
            family.frames,
            frame_concepts,
            ordered,
            {head: tuple(places) for head, places in by_head.items()},
        )


def sentences_by_family(
    document: Document, ruleset: Ruleset, deferrals: list[list[FamilySentence]] | None = None
) -> tuple[list[IndexedSection], list[list[FamilySentence]]]:
    """The document's sections, tokenised, and for each family of the ruleset (in order) the
    sentences that speak of it. With ``deferrals`` (one list per family), the passing mentions
    of a family that send the reader to another document (« conformément à l'article 12 du
    CCAP ») are gathered there: a consultation judged as a whole follows them."""
    readings = Readings()
    sections = [IndexedSection.build(s, readings) for s in document.sections if s.title or s.text]
    _outline(sections)
    compiled = [_Signals.of(family) for family in ruleset.families]
    bodies = _bodies(sections)
    titled = [
        [_titled(signals, s, bodies[n]) for n, s in enumerate(sections)] for signals in compiled
    ]
    ordinary = {
        (f, number)
        for f, row in enumerate(titled)
        for number, named in enumerate(row)
        if named and not _titled(compiled[f], sections[number], bodies[number], False)
    }
    _titled_with_parent(compiled, sections, titled)
    weights = [_weights(signals, sections) for signals in compiled]
    owners = _owners(sections, titled, weights, ordinary)
    return sections, [
        _about(f, compiled, sections, owners, weights, deferrals[f] if deferrals else None)
        for f in range(len(ruleset.families))
    ]


@dataclass
class FamilySentence:
    """A sentence about the family: where it stands and what it holds."""

    section: int
    index: int
    signals: list[str]
    titled: bool
    binding: bool
    #: Whether the sentence belongs to another family's subject: it holds only another
    #: family's signals in this one's clause, or another family's signals outweigh this one's
    #: outside any clause. It may address this family, but what it denies or frees is the
    #: other's.
    foreign: bool = False


def _titled_with_parent(
    compiled: list[_Signals], sections: list[IndexedSection], titled: list[list[bool]]
) -> None:
    """A sub-article's title read after its heading's: « 6 Données de l'Agence » then
    « 6.4 Diffusion » names « diffusion des données » (open data), which neither says
    alone."""
    for number, section in enumerate(sections):
        if section.listing or not section.ancestors or not section.title.sentences:
            continue
        parent = sections[section.ancestors[0]]
        # Under a heading that names a family, the sub-article is that family's already; and a
        # document's own title (unnumbered, over everything) is no article heading.
        if (
            not parent.title.sentences
            or not parent.section.number
            or any(row[section.ancestors[0]] for row in titled)
        ):
            continue
        both = IndexedText.build(f"{parent.section.title} {section.section.title}")
        own = section.title.concepts_of(0)
        for family, signals in enumerate(compiled):
            if titled[family][number]:
                continue
            titled[family][number] = any(
                own & set(phrase) and both.find_loose(phrase, TITLE_WINDOW)
                for _, phrase in signals.specific
            )


def _bodies(sections: list[IndexedSection]) -> list[list[IndexedSection]]:
    """What each section's title stands over: its own text, or, for a heading with no text of
    its own (« 7 Hébergement »), its sub-articles'."""
    bodies: list[list[IndexedSection]] = [[s] for s in sections]
    for section in sections:
        for ancestor in section.ancestors:
            if not sections[ancestor].text.sentences:
                bodies[ancestor].append(section)
    return bodies


def _titled(
    family: _Signals,
    section: IndexedSection,
    body: list[IndexedSection],
    ordinary_words: bool = True,
) -> bool:
    """Whether a section's own title names the family (an ordinary word, « Hébergement »,
    only where the title or the body speaks of data: not « Hébergement du personnel »;
    not at all without ``ordinary_words``)."""
    if section.listing or not section.title.sentences:
        return False
    title = section.title
    if family.concepts.isdisjoint(title.positions):
        return False
    if any(_names(title, text, phrase) for text, phrase in family.specific):
        return True
    concepts = title.concepts_of(0)
    if not ordinary_words:
        # An ordinary word beside a word of data names the family as a specific signal
        # would: « Hébergement et sécurité de la plateforme », not « Données à caractère
        # personnel ».
        return any(
            not DATA_CONTEXT.isdisjoint(concepts - set(phrase)) and _names(title, text, phrase)
            for text, phrase in family.common
        )
    # Signals that say the same thing (« fin du contrat », « fin du marché ») name it once.
    named = {frozenset(phrase) for text, phrase in family.common if _names(title, text, phrase)}
    if not named:
        return False
    return not DATA_CONTEXT.isdisjoint(concepts) or len(named) >= 2 or _speaks_of_data(body)


#: A noun and its complement (« portail de données »).
_COMPLEMENT = re.compile(r"\w\s+(?:de|du|des|d')\s*\w")


def _names(title: IndexedText, text: str, phrase: tuple[str, ...]) -> bool:
    """Whether a title holds a signal (see ``_reversed``)."""
    return bool(title.find_loose(phrase, TITLE_WINDOW)) and not _reversed(
        text, phrase, fold(title.text)
    )


def _reversed(text: str, phrase: tuple[str, ...], folded: str) -> bool:
    """Whether a signal's words stand in a text only as a noun and its complement the other
    way round: words may come in any order (« données restituées », « données en vue de
    leur ouverture »), but « données du portail » is not a « portail de données »."""
    if len(phrase) != 2 or not _COMPLEMENT.search(text):
        return False
    turned, kept = _complement_patterns(phrase)
    return turned.search(folded) is not None and kept.search(folded) is None


@functools.lru_cache(maxsize=1024)
def _complement_patterns(phrase: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """For a noun and its complement: the pair turned round, and in its own order."""
    head, tail = (re.escape(concept) for concept in phrase)
    turned = rf"\b{tail}\w*\s+(?:de|du|des|d')\s*(?:la\s+|le\s+|les\s+|l')?{head}\w*"
    kept = rf"\b{head}\w*\s+(?:\w+\s+)?(?:de|du|des|d')\s*(?:\w+\s+)?{tail}"
    return re.compile(turned), re.compile(kept)


def _speaks_of_data(body: list[IndexedSection]) -> bool:
    """Whether a third at least of a body's sentences (headings and numbers aside) speak of data:
    « Fin du marché » over a body about the export of the files, not over the termination
    rules of a long administrative article that names data once."""
    sentences = [
        about
        for section in body
        for about, folded in zip(section.data_context, section.folded, strict=True)
        if len(folded.split()) >= MIN_WORDS
    ]
    return bool(sentences) and 3 * sum(sentences) >= len(sentences)


#: A section whose title names no family still belongs to the family whose signals dominate
#: it: they weigh at least this much, and this share of the strongest family's.
DOMINANT_WEIGHT = 6
DOMINANCE = 0.6
#: … when it is the size of a clause: in a longer one (a PDF read as one block, a chapter),
#: a sentence is judged on its own signals.
CLAUSE_SENTENCES = 15
#: … and a heading with its sub-articles, up to this many sentences in all.
HEADING_SENTENCES = 25
#: Under a heading, the sub-articles' sentences that count for a family (ordinary words only
#: in sentences about data) must weigh this much: two specific signals at least.
HEADING_WEIGHT = 4


def _owners(
    sections: list[IndexedSection],
    titled: list[list[bool]],
    weights: list[dict[tuple[int, int], tuple[int, list[str]]]],
    ordinary: set[tuple[int, int]] = frozenset(),
) -> list[frozenset[int]]:
    """For each section, the families of the clause it belongs to: those its own title names,
    else those of the nearest heading above it that names some, else the family its signals
    dominate. A title that names families by ordinary words only (« Opérateur et
    sous-traitants ») keeps the heading's families too (« 7 Hébergement »)."""
    totals = [[0] * len(sections) for _ in weights]
    for family, table in enumerate(weights):
        for (number, index), (weight, _) in table.items():
            # Ordinary words (« résiliation ») weigh only in sentences about data.
            if weight >= SPECIFIC_WEIGHT or sections[number].data_context[index]:
                totals[family][number] += weight
    # What a heading holds with all its sub-articles: an untitled « 5 Module de calcul » whose
    # 5.1–5.4 speak of the family is one clause of that family, sub-articles included.
    held = [[0] * len(sections) for _ in weights]
    size = [0] * len(sections)
    for number, section in enumerate(sections):
        for node in (number, *section.ancestors):
            size[node] += len(section.text.sentences)
            for family, row in enumerate(totals):
                held[family][node] += row[number]
    owners = []
    for number, section in enumerate(sections):
        owner: frozenset[int] = frozenset()
        # An unnumbered heading over numbered articles is the document's title (« CCTP —
        # portail de données ouvertes ») or a chapter's: it names the purchase or groups
        # articles, not every article's subject.
        for node in (number, *_clause_ancestors(sections, number)):
            named = frozenset(f for f, row in enumerate(titled) if row[node])
            if not named:
                continue
            # « Données à caractère personnel » names RGPD, not « données » in general.
            specific = frozenset(f for f in named if (f, node) not in ordinary)
            if specific:
                owner |= specific
                break
            owner |= named
        if not owner and not section.listing:
            owner = _dominant(held, number, _clause_ancestors(sections, number), size)
        owners.append(owner)
    return owners


def _clause_ancestors(sections: list[IndexedSection], number: int) -> tuple[int, ...]:
    """The headings above a section that may make one clause with it: up to the first
    unnumbered heading over a numbered article (« Chapitre 3 – Voyageurs et tarification »,
    the document's title), which groups articles of different subjects."""
    section = sections[number]
    if not section.section.number:
        return section.ancestors
    kept = []
    for ancestor in section.ancestors:
        if not sections[ancestor].section.number:
            break
        kept.append(ancestor)
    return tuple(kept)


def _dominant(
    held: list[list[int]], number: int, ancestors: tuple[int, ...], size: list[int]
) -> frozenset[int]:
    """The families whose signals dominate the section, else the nearest heading above it,
    as long as what they hold is the size of a clause — unless the section's own signals
    speak most of another family."""
    own = max((row[number] for row in held), default=0)
    mine = frozenset(f for f, row in enumerate(held) if own and row[number] == own)
    for node in (number, *ancestors):
        if size[node] > (CLAUSE_SENTENCES if node == number else HEADING_SENTENCES):
            break
        strongest = max((row[node] for row in held), default=0)
        enough = DOMINANT_WEIGHT if node == number else HEADING_WEIGHT
        owner = frozenset(
            f
            for f, row in enumerate(held)
            if row[node] >= enough and row[node] >= DOMINANCE * strongest
        )
        if owner:
            if node == number or not mine:
                return owner
            # A sub-article speaking of some of the heading's families belongs to those.
            return mine & owner
    return frozenset()


#: How far apart a signal's words may stand in a title (« données en vue de leur ouverture »).
TITLE_WINDOW = 4
#: A specific signal weighs this much in a sentence, an ordinary word 1.
SPECIFIC_WEIGHT = 2


def _weights(
    family: _Signals, sections: list[IndexedSection]
) -> dict[tuple[int, int], tuple[int, list[str]]]:
    """Per (section, sentence): the weight of the family's signals there, and the signals."""
    found: dict[tuple[int, int], tuple[int, list[str]]] = {}
    counted: set[tuple[int, int, frozenset[str]]] = set()
    for number, section in enumerate(sections):
        if section.listing:
            continue
        if family.frames and not family.frame_concepts.isdisjoint(section.text.positions):
            for index, text in _frames_in(family.frames, section.text):
                if (
                    _denies(section.negations(index))
                    and section.contradiction(index) != CONTRACTOR_CONSENT
                ):
                    # « ne pas divulguer les données » does not publish them; « aucune donnée
                    # n'est publiée sans l'accord du titulaire » restricts the publication.
                    # (A frame in a sentence denying a duty would make that sentence another
                    # family's wherever it stands: « … qui demeure stocké sur ses serveurs ».)
                    continue
                total, hits = found.get((number, index), (0, []))
                found[(number, index)] = (total + FRAME_WEIGHT, [*hits, text])
        if family.concepts.isdisjoint(section.text.positions):
            continue
        present = section.text.positions
        # Only the signals whose first concept the section holds, in the order they are weighed
        # (the order of a sentence's signals in the report).
        heads = family.by_head.keys() & present.keys()
        places = sorted(place for head in heads for place in family.by_head[head])
        for specific, text, phrase, concepts in (family.ordered[place] for place in places):
            if not present.keys() >= concepts:
                continue  # a word of the signal is not in the section
            # An ordinary phrase (« consommation d'énergie ») weighs as much as two
            # ordinary words: in a sentence about data, it addresses the family.
            weight = SPECIFIC_WEIGHT if specific or len(phrase) > 1 else 1
            # A signal's words stand together, in any order ("données restituées"), one
            # word apart at most.
            for index in section.text.find_loose(phrase, window=_window(phrase)):
                if _reversed(text, phrase, section.folded[index]):
                    continue
                total, hits = found.get((number, index), (0, []))
                # Signals that say the same thing (« hébergement », « hébergées ») weigh
                # once in a sentence.
                key = (number, index, concepts)
                found[(number, index)] = (
                    total + (0 if key in counted else weight),
                    [*hits, text],
                )
                counted.add(key)
    return found


#: A frame found in a sentence — a predicate and its object — weighs as two specific signals.
FRAME_WEIGHT = 2 * SPECIFIC_WEIGHT
#: How a frame's words are shown among a sentence's signals (« publier … statistiques »).
FRAME_JOIN = " … "


#: How far apart, in words that carry meaning, a frame's groups may stand: a predicate and
#: its object stand close (« publier les statistiques agrégées »), not at two ends of a long
#: sentence.
FRAME_WINDOW = 8


def _frames_in(frames: tuple[Frame, ...], text: IndexedText) -> list[tuple[int, str]]:
    """The sentences where a frame stands — one word of each group, all within
    ``FRAME_WINDOW`` of the first group's — each with the words that made it (« publier …
    statistiques »): one frame per sentence at most."""
    found: dict[int, str] = {}
    present = text.positions.keys()
    for frame in frames:
        if any(present.isdisjoint(heads) for heads in frame.heads):
            continue  # a group none of whose words is in the text: spares looking for the others
        places = [
            [(position, words) for words, phrase in group for position in _at(text, phrase)]
            for group in frame.groups
        ]
        if not all(places):
            continue
        for position, words in places[0]:
            sentence = text.sentence_of[position]
            if sentence in found:
                continue
            chosen = [words]
            for group in places[1:]:
                near = next(
                    (
                        other
                        for at, other in group
                        if text.sentence_of[at] == sentence
                        and _distance(text, sentence, position, at) <= FRAME_WINDOW
                    ),
                    None,
                )
                if near is None:
                    break
                chosen.append(near)
            else:
                found[sentence] = FRAME_JOIN.join(chosen)
    return sorted(found.items())


def _denies(negations: list[str]) -> bool:
    """Whether a sentence denies what it says, by its ``negation_kinds`` (a negation that is
    not a condition's, an idiom's or a relative clause's): its predicate is not done."""
    return any(kind not in ("neutral", "relative") for kind in negations)


def _distance(text: IndexedText, sentence: int, one: int, other: int) -> int:
    """How many words apart two positions of a sentence stand, words in brackets left out."""
    low, high = sorted((one, other))
    first = text.sentence_start[sentence]
    bracketed = text.bracketed(sentence)
    if bracketed[low - first] != bracketed[high - first]:
        return FRAME_WINDOW + 1  # a word in brackets is not the object of a verb outside them
    return high - low - sum(bracketed[low - first + 1 : high - first])


def _at(text: IndexedText, phrase: tuple[str, ...]) -> list[int]:
    """Where a phrase stands: the positions of its first word whose other words follow
    within the phrase's window, in the same sentence."""
    starts = text.positions.get(phrase[0], [])
    if len(phrase) == 1 or not starts:
        return list(starts)
    window = _window(phrase)
    found = []
    for position in starts:
        sentence = text.sentence_of[position]
        low = max(text.sentence_start[sentence], position - window)
        high = min(text.sentence_start[sentence + 1], position + window + 1)
        near = set(text.stems[low:high])
        if all(token in near for token in phrase[1:]):
            found.append(position)
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
    deferrals: list[FamilySentence] | None = None,
) -> list[FamilySentence]:
    """Every sentence about the family's subject, in document order (and, into
    ``deferrals``, those that only send the reader to another document).

    Inside the family's own clause, every sentence; in another family's clause, only one that
    speaks far more of this family (a sentence counts for the family of the clause it belongs
    to); elsewhere, a sentence whose signals of this family weigh most, and enough — ordinary
    words need a sentence about data.
    """
    found: list[FamilySentence] = []
    mine = weights[family]
    by_section: dict[int, list[int]] = {}
    for number, index in sorted(mine):
        by_section.setdefault(number, []).append(index)
    specific_texts = {text for text, _ in compiled[family].specific}
    for number, section in enumerate(sections):
        if section.listing:
            continue
        owner = owners[number]
        if family in owner:
            indexes: Iterable[int] = range(len(section.text.sentences))
        else:
            indexes = by_section.get(number, [])
        for index in indexes:
            weight, hits = mine.get((number, index), (0, []))
            framed = sum(FRAME_JOIN in text for text in hits)
            by_signal = any(text in specific_texts for text in hits)
            if family not in owner and not _counts(
                family,
                number,
                index,
                weight,
                by_signal or framed > 0,
                section,
                owner,
                weights,
                from_frames=framed * FRAME_WEIGHT,
                by_signal=by_signal,
            ):
                continue
            # A definition inside the family's own clause states what the clause covers.
            # (« … est défini à l'article 15 du CCAP » sends the reader elsewhere instead.)
            scope = (
                family in owner
                and is_definition(section.folded[index])
                and not refers_elsewhere(section.folded[index])
            )
            if section.passing(index) and not scope:
                if deferrals is not None and refers_elsewhere(section.folded[index]):
                    deferrals.append(
                        FamilySentence(number, index, hits, family in owner, False, False)
                    )
                continue
            rival = max(
                (
                    table.get((number, index), (0, []))[0]
                    for f, table in enumerate(weights)
                    if f not in owner
                ),
                default=0,
            )
            # In the family's own clause, a sentence is another's only when it holds none of
            # this family's signals but clearly those of a family that does not own the clause
            # (two specific signals); outside any clause, when another family's outweigh them.
            # (In another family's clause, it was let in only for speaking far more of this
            # one.)
            foreign = (
                (weight == 0 and rival >= 2 * SPECIFIC_WEIGHT)
                if family in owner
                else not owner and rival > weight
            )
            found.append(
                FamilySentence(
                    number,
                    index,
                    hits,
                    family in owner,
                    section.binds(index) and not scope,
                    foreign,
                )
            )
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
    *,
    from_frames: int = 0,
    by_signal: bool = False,
) -> bool:
    """Whether a sentence outside the family's clause still counts for the family: one
    specific signal (or a frame), or two ordinary words in a sentence about data; in another
    family's clause, two specific signals that outweigh that family's — a frame alone does
    not take a sentence from the clause it stands in (« le volume de données stockées » in a
    sobriety article is no hosting clause)."""
    if owner:
        weight, specific = weight - from_frames, by_signal
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
