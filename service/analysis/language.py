"""The grammar of French contract language the analyzer needs, on folded sentences.

Figures of time (« quarante-huit heures », « 30 j », « une fois par trimestre »), who a sentence
binds (an obligation on the titulaire, a right of the buyer), the scope of a negation (a duty
denied, a protective prohibition, a restriction « ne … que », a relative clause) and the
passing mentions that are not clauses (a table of contents line, a definition, a list of
applicable texts, a bare reference to another document). Nothing here names a document's
sentence: these are patterns of the language, tested with sentences written for the tests.
"""

from __future__ import annotations

import re

# -- figures of time ----------------------------------------------------------------------

_UNITS_WORDS = (
    "zero un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze "
    "quinze seize vingt trente quarante cinquante soixante cent"
).split()
_NUMBER_WORD = rf"(?:{'|'.join(_UNITS_WORDS)}|et)"
#: A number, in digits or in words ("quarante-huit", "soixante et onze", "deux cents").
#: Ordinals: « le quinzième jour », « le 30e jour » — a delay counted to that day.
_ORDINALS = {
    "deuxieme": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5, "sixieme": 6,
    "septieme": 7, "huitieme": 8, "neuvieme": 9, "dixieme": 10, "quinzieme": 15,
    "vingtieme": 20, "trentieme": 30, "quarantieme": 40, "soixantieme": 60,
}  # fmt: skip
_ORDINAL = rf"(?:\d+(?:e|eme|ieme)|{'|'.join(_ORDINALS)})"
NUMBER = rf"(?:{_ORDINAL}|\d+(?:[,.]\d+)?|{_NUMBER_WORD}(?:[-\s]{_NUMBER_WORD}s?){{0,3}})"
_UNIT = (
    r"(?:jours?|j|mois|semaines?|heures?|h|hrs?|ans?|annees?|trimestres?|semestres?|minutes?|"
    r"min|jours?\s+(?:ouvres|ouvrables|calendaires|francs))"
)
_PERIOD = r"(?:jour|semaine|mois|trimestre|semestre|annee|an|quinzaine|heure)"
QUANTITY = re.compile(
    rf"\b{NUMBER}\s*(?:\(\s*\d+\s*\)\s*)?{_UNIT}\b"
    r"|\b(?:mensuel|trimestriel|semestriel|annuel|hebdomadaire|quotidien|bimestriel|biannuel|"
    r"bisannuel|journalier)\w*"
    rf"|\bchaque\s+{_PERIOD}s?\b"
    rf"|\b(?:tous|toutes)\s+les\s+(?:\w+\s+)?{_PERIOD}s\b"
    rf"|\b(?:par|l')\s*{_PERIOD}s?\b"
    r"|\b(?:une|deux|trois|quatre)\s+fois\s+par\s+\w+"
    r"|\b(?:sous|dans\s+la)\s+(?:huitaine|quinzaine)\b"
    r"|\bdans\s+(?:le\s+mois|la\s+semaine|l'annee|le\s+trimestre|le\s+semestre)\s+(?:qui\s+suit|suivant)"
    r"|\bau\s+fil\s+de\s+l'eau\b|\ben\s+temps\s+reel\b|\ben\s+continu\b"
    r"|\b\d{1,2}(?:er)?\s+(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|"
    r"octobre|novembre|decembre)\b"
)


#: A frequency (not a delay): « chaque mois », « tous les trimestres », « mensuellement »,
#: « une fois par an », « le 10 de chaque mois ».
FREQUENCY = re.compile(
    r"\b(?:mensuel|trimestriel|semestriel|annuel|hebdomadaire|quotidien|bimestriel|biannuel|"
    r"bisannuel|journalier)\w*"
    rf"|\bchaque\s+{_PERIOD}s?\b"
    rf"|\b(?:tous|toutes)\s+les\s+(?:\w+\s+)?{_PERIOD}s\b"
    r"|\b(?:une|deux|trois|quatre)\s+fois\s+par\s+\w+"
    r"|\bau\s+fil\s+de\s+l'eau\b|\ben\s+temps\s+reel\b"
)


