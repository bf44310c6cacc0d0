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
    « sécurisées », « sécurité » and « securite », « pénalités » and « penalite ».
    """
    folded = fold(word)
    if not folded.isalpha():  # figures, article numbers (L3131): as written
        return folded
    for plain, accented in ACCENTED_ENDINGS:
        if folded.endswith(plain):
            folded = folded[: -len(plain)] + accented
            break
    root = fold(_STEMMER.stem(folded))
    # Snowball keeps the « -is- » of verbs in -iser and their nouns: « sécuris(er) »,
    # « sécuris(ation) ». Without it they meet the word they derive from (« sécur(ité) »),
    # and a past participle its feminine (« compris », « comprise »).
    if len(root) >= 6 and root.endswith("is") and root[-3] not in VOWELS:
        root = root[:-2]
    return root
