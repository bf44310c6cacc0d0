"""Text as the analyzer sees it: folded, stemmed words, with their sentences.

A section is tokenised once; phrases (a hint, a signal) are then looked up as sequences of
stems through a position index, which is far cheaper than one regular expression per phrase.
Stems come from the same French analyzer as the search index, so "restitue", "restitution"
and "restituées" are the same word, with or without accents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from whoosh.lang.snowball.french import FrenchStemmer

WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"(?<=[.;!?:])\s+|\n+")
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
# Negations ("ne … pas") are read on the sentence's text, not on stems.


def fold(text: str) -> str:
    """Lowercase and remove accents (and typographic apostrophes), fast."""
    return text.lower().translate(_FOLD)


#: Stems already computed: most words of a document recur, and a dict is the fastest cache.
_STEMS: dict[str, str] = {}


def stem(word: str) -> str:
    """The stem of one folded word.

    Snowball's French stemmer is written for accented words; on folded ones it leaves a
    final "e" now and then ("restituees" → "restitue" but "restitution" → "restitu"):
    dropping it makes the forms of a word meet again.
    """
    if len(word) <= 3:
        return word
    root = _STEMMER.stem(word)
    root = root.rstrip("e") if len(root) > 4 else root
    if len(_STEMS) < 500_000:  # bounded: a hostile document cannot grow it for ever
        _STEMS[word] = root
    return root


def stems_of(text: str) -> tuple[str, ...]:
    """The stems of a phrase, stop words left out."""
    return tuple(stem(w) for w in WORD.findall(fold(text)) if w not in STOP_WORDS)


@dataclass
class IndexedText:
    """A text tokenised once: its stems, where each stem occurs, and its sentences."""

    text: str
    folded: str = ""
    stems: list[str] = field(default_factory=list)
    positions: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    #: For each token, the index of its sentence; and each sentence's character span.
    sentence_of: list[int] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def build(cls, text: str) -> IndexedText:
        """Tokenise ``text``."""
        folded = fold(text)
        indexed = cls(text, folded)
        stems, sentence_of, known = indexed.stems, indexed.sentence_of, _STEMS
        start = 0
        bounds = [m.end() for m in SENTENCE_END.finditer(folded)] + [len(folded)]
        for end in bounds:
            if end <= start:
                continue
            number = len(indexed.sentences)
            indexed.sentences.append((start, end))
            tokens = [
                known.get(word) or stem(word)
                for word in WORD.findall(folded, start, end)
                if word not in STOP_WORDS
            ]
            stems.extend(tokens)
            sentence_of.extend([number] * len(tokens))
            start = end
        positions = indexed.positions
        for index, token in enumerate(stems):
            positions[token].append(index)
        return indexed

    def find(self, phrase: tuple[str, ...]) -> list[int]:
        """Sentence indexes where the phrase's stems occur in a row."""
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

    def folded_sentence(self, index: int) -> str:
        """One sentence, lowercased and without accents (as the rules read it)."""
        start, end = self.sentences[index]
        return self.folded[start:end]

    def sentence(self, index: int) -> str:
        """The original text of one sentence, with its spacing tidied."""
        start, end = self.sentences[index]
        return " ".join(self.text[start:end].split())