_WORD_VALUES = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100,
}  # fmt: skip
#: Days in each unit of a delay.
_UNIT_DAYS = (
    (re.compile(r"^(?:minutes?|min)$"), 1 / 1440),
    (re.compile(r"^(?:heures?|h|hrs?)$"), 1 / 24),
    (re.compile(r"^(?:jours?|j)\b"), 1),
    (re.compile(r"^semaines?$"), 7),
    (re.compile(r"^mois$"), 30),
    (re.compile(r"^trimestres?$"), 91),
    (re.compile(r"^semestres?$"), 182),
    (re.compile(r"^(?:ans?|annees?)$"), 365),
)
_DELAY = re.compile(
    rf"\b(?P<number>{NUMBER})\s*(?:\(\s*(?:\d+|[a-z -]+)\s*\)\s*)?(?P<unit>{_UNIT})\b"
)


def number_value(text: str) -> float | None:
    """The value of a number in digits or French words (« quarante-huit », « soixante et
    onze », « quatre-vingts »), or None."""
    text = text.strip().replace(",", ".")
    if text in _ORDINALS:
        return float(_ORDINALS[text])
    if ordinal := re.fullmatch(r"(\d+)(?:e|eme|ieme)", text):
        return float(ordinal.group(1))
    try:
        return float(text)
    except ValueError:
        pass
    total = current = 0
    for word in re.split(r"[-\s]+", text):
        if word == "et" or not word:
            continue
        value = _WORD_VALUES.get(word)
        if value is None:
            return None
        if value == 100:
            current = max(current, 1) * 100
        elif value == 20 and current in {4}:  # « quatre-vingts », « quatre-vingt-un »
            current *= 20
        else:
            current += value
    total += current
    return float(total) if total or text in {"zero"} else None


_WITHIN = re.compile(
    r"\bdans\s+(?:le|la|l')\s*(?P<unit>mois|semaine|annee|trimestre|semestre)\s+(?:qui\s+suit|suivant)"
)


def delay_days(folded: str) -> float | None:
    """The first delay or duration of a folded sentence, in days (« un mois » → 30,
    « quarante-huit heures » → 2, « dans le mois qui suit » → 30), or None."""
    within = _WITHIN.search(folded)
    for match in _DELAY.finditer(folded):
        if within is not None and within.start() < match.start():
            break
        value = number_value(match["number"])
        if value is None:
            continue
        for unit, days in _UNIT_DAYS:
            if unit.match(match["unit"]):
                return value * days
    if within is not None:
        for unit, days in _UNIT_DAYS:
            if unit.match(within["unit"]):
                return days
    return None


def has_quantity(folded: str) -> bool:
    """Whether a folded sentence gives a figure of time: a delay, a duration or a frequency."""
    return QUANTITY.search(folded) is not None


# -- who is bound -------------------------------------------------------------------------

