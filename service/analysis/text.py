"""Text as the analyzer sees it: words reduced to concepts, with their sentences.

A section is tokenised once. Each word is lemmatised (simplemma's French dictionary: "remis" →
"remettre", "hébergées" → "héberger"), folded, stemmed (Snowball, so that "restitution" and
"restituer" meet) and mapped to a concept of French contract language ("marché", "contrat" and
"accord-cadre" are one word; so are "supprimer", "détruire" and "effacer"). Phrases (a signal,
a hint) are then looked up through a position index: as a run of concepts, or as concepts of
one sentence close to each other in any order — far cheaper than a regular expression each.
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from simplemma import lemmatize
from whoosh.lang.snowball.french import FrenchStemmer

#: A word; « accord-cadre » is one (a contract), not an agreement and a frame, and
#: « rendez-vous » one (a meeting), not « rendre » and a pronoun.
WORD = re.compile(r"\w+(?:-cadres?\b|(?<=\brendez)-vous\b)?")
SENTENCE_END = re.compile(r"(?<=[.;!?:])\s+|\n+")
#: A full stop that ends an abbreviation ends no sentence: « article L. 311-3-1 »,
#: « art. 12 », « M. Dupont », « cf. annexe ».
ABBREVIATION = re.compile(r"(?:^|[\s(])(?:[A-Z]|(?i:art|arts|al|cf|ex|chap|p|pp|mme))\.\s+$")
_FOLD = str.maketrans(
    "àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸŒÆ’",
    "aaaaaaceeeeiiiinooooouuuuyyoeaaaaaaceeeeiiiinooooouuuuyyoe'",
)
# One character for one ("œ" → "o"), so that offsets in the folded text are offsets in the
# original; both sides fold alike, so stems still meet.
_STEMMER = FrenchStemmer()
#: Words too common to carry meaning in a phrase ("le délai de restitution" = "délai restitution").
STOP_WORDS = frozenset(
    "a au aux avec ce ces d dans de des du elle en et il l la le les leur lui ma mais me mes "
    "mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes "
    "un une vos votre vous y cet cette ceux celle celles dont lors est sont".split()
)
#: Words that mean the same in a contract, each group named by its first word. Written for
#: the language of French public contracts, never for one document; a word whose stem is
#: also another word's ("exploitant" and "exploitation", "délégation" and "délégué") stays
#: out.
SYNONYMS = (
    "contrat marche convention concession accord-cadre accords-cadres",
    "titulaire prestataire concessionnaire delegataire fournisseur cocontractant",
    "acheteur adjudicateur delegant collectivite",
    "restituer restitution remettre remise reverser reversement retourner recuperer recuperation",
    "supprimer suppression detruire destruction effacer effacement purger purge",
    "heberger hebergement hebergeur",
    "transmettre transmission fournir livrer livraison",
    "publier publication diffuser diffusion",
    "reexamen reexaminer revoyure",
    "sauvegarde backup",
    "produire produit production",
    "collecter collecte recueillir recueil",
    "donnees donnee",
    "evolution changement modification",
    "notifier notification signaler signalement alerter",
    "loi legislation legislatif reglementation reglementaire",
    "demeurer rester",
)
# Negations ("ne … pas") are read on the sentence's text, not on concepts.


#: The characters ``_FOLD`` changes, and what each becomes.
_FOLDED_CHAR = {chr(key): chr(value) for key, value in _FOLD.items()}
_FOLDABLE = re.compile("[" + "".join(_FOLDED_CHAR) + "]")


def fold(text: str) -> str:
    """Lowercase and remove accents (and typographic apostrophes), fast."""
    return _fold_lowered(text.lower())


def _fold_lowered(lowered: str) -> str:
    """``fold`` of a text already lowercased."""
    if lowered.isascii():
        return lowered
    # ``str.translate`` looks every character up in the table (about 75 ns each); a regular
    # expression finds the few accented ones in C and replaces only those: 3× faster on French.
    return _FOLDABLE.sub(lambda match: _FOLDED_CHAR[match.group()], lowered)


#: Concepts already computed, by lowercase word: most words of a document recur.
_CONCEPTS: dict[str, str] = {}
#: Lowercase words that are conjugated verbs ("notifie" → "notifier", "font" → "faire").
_VERBS: set[str] = set()
_VERB_ENDINGS = ("er", "ir", "re", "oir")
_CACHE_LIMIT = 500_000  # bounded: a hostile document cannot grow it for ever


def stem(word: str) -> str:
    """The stem of one folded word.

    Snowball's French stemmer is written for accented words; on folded ones it leaves a
    final "e" now and then ("restituees" → "restitue" but "restitution" → "restitu"):
    dropping it makes the forms of a word meet again.
    """
    if len(word) <= 3:
        return word
    root = _STEMMER.stem(word)
    return root.rstrip("e") if len(root) > 4 else root


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYMS:
        words = group.split()
        head = stem(fold(words[0]))
        for word in words:
            table[stem(fold(word))] = head
    return table


_SYNONYM_OF = _build_synonyms()


#: Nouns the lemmatizer reads as a verb's participle in the singular only: « donnée » as
#: « donner », though « données » is « donnée ». Their lemma is the noun, so that the singular
#: and the plural are one concept (« aucune donnée » is about data) and no verb.
NOT_PARTICIPLES = {"donnee": "donnee"}
#: Verbs whose third person the lemmatizer reads as a noun (« la demeure », « le reste »):
#: « les données demeurent / restent la propriété de la commune » has a verb either way.
VERB_HOMOGRAPHS = {"demeure": "demeurer", "reste": "rester"}


def concept(word: str) -> str:
    """The concept of one lowercase word: lemma, folded, stemmed, then its synonym group."""
    known = _CONCEPTS.get(word)
    if known is not None:
        return known
    folded = fold(word)
    if len(folded) <= 3 or folded.isdigit():
        result = folded
    else:
        lemma = (
            NOT_PARTICIPLES.get(folded)
            or VERB_HOMOGRAPHS.get(folded)
            or fold(lemmatize(word, lang="fr"))
        )
        if folded in VERB_HOMOGRAPHS or (
            lemma != folded and lemma.endswith(_VERB_ENDINGS) and not folded.endswith(_VERB_ENDINGS)
        ):
            _VERBS.add(word)
        root = stem(lemma if lemma.isalpha() else folded)
        # The word's own stem is asked only when the lemmatizer did not know the word:
        # « publiques » is « public », though its stem is that of « publication ».
        known_lemma = lemma != folded and lemma.isalpha()
        result = (
            _SYNONYM_OF.get(root)
            or (None if known_lemma else _SYNONYM_OF.get(stem(folded)))
            or root
        )
    if len(_CONCEPTS) < _CACHE_LIMIT:
        _CONCEPTS[word] = result
    return result


class _Tokens(dict[str, str]):
    """What ``IndexedText.build`` keeps of each lowercase word: its concept, or "" for a stop
    word; computed on the first lookup of a word (``__missing__``), so that a text's words are
    looked up by ``map`` in C. Bounded like ``_CONCEPTS``, whose strings it holds (the same
    word and concept objects), so that its own table costs at most about 15 MB: past the
    bound a word is only read more slowly."""

    def __missing__(self, word: str) -> str:
        # The folded text has the same offsets as the lowercase one, and folding twice
        # changes nothing: the word folded here is the folded text's word at that place.
        token = "" if word.translate(_FOLD) in STOP_WORDS else concept(word)
        if len(self) < _CACHE_LIMIT:
            self[word] = token
        return token


_TOKENS = _Tokens()


@contextmanager
def collector_spared() -> Iterator[None]:
    """Hold the cyclic garbage collector off while a document is tokenised and judged.

    That allocates hundreds of thousands of lists, tuples and dicts that reference counting
    frees (the document's index makes no cycle), yet every 700 allocations would start a
    collection that walks the young objects, and now and then all of them. Once the
    judgement is over, most are gone and the first collection is short. The collector is
    restored as it was, whatever happens. Reading is left out: lxml's parser lies in a
    cycle, whose memory (about 12 MB for a 300-page DOCX) would wait for the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def stems_of(text: str) -> tuple[str, ...]:
    """The concepts of a phrase, stop words left out."""
    lowered = text.lower()
    return tuple(
        concept(m.group()) for m in WORD.finditer(lowered) if fold(m.group()) not in STOP_WORDS
    )


#: How far apart (in concepts) the words of a phrase may stand when their order differs.
LOOSE_WINDOW = 8


#: After a colon, a matter declared void ends the same sentence: « Transparence
#: algorithmique : sans objet. » says what is void.
_VOID_TAIL = re.compile(r"\W*(?:sans\s+objet|non\s+applicable|neant)\W*$")


def _colon_bounds(folded: str, bounds: list[int]) -> list[int]:
    """Sentence ends, less those between a label and its colon and « sans objet »."""
    kept: list[int] = []
    for number, end in enumerate(bounds[:-1]):
        if folded[:end].rstrip().endswith(":") and _VOID_TAIL.match(
            folded, end, bounds[number + 1]
        ):
            continue
        kept.append(end)
    return [*kept, bounds[-1]]


#: Words of the families' subjects used in another sense, which are not read as such: a
#: chemical's safety data sheet (« fiche de données de sécurité »), staff or people lodged
#: (« hébergement du personnel »), a cabinet housing equipment, a reversible air conditioner,
#: a worksite's « base vie », a supplier's own product database, the technical data of a
#: product's datasheet.
OTHER_SENSE = re.compile(
    r"\bfiches?\s+(?:de\s+)?donnees\s+(?:de\s+)?securite\b|\bfds\b"
    r"|\bfiches?\s+(?:de\s+)?donnees\s+(?:techniques?|produits?)\b"
    r"|\bdonnees\s+(?:techniques?\s+)?(?:des?\s+|du\s+)?(?:constructeurs?|fabricants?)\b"
    r"|\b(?:hebergement|heberger|hebergee?s?|logement)\s+(?:\w+\s+)?(?:du|des|de\s+l'|de\s+la|de|les|le|la)?"
    r"\s*(?:personnels?|equipes?|agents?|techniciens?|ouvriers?|salaries?|intervenants?|"
    r"residents?|eleves?|stagiaires?|personnes?|participants?|sportifs?|familles?|animaux|"
    r"visiteurs?|touristes?|voyageurs?|compagnons|saisonniers|artistes?|candidats?)\b"
    r"|\bhebergements?\s+(?:touristiques?|d'urgence|collectifs?|hoteliers?|temporaires?\s+des?)\b"
    r"|\b(?:armoires?|coffrets?|abris?|boitiers?|locaux\s+techniques?|local\s+technique)\s+"
    r"(?:\w+\s+){0,2}?hebergeant\b"
    r"|\b(?:climatisations?|pompes?\s+a\s+chaleur|unites?\s+\w+|groupes?\s+\w+|voies?|"
    r"ventilateurs?|moteurs?|fixations?|vestiaires?|salles?)\s+(?:\w+\s+)?reversibles?\b"
    r"|\bbases?\s+vie\b"
    # intruders into a building, not into a system
    r"|\banti-?intrusions?\b|\balarmes?\s+(?:\w+\s+){0,2}?intrusions?\b|\bsystemes?\s+d'alarmes?\b"
    # the safety of people and works, not of information systems
    r"|\bplans?\s+particuliers?\s+de\s+securite(?:\s+et\s+de\s+protection\s+de\s+la\s+sante)?\b"
    r"|\bppsps\b|\bcoordonnateurs?\s+sps\b|\bplans?\s+de\s+prevention\b"
    r"|\bsecurite\s+(?:incendie|sanitaire|alimentaire|routiere|electrique|physique|"
    r"des\s+(?:usagers|personnels?|personnes|travailleurs|agents|biens|baigneurs|chantiers?|"
    r"interventions|installations\s+electriques)|du\s+(?:chantier|personnel|public))\b"
    # a formal notice, not a word of « demeurer »
    r"|\bmises?\s+en\s+demeure\b"
    # « au service de »: for the benefit of, not a service
    r"|\bau\s+service\s+(?:de|du|des|d')"
    # the revision of prices, not a review of the clauses
    r"|\b(?:clauses?\s+de\s+)?(?:revoyure|reexamen|reexaminer|revision|reviser|revoir|"
    r"actualisation|actualiser)s?\s+(?:tarifaires?|economiques?|(?:des|du|de|les|le)\s+prix\b"
    r"(?:\s+unitaires)?|(?:des|les)\s+tarifs)\b"
    r"|\b(?:prix|tarifs)\s+(?:\w+\s+){0,2}?(?:sont|seront|est|sera|peuvent|pourront|peut|pourra)\s+"
    r"(?:etre\s+)?(?:\w+\s+)?(?:reexamine|revise|revu|actualise)e?s?\b"
    r"|\bbases?\s+de\s+donnees\s+(?:de\s+|du\s+|des\s+)(?:son|ses|sa|leur|leurs)?\s*"
    r"(?:fournisseurs?|fabricants?|constructeurs?|fiches?|recettes|catalogues?|produits|articles|"
    r"references)\b"
)


#: A clause set between commas inside a sentence (« les données, qu'elles aient été
#: collectées ou produites par le titulaire, appartiennent … »): read like words in brackets.
INCIDENTAL = re.compile(
    r",\s*(?:qu'|que\s|qui\s|dont\s|lequel|laquelle|lesquel|le\s+cas\s+echeant|y\s+compris\s|"
    r"notamment\s|en\s+particulier\s)[^,;:()]*,"
)


def _other_senses_blanked(lowered: str, folded: str, start: int, end: int) -> str:
    """``lowered[start:end]``, its words in another sense (``OTHER_SENSE``, read on the folded
    text, which has its characters at the same offsets) blanked out."""
    pieces, cursor = [], start
    for match in OTHER_SENSE.finditer(folded, start, end):
        pieces += (lowered[cursor : match.start()], " " * (match.end() - match.start()))
        cursor = match.end()
    if not pieces:
        return lowered[start:end]
    pieces.append(lowered[cursor:end])
    return "".join(pieces)


@dataclass
class IndexedText:
    """A text tokenised once: its concepts, where each occurs, and its sentences."""

    text: str
    folded: str = ""
    stems: list[str] = field(default_factory=list)
    positions: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    #: For each token, the index of its sentence; and each sentence's character span.
    sentence_of: list[int] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    #: The first token of each sentence (and one past the last, at the end).
    sentence_start: list[int] = field(default_factory=list)
    #: The sentences that hold a conjugated verb (a heading or a table cell often has none).
    with_verb: set[int] = field(default_factory=set)
    #: Per sentence, once asked: ``bracketed``.
    _bracketed: dict[int, list[bool]] = field(default_factory=dict)

    @classmethod
    def build(cls, text: str) -> IndexedText:
        """Tokenise ``text``."""
        lowered = text.lower()
        folded = _fold_lowered(lowered)
        # Folding keeps every offset and whether each character is a letter: the two texts
        # have their words at the same places. (Lowercasing may not keep them: « İ » is two
        # characters in lowercase; the folded text then stands for both.)
        if len(lowered) != len(text):
            lowered = folded
        indexed = cls(text, folded)
        stems, sentence_of, token_of = indexed.stems, indexed.sentence_of, _TOKENS.__getitem__
        start = 0
        bounds = [
            m.end()
            for m in SENTENCE_END.finditer(folded)
            if "\n" in m.group() or not ABBREVIATION.search(text, max(0, m.start() - 6), m.end())
        ] + [len(folded)]
        bounds = _colon_bounds(folded, bounds)
        blanked = _other_senses_blanked(lowered, folded, 0, len(folded))
        for end in bounds:
            if end <= start:
                continue
            number = len(indexed.sentences)
            indexed.sentences.append((start, end))
            indexed.sentence_start.append(len(stems))
            words = WORD.findall(blanked, start, end)
            # A stop word's token is "", which the filter drops.
            tokens = list(filter(None, map(token_of, words)))
            if not _VERBS.isdisjoint(words):
                indexed.with_verb.add(number)
            stems.extend(tokens)
            sentence_of.extend([number] * len(tokens))
            start = end
        indexed.sentence_start.append(len(stems))
        positions = indexed.positions
        for index, token in enumerate(stems):
            positions[token].append(index)
        return indexed

    def find(self, phrase: tuple[str, ...]) -> list[int]:
        """Sentence indexes where the phrase's concepts occur in a row."""
        if not phrase:
            return []
        starts = self.positions.get(phrase[0])
        if not starts:
            return []
        if any(token not in self.positions for token in phrase[1:]):
            return []
        found = []
        for position in starts:
            end = position + len(phrase)
            if end <= len(self.stems) and tuple(self.stems[position:end]) == phrase:
                sentence = self.sentence_of[position]
                if not found or found[-1] != sentence:
                    found.append(sentence)
        return found

    def find_loose(self, phrase: tuple[str, ...], window: int = LOOSE_WINDOW) -> list[int]:
        """Sentence indexes where every concept of the phrase stands, in any order, within
        ``window`` concepts of the first one's occurrence."""
        if not phrase:
            return []
        if len(phrase) == 1:
            return self.find(phrase)
        if any(token not in self.positions for token in phrase):
            return []
        rarest = min(phrase, key=lambda token: len(self.positions[token]))
        others = [token for token in phrase if token != rarest]
        found: list[int] = []
        for position in self.positions[rarest]:
            sentence = self.sentence_of[position]
            if found and found[-1] == sentence:
                continue
            low = max(self.sentence_start[sentence], position - window)
            high = min(self.sentence_start[sentence + 1], position + window + 1)
            near = set(self.stems[low:high])
            if all(token in near for token in others):
                found.append(sentence)
        return sorted(set(found))

    def bracketed(self, index: int) -> list[bool]:
        """For each token of a sentence, whether it stands inside brackets (« les paramétrages
        (arborescences, scénarios, règles) lui appartiennent »): read on demand only, once
        (the list is shared: not to be changed)."""
        known = self._bracketed.get(index)
        if known is not None:
            return known
        start, end = self.sentences[index]
        flags, depth = [], 0
        # The folded text's words stand where the lowercase text's do (see ``build``), and
        # the words in another sense are blanked as there.
        part = _other_senses_blanked(self.folded, self.folded, start, end)
        incidental = [m.span() for m in INCIDENTAL.finditer(part)]
        cursor = 0
        for word in WORD.finditer(part):
            bare = word.group()
            between = part[cursor : word.start()]
            depth = max(
                0,
                depth
                + between.count("(")
                + between.count("[")
                - between.count(")")
                - between.count("]"),
            )
            cursor = word.end()
            if bare not in STOP_WORDS:
                flags.append(depth > 0 or any(a < word.start() < b for a, b in incidental))
        self._bracketed[index] = flags
        return flags

    def concepts_of(self, index: int) -> set[str]:
        """The concepts of one sentence."""
        return set(self.stems[self.sentence_start[index] : self.sentence_start[index + 1]])

    def folded_sentence(self, index: int) -> str:
        """One sentence, lowercased and without accents (as the rules read it)."""
        start, end = self.sentences[index]
        return self.folded[start:end]

    def sentence(self, index: int) -> str:
        """The original text of one sentence, with its spacing tidied."""
        start, end = self.sentences[index]
        return " ".join(self.text[start:end].split())
