"""French words as the search index keys them: one key for the forms of a word, accents or not.

Snowball's French stemmer reads accents: it removes « -ité », « -ée(s) », « -ière » only when
they are written with their accents. Folding accents first ("sécurité" → "securite" →
"securit") kept « hébergées », « restituées », « sécurité » away from « hébergement »,
« restituer », « sécurisées »; stemming the accented word first would make a query typed
without accents miss ("securite" → "securit", but "sécurité" → "sécur").

So the key of a word is a function of its folded spelling only — the same key whatever accents
are typed — and the accents Snowball needs are written back on the suffix before stemming
("securite" → "securité" → "secur"). A lemmatizer was tried first (simplemma, as the analysis
does): it parts forms that stemming joins (« produit » and « produites », « rendu » and
« rendue », « pris » and « prise »), and needs a folded-word dictionary to read "hebergees".
"""

from __future__ import annotations

import functools

from whoosh.lang.snowball.french import FrenchStemmer
from whoosh.support.charset import accent_map

_STEMMER = FrenchStemmer()
#: Folded endings and the accented ones Snowball's suffix rules look for, longest first.
ACCENTED_ENDINGS = (
    ("ieres", "ières"),
    ("iere", "ière"),
    ("ites", "ités"),
    ("ite", "ité"),
    ("ees", "ées"),
    ("ee", "ée"),
)
VOWELS = frozenset("aeiouy")
#: whoosh's accent folding, plus the ligatures it leaves: "œuvre" is typed "oeuvre".
FOLDING = accent_map | {ord("œ"): "oe", ord("æ"): "ae"}


def fold(word: str) -> str:
    """Lowercase and without accents ("Œuvre" → "oeuvre", "Sécurité" → "securite")."""
    return word.lower().translate(FOLDING)


@functools.lru_cache(maxsize=100_000)
def search_key(word: str) -> str:
    """The key under which the index keeps a word and a query looks it up.

    « hébergées », « hebergees », « hébergement » and « héberger » share one key; so do
    « sécurité » and « securite », « pénalités » and « penalite »; « sécurisées » has a key
    of its own, related to them (``related_key``).
    """
    folded = fold(word)
    if not folded.isalpha():  # figures, article numbers (L3131): as written
        return folded
    for plain, accented in ACCENTED_ENDINGS:
        if folded.endswith(plain):
            folded = folded[: -len(plain)] + accented
            break
    return fold(_STEMMER.stem(folded))


def related_key(key: str) -> str | None:
    """The key of the word a verb in « -iser » derives from, or of the verb derived from a word.

    Snowball keeps the « -is- » of verbs in -iser and of their nouns: « sécuris(ées) »,
    « sécuris(ation) » do not meet « sécur(ité) ». A query looks the related key up too, at a
    lower weight, so that « sécurisées » finds « sécurité » and the other way round, while
    « autorisation » still ranks the clauses that say « autorisation » before those that only
    say « autorité ».
    """
    if not key.isalpha() or len(key) < 4:
        return None
    if len(key) >= 6 and key.endswith("is") and key[-3] not in VOWELS:
        return key[:-2]
    if key[-1] not in VOWELS:
        return key + "is"
    return None