PARTY = (
    r"(?:titulaire|prestataire|delegataire|concessionnaire|fournisseur|editeur|exploitant|"
    r"infogerant|hebergeur|operateur|cocontractant|societe|candidat|soumissionnaire|"
    r"mandataire|entreprise|sous-traitant|laboratoire|attributaire|groupement)s?"
)
BUYER = (
    r"(?:acheteur|pouvoir\s+adjudicateur|autorite\s+concedante|autorite\s+delegante|delegant|"
    r"collectivite|commune|ville|metropole|departement|region|syndicat|administration|"
    r"maitre\s+d'ouvrage|personne\s+publique|etablissement|universite|ministere|client)"
)
#: A duty, a commitment, a right or a rule stated: what makes a sentence a clause.
OBLIGATION = re.compile(
    r"\b(?:doi[tv]\w*|devr\w+|s'engag\w*|s'oblig\w*|est\s+tenu\w*|sont\s+tenu\w*|"
    r"s'effor\w+|veill\w+|garanti\w*|assur\w+|s'assur\w+|respect\w+|oblig\w+|impos\w+|"
    r"exig\w+|requi\w+|imperati\w+|a\s+la\s+charge|incomb\w+|il\s+appartient|"
    r"se\s+reserve|a\s+le\s+droit|dispose\s+d|peu[tv]\w*|pourr\w+|interdi\w+|"
    r"prend\s+en\s+charge|met\s+a\s+disposition|mett\w+\s+a\s+disposition|"
    r"(?:est|sont|sera|seront)\s+(?:\w+\s+)?(?:\w+ee?s?|\w+is|\w+ue?s?|\w+ite?s?|\w+ert\w*)\b|"
    r"\w+(?:ra|ront)\b)"
    # « le titulaire remet », « le titulaire s'attache à », « le prestataire se conforme »;
    # « il informe », the party named by a pronoun in the sentence before
    rf"|\b{PARTY}\s+(?:\w+\s+){{0,2}}?(?:s'|se\s+)?\w+(?:e|ent|it|ut)\b"
    r"|(?:^|[.;:,]\s*|\b(?:et|mais|puis|qu'|que)\s+)\W*(?:il|ils)\s+(?:en\s+|y\s+|les?\s+|la\s+|"
    r"lui\s+|leur\s+)?(?:s'|se\s+)?\w+(?:e|ent|it|ut)\b"
)


def is_obligation(folded: str) -> bool:
    """Whether a folded sentence puts a duty on someone or gives a right (not a title)."""
    return OBLIGATION.search(folded) is not None


# -- negation and its scope -----------------------------------------------------------------

