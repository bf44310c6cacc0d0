"""French for people: dates in Paris time, written out as French readers expect."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(moment: dt.datetime | dt.date) -> str:
    """A date in French ("1er mars 2026"), in Paris time for a timestamp (naive = UTC)."""
    if isinstance(moment, dt.datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        moment = aware.astimezone(PARIS).date()
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[moment.month - 1]} {moment.year}"


def french_datetime(moment: dt.datetime | None) -> str:
    """A UTC timestamp as Paris time in French: « 12 janvier 2026 à 10 h 00 »."""
    if moment is None:
        return ""
    local = moment.astimezone(PARIS)
    return f"{french_date(local)} à {local.hour} h {local.minute:02d}"


def today_in_paris() -> dt.date:
    """Today's date in Paris (the day a French contract manager lives in)."""
    return dt.datetime.now(PARIS).date()


def end_of_day_in_paris(day: dt.date) -> dt.datetime:
    """The last instant of a day in Paris, in UTC (what was received « by » that day)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), PARIS).astimezone(dt.UTC)


#: Words that never take the plural mark: adverbs and the words that open a complement (« à
#: l'heure », « en retard », « non prévu au contrat » → « non prévus au contrat »).
_INVARIABLE = {"non", "pas", "très", "bien", "mal", "plus", "moins", "trop", "tout"}
#: Words after which the rest of a phrase is a complement, left as it is.
_COMPLEMENT = {"à", "au", "aux", "de", "des", "du", "d", "en", "par", "pour", "sur", "sans"}
#: Plurals that the rules below would get wrong.
_IRREGULAR = {"œil": "yeux", "bail": "baux", "travail": "travaux", "final": "finals"}


def plural_word(word: str) -> str:
    """The plural of one French noun or adjective: « période » → « périodes », « journal » →
    « journaux », « niveau » → « niveaux »; a word ending in s, x or z is unchanged."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower[-1:] in ("s", "x", "z"):
        return word
    if lower.endswith("al") and lower not in ("bal", "festival", "récital", "carnaval"):
        return word[:-2] + "aux"
    if lower.endswith(("eau", "au", "eu")) and lower not in ("pneu", "bleu"):
        return word + "x"
    return word + "s"


def plural_phrase(phrase: str) -> str:
    """The plural of a noun phrase as French writes it after a count: each word takes the mark
    up to the first complement (« valeur obligatoire manquante » → « valeurs obligatoires
    manquantes », « non prévu au contrat » → « non prévus au contrat »); a phrase that opens
    with a complement is invariable (« à venir », « en retard », « à l'heure »)."""
    words = phrase.split(" ")
    out: list[str] = []
    for position, word in enumerate(words):
        head = word.split("'")[0].lower()
        if head in _COMPLEMENT or "'" in word:
            out.extend(words[position:])
            break
        out.append(word if word.lower() in _INVARIABLE or not word else plural_word(word))
    return " ".join(out)


def number(count: int) -> str:
    """An integer as French writes it: its thousands set apart by a narrow no-break space
    (« 1 234 », « 200 000 »)."""
    return f"{count:,}".replace(",", "\u202f")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """A count and its noun in French: « 0 période », « 1 période », « 2 périodes »,
    « 1 234 lignes ».

    French writes the singular for zero and one; ``plural_form`` gives the plural where the
    rules of :func:`plural_phrase` do not (« 2 verdicts modifiés »)."""
    if abs(count) < 2:
        return f"{count} {singular}"
    return f"{number(count)} {plural_form or plural_phrase(singular)}"


def agree(count: int, singular: str, plural_form: str | None = None) -> str:
    """The word alone, agreed with a count (« correspond » / « correspondent » needs
    ``plural_form``; « ajouté » / « ajoutés » does not)."""
    if abs(count) < 2:
        return singular
    return plural_form or plural_phrase(singular)
