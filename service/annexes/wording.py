"""The words of an annex: one pair of defined terms for the whole document, chosen from the
contract type (marché: l'acheteur / le titulaire; concession: l'autorité concédante / le
concessionnaire), article headings that name the clause's subject, and the buyer's name with
the article French gives it (« de la Commune de Valmont-sur-Loire », « du Syndicat des eaux »,
« de Valmont-sur-Loire » for a bare town name)."""

from __future__ import annotations

import re

#: Words that head a buyer's name, with their gender: « la Commune de … », « le Syndicat … ».
_FEMININE = {
    "agence",
    "agglomération",
    "caisse",
    "chambre",
    "collectivité",
    "communauté",
    "commune",
    "direction",
    "eurométropole",
    "mairie",
    "métropole",
    "préfecture",
    "région",
    "régie",
    "société",
    "université",
    "ville",
}
_MASCULINE = {
    "centre",
    "conseil",
    "département",
    "établissement",
    "groupement",
    "hôpital",
    "institut",
    "ministère",
    "office",
    "pôle",
    "service",
    "syndicat",
}
_ARTICLES = ("le ", "la ", "les ", "l'", "l’")
_VOWEL = re.compile(r"^[aeiouyhàâéèêëîïôöûüœ]", re.IGNORECASE)

#: The buyer's name in a clause, and the preposition before it (« de », « à »), if any.
BUYER = re.compile(r"(?:(?<![\w'’])(?P<prep>[dD]e|[àÀ]) )?\{\{\s*acheteur\s*\}\}")
#: Where a sentence starts: the start of the text, after a full stop, a colon's list item or a
#: bold run-in heading (« 1. **Objet.** »).
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\*\*\s+|^\s*(?:\d+[.)]|[-*•])\s+)$")

#: Defined terms of the other kind of contract → those of this kind, articles included.
_TO_CONCESSION = [
    (re.compile(r"\b([lL])['’]acheteur\b"), r"\1'autorité concédante"),
    (re.compile(r"\b([lL]e|[dD]u|[aA]u) titulaire\b"), r"\1 concessionnaire"),
    (re.compile(r"\b([lL]es|[dD]es|[aA]ux) titulaires\b"), r"\1 concessionnaires"),
]
_TO_MARCHE = [
    (re.compile(r"\b([lL])['’]autorité concédante\b"), r"\1'acheteur"),
    (re.compile(r", autorité concédante\b"), ", acheteur"),
    (re.compile(r"\b([lL]e|[dD]u|[aA]u) concessionnaire\b"), r"\1 titulaire"),
    (re.compile(r"\b([lL]es|[dD]es|[aA]ux) concessionnaires\b"), r"\1 titulaires"),
    (re.compile(r", concessionnaire\b"), ", titulaire"),
]


def defined_terms(text: str, contract_type: str | None) -> str:
    """A clause's text with the defined terms of its contract type: a concession says
    « l'autorité concédante » and « le concessionnaire », a marché « l'acheteur » and « le
    titulaire » — one pair in the whole annex, whichever library clause a text came from.
    Without a contract type the text is left as written."""
    if not contract_type:
        return text
    rules = _TO_CONCESSION if contract_type == "concession" else _TO_MARCHE
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def subject(title: str) -> str:
    """An article's heading: the clause's subject, without the library's name for the variant
    (« Réversibilité — clause renforcée » → « Réversibilité »)."""
    return title.split(" — ", 1)[0].strip() or title


def with_article(name: str) -> str:
    """A buyer's name as French writes it in a sentence: « la Commune de Valmont-sur-Loire »,
    « le Syndicat des eaux », « l'Agglomération du Val », a bare town name as it is."""
    name = name.strip()
    if not name or name.lower().startswith(_ARTICLES):
        return name[0].lower() + name[1:]  # « La Région » typed: « de la Région »
    head = re.split(r"[\s-]", name, maxsplit=1)[0].lower()
    if head not in _FEMININE and head not in _MASCULINE:
        return name
    if _VOWEL.match(head):
        return "l'" + name
    return ("la " if head in _FEMININE else "le ") + name


def buyer_after(preposition: str | None, name: str) -> str:
    """The buyer's name after « de » or « à » (or none), the article contracted as French does:
    « du Syndicat », « au Syndicat », « de la Commune », « d'Angers »."""
    articled = with_article(name)
    if not preposition:
        return articled
    lower = articled.lower()
    capital = preposition[0].isupper()
    if preposition.lower() == "de":
        if lower.startswith("le "):
            joined = "du " + articled[3:]
        elif lower.startswith("les "):
            joined = "des " + articled[4:]
        elif _VOWEL.match(articled) and not lower.startswith(_ARTICLES):
            joined = "d'" + articled
        else:
            joined = "de " + articled
    elif lower.startswith("le "):
        joined = "au " + articled[3:]
    elif lower.startswith("les "):
        joined = "aux " + articled[4:]
    else:
        joined = "à " + articled
    return joined[0].upper() + joined[1:] if capital else joined


def place_buyer(body: str, name: str) -> str:
    """A clause's text with the buyer's name written in, article and contraction included,
    capitalised at the start of a sentence."""

    def replace(match: re.Match[str]) -> str:
        written = buyer_after(match["prep"], name)
        if not match["prep"] and _SENTENCE_START.search(body[: match.start()]):
            written = written[0].upper() + written[1:]
        return written

    return BUYER.sub(replace, body)