_NEG_END = r"(?:pas|plus|jamais|nullement|aucunement|point|guere|aucune?s?|ni|rien|personne)"
#: "ne … pas" and its kin; "ne … que" is a restriction, read apart.
NEGATION = re.compile(rf"\b(?:ne|n')\s*(?P<verb>(?:\w+[\s',]+){{0,3}}?){_NEG_END}\b")
#: "Nul accès …", "aucun format … n'est admis": a negative subject.
NEGATIVE_SUBJECT = re.compile(
    r"\b(?:aucune?s?|nul(?:le)?s?)(?P<subject>\s+(?:\w+[\s']+){0,6}?)(?:ne|n')\s*"
    r"(?P<verb>(?:\w+[\s']+){0,3})"
)
_RELATIVE_BEFORE = re.compile(r"\b(?:qui|que|qu'|dont|lesquel\w*|laquelle|ou|si)\s*$")
#: A condition: "si le titulaire ne remplit pas …", "lorsque la modification n'est pas prévue".
_CONDITION = re.compile(
    r"(?:\b|^)(?:si|s'il|s'ils|lorsque|lorsqu'|quand|dans\s+le\s+cas\s+ou|"
    r"dans\s+l'hypothese\s+ou|pour\s+le\s+cas\s+ou|a\s+defaut\s+de|"
    r"au\s+cas\s+ou|a\s+moins\s+que|tant\s+que|faute\s+de|en\s+cas)\b[^,;:]*$"
)
#: A sentence that opens on a condition: "Si, après consultation, aucun titulaire n'a …, …".
_OPENING_CONDITION = re.compile(r"^\W*(?:si|s'il|s'ils|lorsque|lorsqu'|dans\s+l'hypothese\s+ou)\b")
#: An exemption denied is a protection: "il n'est prévu aucune exonération des pénalités".
_EXEMPTION = re.compile(
    r"^\s*(?:\w+\s+){0,3}?(?:exoneration|derogation|exception|dispense|franchise|limitation|"
    r"restriction|plafonnement|abattement|remise\s+de\s+penalite|frais|surcout|prolongation|"
    r"(?:delai|cout)\s+supplementaire)s?\b"
)
#: Verbs of a contract's scope: negated, they say what it covers, not a duty denied.
_SCOPE = re.compile(r"\s*(?:compren\w*|inclu\w*|inclut|couvr\w*|englob\w*|integr\w*)\b")
#: The buyer as the subject just before a negation: « l'acheteur n'est pas tenu de … ».
_BUYER_SUBJECT = re.compile(rf"\b{BUYER}\s+(?:\w+\s+){{0,2}}$")
#: Idioms whose negation states no duty: "ne remet pas en cause", "ne fait pas obstacle".
_IDIOM = re.compile(
    r"^\s*(?:\w+\s+){0,2}?(?:en\s+cause|obstacle|atteinte|prejudice|d'effet|lieu\s+a|"
    r"exception|exclusive?s?|limitati\w+|exhausti\w+|moins)\b"
)
#: A limit of liability states no duty: « la responsabilité du titulaire ne sera pas engagée ».
_LIABILITY = re.compile(r"\bresponsabilite\b[^,;:.]{0,60}$")
#: A negated permission is a prohibition: it protects the buyer.
PERMISSION = re.compile(
    r"\b(?:peu[tv]\w*|pourr\w+|pouvant|autoris\w+|admi[st]\w*|permi[st]\w*|accept\w+|"
    r"saur\w+|doi[tv]\w*|devr\w+|toler\w+|possible|licite|donne\w*\s+lieu|ouverte?s?|"
    r"accordee?s?|consentie?s?)\b"
)
#: What a prohibition denies the buyer: "aucun audit ne pourra être exigé par la commune".
BUYER_DENIED = re.compile(
    r"\b(?:exig\w+|impos\w+|demand\w+|reclam\w+|requi\w+|opposable\w*|opposee?s?)\b"
    rf"|\bpar\s+(?:la\s+|le\s+|l')?{BUYER}\b"
)
#: A negated duty denies the obligation: "n'est pas tenu", "ne restitue pas". Verbs of a
#: harmful act ("aucune donnée n'est transférée") are not duties: negated, they protect.
DUTY = re.compile(
    r"\b(?:tenu\w*|oblig\w+|astrei\w+|contrain\w+|exig\w+|requi\w+|dus|dues|"
    r"prevu\w*|impos\w+|applicabl\w+|appliqu\w+|garanti\w*|engag\w+|a\s+(?:\w+\s+)?charge|"
    r"a\s+(?:\w+\s+)?l'obligation|restitu\w*|remet\w*|remis\w*|rend\w*|livr\w*|fourni\w*|"
    r"transm\w*|communiqu\w*|publi\w*|diffus\w*|notifi\w*|supprim\w*|effac\w*|detrui\w*|"
    r"audit\w*|inform\w+|signal\w+|associ\w+|consult\w+|organis\w+|reun\w+|consent\w*|"
    r"assur\w+|"
    r"ced\w+|conced\w+|octroy\w+|transfer\w+\s+a\s+l)\b"
)
#: The buyer's consent as the only way out: what follows a negation is then a prohibition.
BUYER_CONSENT = re.compile(
    r"\b(?:sans|sauf)\s+(?:\w+\s+){0,2}?(?:l'|d')?(?:accord|autorisation|consentement|agrement|"
    rf"validation|approbation)\s+(?:\w+\s+){{0,3}}?(?:du|de\s+la|de\s+l'|de)\s*{BUYER}"
)


_DENIAL = re.compile(r"\b(?:ne|n'|aucune?s?|nul(?:le)?s?|interdi\w*|jamais)\b|n'")
#: "ne peut … sans": a permission denied unless a condition is met.
_PROHIBITED_UNLESS = re.compile(
    r"\b(?:ne|n')\s*(?:peu[tv]\w*|pourr\w+|doi[tv]\w*|devr\w+|saur\w+)\b[^.;]{0,80}?\bsans\b"
)


def negation_kinds(folded: str) -> list[str]:
    """The negations of a folded sentence: "denied" (a duty denied), "prohibition" (a
    permission or a harmful act denied, which protects), "negated" (another fact denied: it is
    not stated), "relative" (inside a relative clause: scope limited), "neutral" (inside a
    condition, or an idiom such as « ne remet pas en cause »).

    "ne … que" is a restriction ("hébergées qu'en France"), not a negation, and is not listed.
    """
    kinds: list[str] = []
    consent = BUYER_CONSENT.search(folded)
    # « sauf accord de la ville » always restricts; « sans autorisation de la ville » only
    # after a negation (« ne peut … sans … »): alone, it frees the contractor from asking.
    if consent is not None and (consent.group().startswith("sauf") or _DENIAL.search(folded)):
        return ["prohibition"]
    if _PROHIBITED_UNLESS.search(folded) and not BUYER_DENIED.search(folded):
        return ["prohibition"]
    for match in NEGATION.finditer(folded):
        before = folded[: match.start()]
        if (
            _conditional(folded, before)
            or _IDIOM.match(folded[match.end() : match.end() + 40])
            or _LIABILITY.search(before)
        ):
            kinds.append("neutral")
            continue
        if _EXEMPTION.match(folded[match.end() : match.end() + 60]):
            kinds.append("prohibition")
            continue
        if _SCOPE.match(match.group("verb")):
            # « Les prestations ne comprennent pas la fourniture du matériel »: what the
            # contract covers, not a duty denied.
            kinds.append("negated")
            continue
        kind = _kind(match.group("verb") + " " + folded[match.end() : match.end() + 40])
        if kind == "denied" and _BUYER_SUBJECT.search(before):
            # « L'acheteur n'est pas tenu de commander un minimum »: the buyer's own duty.
            kinds.append("neutral")
            continue
        if _RELATIVE_BEFORE.search(before[-12:]):
            # "les données qui ne relèvent pas du point 1": the relative clause's own verb only
            # ("le titulaire, qui n'est pas tenu de …" still denies a duty).
            verb = _kind(match.group("verb") + " " + folded[match.end() : match.end() + 40], 1)
            kinds.append("denied" if verb == "denied" else "relative")
            continue
        kinds.append(_denied_to_buyer(kind, folded[match.end() : match.end() + 60]))
    for match in NEGATIVE_SUBJECT.finditer(folded):
        if _conditional(folded, folded[: match.start()]):
            kinds.append("neutral")
            continue
        if _EXEMPTION.match(match.group("subject")):
            # « Aucun délai supplémentaire ne sera accordé »: a relief denied protects.
            kinds.append("prohibition")
            continue
        kind = _kind(match.group("verb") + " " + folded[match.end() : match.end() + 40])
        kinds.append(_denied_to_buyer(kind, folded[match.end() : match.end() + 60]))
    return kinds


def _conditional(folded: str, before: str) -> bool:
    """Whether a negation stands inside a condition: after "si", "lorsque" with no
    punctuation between, or in a sentence that opens on a condition, before its last comma."""
    if _CONDITION.search(before):
        return True
    return bool(_OPENING_CONDITION.match(folded)) and "," in folded[len(before) :]


def _denied_to_buyer(kind: str, after: str) -> str:
    """A prohibition that binds the buyer ("ne pourra être exigé par la commune") denies the
    buyer a right: for the clause, it is a duty denied, not a protection."""
    if kind == "prohibition" and BUYER_DENIED.search(after):
        return "denied"
    return kind


_AUXILIARY = frozenset(
    "est sont sera seront serait seraient etre a ont y en le la les lui leur se s'".split()
)


#: Acts a clause protects the buyer from: negated, they are a protection.
HARM = re.compile(
    r"\b(?:hors|tiers|etrangers?|exterieur|transf[ae]r\w*|export\w*|acce[sd]\w*|commerciali\w*|"
    r"vend\w*|ced\w+|cession|sous-trait\w*|reutilis\w*|exploit\w*|proprietaire|conserv\w*|"
    r"copi\w*|divulg\w*|utilis\w*|collect\w*|revend\w*|acqui\w*|acquer\w*|revendiqu\w*|"
    r"appropri\w*)\b"
)


#: Who a protection keeps out: third parties, other countries, trade.
THIRD_PARTIES = re.compile(
    r"\b(?:tiers|hors\s+(?:de|du|d')|etranger\w*|pays|commerciale?s?|vendre|louer|revendre)\b"
)


def _kind(words: str, span: int = 3) -> str:
    """What the first ``span`` words after a negation deny: a permission, a duty, or neither."""
    tokens = (re.sub(r"^(?:l|d|qu|s|n)'", "", w) for w in re.findall(r"[\w']+", words))
    head = [w for w in tokens if w and w not in _AUXILIARY][:span]
    first_permission = next((i for i, w in enumerate(head) if PERMISSION.match(w)), None)
    first_duty = next((i for i, w in enumerate(head) if DUTY.match(w)), None)
    if first_permission is not None and (first_duty is None or first_permission <= first_duty):
        return "prohibition"
    if THIRD_PARTIES.search(words):
        return "prohibition"  # "ne pas vendre ni céder à des tiers": it protects
    if first_duty is not None:
        return "denied"
    # Neither a permission nor a duty: a harmful act negated protects ("aucun export n'est
    # réalisé vers un pays tiers"); any other fact negated is simply not stated.
    return "prohibition" if HARM.search(words) else "negated"


#: "sans objet", "non applicable": the matter declared void.
VOID = re.compile(
    r"\b(?:est|sont|sera|seront|demeure\w*|rest\w+|declaree?s?|considere\w*|reputee?s?)\s+"
    r"(?:\w+\s+)?(?:sans\s+objet|non\s+applicables?|inapplicables?)\b"
    r"|^\W*(?:[^.;:]{1,80}:\s*)?(?:sans\s+objet|non\s+applicable|neant)\W*$"
    rf"|\b{PARTY}\s+(?:\w+\s+){{0,3}}?(?:dispense|exonere|degage|libere)e?s?\s+de\b"
)

# -- passing mentions ---------------------------------------------------------------------

#: A table of contents line: dot leaders, or a title ending with its page number.
TOC_LINE = re.compile(r"(?:\.{4,}|…{2,}|_{4,}|\s{3,})\s*\d{1,3}\s*$|^[^.;:]{3,90}\s\d{1,3}$")
#: A definition: "Hébergement : désigne …", "On entend par …", "X | se dit de …".
DEFINITION = re.compile(
    r"^[^.;|]{1,80}?(?:\s*[:|–—-]\s*|\s+)(?:designe|designent|s'entend|s'entendent|signifie|"
    r"correspond|correspondent|represente|est\s+defini|sont\s+definis|on\s+entend)\b"
    r"|^(?:on\s+entend\s+par|par\s+\S+\s+(?:\S+\s+){0,4}?on\s+entend|au\s+sens\s+du\s+present\s+"
    r"(?:document|cahier|contrat|marche|cctp|ccap)\s*,?\s*(?:on\s+entend|le\s+terme))"
)
#: A citation of an applicable text: "Loi n° 2016-1321 du 7 octobre 2016 pour …".
CITATION = re.compile(
    r"^(?:[-•*–]\s*)?(?:la\s+|le\s+|l')?(?:loi|decret|arrete|ordonnance|reglement|directive|"
    r"circulaire|code|norme|nf\s|iso\s|referentiel|guide|doctrine|deliberation|instruction|"
    r"cahier\s+des\s+clauses|ccag)\b[^;]{0,300}$"
)
#: A bare reference to another document: "voir CCAP", "cf. article 12 du CCAP".
REFERENCE = re.compile(
    r"\b(?:voir|cf\.?|se\s+(?:reporter|referer)|conformement\s+a|tel(?:le)?s?\s+que\s+"
    r"(?:defini|prevu|precise)\w*|(?:defini|prevu|precise|fixe|detaille)e?s?\s+(?:a|au|dans))"
    r"\s+(?:l'article|l'annexe|le|la|au|aux|a\s+l'|les)?\s*[^.;]{0,60}?\b(?:ccap|cctp|rc|ae|"
    r"reglement\s+de\s+(?:la\s+)?consultation|acte\s+d'engagement|annexe|ccag\w*|bpu|dpgf)\b"
)
#: Matters left to another document: "sont régies par les autres pièces du marché".
DEFERRED_TO = re.compile(
    r"\b(?:regie?s?|relev\w+|trait\w+|fixee?s?|definie?s?|precisee?s?|prevue?s?|couverte?s?|"
    r"figur\w+|detaillee?s?|decrite?s?|indiquee?s?|enoncee?s?|reprise?s?)\s+"
    r"(?:par|dans|de|a|au)\s+(?:(?:l'|a\s+l')?(?:article|annexe)\s+[\w.-]+\s+(?:du|de\s+l'|de\s+la)\s*)?"
    r"(?:l'|le\s+|la\s+|les\s+)?(?:autres?\s+)?(?:pieces?|documents?|"
    r"ccap|cctp|ccag\w*|cahier\s+des\s+clauses\s+administratives|annexes?\s+(?:du|au)\s+ccap)\b"
)
#: A reference that chooses among a standard text's options is a stipulation, not a
#: passing mention: « l'option B du CCAG-TIC », « l'option de cession prévue au CCAG ».
CHOSEN_OPTION = re.compile(r"\boption\s+(?:[ab]\b|de\s+(?:cession|concession)\b)")
#: Section titles of the parts that only list or define: no clause lives there.
LISTING_TITLE = re.compile(
    r"\b(?:sommaire|table\s+des\s+matieres|glossaire|definitions?|terminologie|lexique|"
    r"abreviations|acronymes|sigles|textes?\s+(?:applicables|de\s+reference|reglementaires|"
    r"et\s+(?:referentiels|normes|reglements))|referentiels\s+(?:applicables|de\s+reference)|"
    r"references?\s+(?:reglementaires|normatives|juridiques)|normes?\s+(?:applicables|et)|"
    r"cadre\s+(?:reglementaire|juridique|legal)|documents?\s+(?:contractuels|de\s+reference|"
    r"applicables)|pieces?\s+(?:contractuelles|constitutives)|reglementation\s+applicable|"
    r"contexte|presentation\s+(?:de|du|generale)|existant|etat\s+des\s+lieux|historique|"
    r"situation\s+actuelle)\b"
)


def is_passing(folded: str) -> bool:
    """Whether a folded sentence is a passing mention: a contents line, a definition, a
    citation of a text, or a bare reference to another document without its content."""
    stripped = folded.strip()
    if TOC_LINE.search(stripped) and not is_obligation(stripped):
        return True
    if DEFINITION.search(stripped) or CITATION.search(stripped):
        return True
    if CHOSEN_OPTION.search(stripped):
        return False  # « régis par l'option de cession prévue au CCAG-TIC » chooses
    short = len(stripped.split()) <= 25
    return short and (
        REFERENCE.search(stripped) is not None or DEFERRED_TO.search(stripped) is not None
    )


def is_definition(folded: str) -> bool:
    """Whether a folded sentence defines a term (« les données du portail s'entendent de
    … »): a passing mention in a glossary, the scope of the clause inside one."""
    return DEFINITION.search(folded.strip()) is not None


def refers_elsewhere(folded: str) -> bool:
    """Whether a folded sentence sends the reader to another document of the consultation."""
    return REFERENCE.search(folded) is not None or DEFERRED_TO.search(folded) is not None


def is_listing_title(folded_title: str) -> bool:
    """Whether a section's (folded) title names a part that only lists or defines."""
    return LISTING_TITLE.search(folded_title) is not None
