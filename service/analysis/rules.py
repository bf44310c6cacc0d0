"""The analyzer's rules, compiled from the clause library: what reveals each family, what
states each required element, and the general patterns of a negated obligation.

Nothing here is tuned to particular sentences: signals and hints come from the library's
``family.yaml`` files (reviewable by a jurist), and the few patterns below are the grammar of
French contract language (negations, freedoms granted, ownership claimed, durations).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.analysis.language import (
    BUYER,
    PARTY,
    VOID,
    negation_kinds,
)
from service.analysis.text import fold, stems_of
from service.library.files import read_library
from service.library.models import Clause, ClauseVersion, Family, RequiredElement, Status

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class ElementRule:
    """One required element: the phrases that state it, and whether it needs a figure."""

    key: str
    label: str
    explanation: str
    essential: bool
    phrases: tuple[Phrase, ...]
    #: A delay or a frequency is only stated with a figure ("dans un délai raisonnable" is not).
    needs_quantity: bool
    #: What the figure must be about: the concepts of the label that are not words of time
    #: ("Délai de restitution" → restitution), so that a plan due « dans les trois mois »
    #: is not taken for a restitution delay.
    anchors: frozenset[str] = frozenset()
    #: The label's first word that is not a word of time: what the element is ("plan").
    head: str = ""
    #: A frequency, which any frequency of a sentence about the family states (« chaque
    #: mois », « trimestriellement »), whatever it is attached to.
    periodic: bool = False
    #: Phrases whose words may stand anywhere in the sentence (hints written with « + » or
    #: « … », alternatives with « / »: « répondre + demandeur / candidat / usager »).
    wide: frozenset[Phrase] = frozenset()


@dataclass(frozen=True)
class ClauseChoice:
    """A library clause that can be suggested: its current approved version and coverage."""

    clause_id: str
    version: int
    title: str
    elements: frozenset[str]
    contract_types: frozenset[str]


@dataclass(frozen=True)
class FamilyRule:
    """Everything the analyzer knows of one family."""

    id: str
    label: str
    signals: tuple[tuple[str, Phrase], ...]
    elements: tuple[ElementRule, ...]
    clauses: tuple[ClauseChoice, ...]
    #: What a sentence does about the family's subject, read as a predicate and its object
    #: rather than a phrase: each frame is groups of alternatives (« publier / diffuser +
    #: données / statistiques »), every group found in one sentence, in any order.
    frames: tuple[Frame, ...] = ()


@dataclass(frozen=True)
class Frame:
    """A predicate and its object (and any further group) that, found in one sentence, make
    it speak of the family: « publier / diffuser + données / statistiques »."""

    text: str
    #: Per group, its alternatives: (the words as written, their concepts).
    groups: tuple[tuple[tuple[str, Phrase], ...], ...]

    @classmethod
    def parse(cls, text: str) -> Frame | None:
        """A signal written ``a / b + c / d`` (at least two groups), else None."""
        if FRAME_AND not in text:
            return None
        groups = []
        for part in text.split(FRAME_AND):
            alternatives = tuple(
                (word.strip(), stems_of(word)) for word in part.split(FRAME_OR) if stems_of(word)
            )
            if not alternatives:
                return None
            groups.append(alternatives)
        return cls(text, tuple(groups)) if len(groups) >= 2 else None

    @property
    def concepts(self) -> frozenset[str]:
        """Every concept of every alternative."""
        return frozenset(c for group in self.groups for _, phrase in group for c in phrase)

    @cached_property
    def heads(self) -> tuple[frozenset[str], ...]:
        """Per group, the first concept of each alternative: a text holding none of a group's
        cannot hold the frame."""
        return tuple(frozenset(phrase[0] for _, phrase in group) for group in self.groups)


#: How a frame is written in a family's signals: groups joined by « + », alternatives by « / ».
FRAME_AND = " + "
FRAME_OR = " / "


@dataclass(frozen=True)
class Ruleset:
    """The rules of every family, and the library state they were compiled from."""

    families: tuple[FamilyRule, ...]
    library_state: dict[str, Any]


_QUANTIFIED = ("delai", "frequence", "periodi", "duree")
#: Words of time in an element's label: they say a figure is needed, not what it is about.
_TIME_CONCEPTS = frozenset(
    stems_of("délai fréquence périodique période durée date daté annuel chiffré mesurable")
)


def load_ruleset(session: Session) -> Ruleset:
    """Compile the rules from the library as it is now in the database.

    The library is read as plain rows (three queries); its compiled rules are kept per process
    for the rows they were compiled from, so that a library unchanged since the last analysis
    is not compiled again (about 25 ms of stemming) and a changed one always is."""
    families = _library_rows(session)
    key = json.dumps(
        [(family, [_choice_key(choice) for choice in clauses]) for family, clauses in families],
        sort_keys=True,
        default=sorted,
    )
    with _COMPILED_LOCK:
        compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = compile_ruleset(families)
        with _COMPILED_LOCK:
            while len(_COMPILED) >= _COMPILED_KEPT:
                del _COMPILED[next(iter(_COMPILED))]
            _COMPILED[key] = compiled
    # Each caller gets its own library state: it is stored with an analysis, and may be read
    # and changed there.
    return replace(compiled, library_state=copy.deepcopy(compiled.library_state))


#: Compiled rulesets, by the library rows they were compiled from (oldest first).
_COMPILED: dict[str, Ruleset] = {}
_COMPILED_KEPT = 4
_COMPILED_LOCK = threading.Lock()


def _choice_key(choice: ClauseChoice) -> list[Any]:
    return [choice.clause_id, choice.version, choice.title, choice.elements, choice.contract_types]


def _library_rows(session: Session) -> list[tuple[dict[str, Any], list[ClauseChoice]]]:
    """The families (as in ``family.yaml``) in display order, each with the latest approved
    version of each of its clauses, by clause id — as ``ruleset_from_files`` reads a folder."""
    elements: dict[str, list[dict[str, Any]]] = {}
    for row in session.execute(
        select(
            RequiredElement.family_id,
            RequiredElement.key,
            RequiredElement.label,
            RequiredElement.essential,
            RequiredElement.explanation,
            RequiredElement.hints,
        ).order_by(RequiredElement.family_id, RequiredElement.position)
    ):
        elements.setdefault(row.family_id, []).append(
            {
                "id": row.key,
                "label": row.label,
                "essential": row.essential,
                "explanation": row.explanation,
                "hints": list(row.hints),
            }
        )
    latest: dict[str, dict[str, ClauseChoice]] = {}
    for row in session.execute(
        select(
            Clause.family_id,
            ClauseVersion.clause_id,
            ClauseVersion.number,
            ClauseVersion.title,
            ClauseVersion.elements,
            ClauseVersion.contract_types,
        )
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .where(ClauseVersion.status == Status.APPROVED)
        .order_by(ClauseVersion.clause_id, ClauseVersion.number)
    ):
        latest.setdefault(row.family_id, {})[row.clause_id] = ClauseChoice(
            row.clause_id,
            row.number,
            row.title,
            frozenset(row.elements),
            frozenset(row.contract_types),
        )
    return [
        (
            {
                "id": row.id,
                "label": row.label,
                "signals": list(row.signals),
                "elements": elements.get(row.id, []),
            },
            list(latest.get(row.id, {}).values()),
        )
        for row in session.execute(
            select(Family.id, Family.label, Family.signals).order_by(Family.position, Family.id)
        )
    ]


def ruleset_from_files(directory: Path) -> Ruleset:
    """Compile the rules from a library folder (``clauses/``), without any database.

    What ``clausier analyze`` uses on a machine where nothing was set up yet.
    """
    source = read_library(directory)
    families = []
    for family in sorted(source.families.values(), key=lambda f: (f["position"], f["id"])):
        clauses = []
        for clause_id, versions in sorted(source.versions.items()):
            approved = [
                v for v in versions if v.family == family["id"] and v.header["status"] == "approved"
            ]
            if approved:
                version = max(approved, key=lambda v: v.number)
                content = version.content()
                clauses.append(
                    ClauseChoice(
                        clause_id,
                        version.number,
                        content["title"],
                        frozenset(content["elements"]),
                        frozenset(content["contract_types"]),
                    )
                )
        families.append((family, clauses))
    return compile_ruleset(families)


def compile_ruleset(families: list[tuple[dict[str, Any], list[ClauseChoice]]]) -> Ruleset:
    """Compile families (as in ``family.yaml``) and their suggestible clauses into rules."""
    compiled, state = [], {"families": {}, "clauses": {}}
    for family, clauses in families:
        elements = tuple(
            ElementRule(
                key=element["id"],
                label=element["label"],
                explanation=element["explanation"],
                essential=element["essential"],
                phrases=_phrases(element["hints"]) + tuple(wide := _wide(element["hints"])),
                needs_quantity=any(word in fold(element["label"]) for word in _QUANTIFIED),
                periodic=any(word in fold(element["label"]) for word in ("frequence", "periodi")),
                anchors=frozenset(stems_of(element["label"])) - _TIME_CONCEPTS,
                head=next((c for c in stems_of(element["label"]) if c not in _TIME_CONCEPTS), ""),
                wide=frozenset(wide),
            )
            for element in family["elements"]
        )
        for choice in clauses:
            state["clauses"][choice.clause_id] = choice.version
        frames = tuple(
            frame for frame in (Frame.parse(text) for text in family["signals"]) if frame
        )
        signals = tuple(
            (text, stems_of(text))
            for text in family["signals"]
            if FRAME_AND not in text and stems_of(text)
        )
        compiled.append(
            FamilyRule(family["id"], family["label"], signals, elements, tuple(clauses), frames)
        )
        state["families"][family["id"]] = {
            "signals": list(family["signals"]),
            "elements": [
                {key: element[key] for key in ("id", "label", "essential", "explanation", "hints")}
                for element in family["elements"]
            ],
        }
    return Ruleset(tuple(compiled), state)


def _phrases(texts: list[str]) -> tuple[Phrase, ...]:
    return tuple(
        phrase for phrase in (stems_of(text) for text in texts if not _is_wide(text)) if phrase
    )


#: Most phrases a hint with alternatives stands for (« a / b + c / d » is four).
MAX_WIDE = 64


def _is_wide(text: str) -> bool:
    return FRAME_AND in text or "…" in text


def _wide(texts: list[str]) -> list[Phrase]:
    """The phrases of hints whose groups may stand anywhere in the sentence: each choice of
    one alternative per group (at most ``MAX_WIDE`` per hint)."""
    phrases: list[Phrase] = []
    for text in texts:
        if not _is_wide(text):
            continue
        groups = [
            [stems_of(word) for word in part.split(FRAME_OR) if stems_of(word)]
            for part in text.replace("…", FRAME_AND).split(FRAME_AND.strip())
            if part.strip()
        ]
        combinations: list[Phrase] = [()]
        for group in groups:
            combinations = [c + g for c in combinations for g in group][:MAX_WIDE]
        phrases += [c for c in combinations if c]
    return list(dict.fromkeys(phrases))


# -- the grammar of contradictions --------------------------------------------------------

_PARTY = PARTY
#: What no negation parse sees: "sans aucune obligation", "aucune restitution", "dispensé de".
DENIED_NOUN = re.compile(
    r"\bsans\s+(?:aucune\s+)?(?:obligation|notification)\b|\bsans\s+(?:mention|indication|"
    r"explication)\s+(?:du|de\s+l'|des)\s*(?:traitement|algorithme|recours)"
    r"|\b(?:d')?aucune?s?\s+(?:clause\s+de\s+)?(?:reexamen|restitution|reversibilite|audit|"
    r"penalite|obligation|garantie|notification|documentation|mention|explication)s?\b"
    r"(?!\s+(?:ne|n')\s*(?:\w+\s+){0,2}?(?:peu|pourr|saur|doi|devr))"
)
#: Exclusions the law itself makes (personal data, protected secrets) do not empty a duty.
LAWFUL_EXCLUSION = re.compile(
    r"\b(?:personnel|personnelles|individuel\w*|nominati\w*|vie\s+privee|secret\s+(?:defense|medical|"
    r"statistique|des\s+affaires|industriel\s+et\s+commercial)|securite\s+publique|surete|"
    r"anonymis\w*|pseudonymis\w*|occult\w*|droits?\s+de\s+tiers|propriete\s+de\s+tiers)\b"
)
#: The contractor's business secrecy, which limits what the public is told, not the buyer.
BUSINESS_SECRET = re.compile(r"\bsecret\s+(?:des\s+affaires|industriel\s+et\s+commercial)\b")
#: Told, or not, to the buyer: « ne sont communiqués ni au département ni aux usagers ».
TO_BUYER = re.compile(rf"\b(?:ni\s+)?(?:a\s+l'|a\s+la\s+|au\s+|aux\s+){BUYER}s?\b")
#: What the law excludes personal or secret data from: being disclosed (« ne sont pas publiées
#: les données personnelles »), not the duties that protect them (« n'est pas tenu de
#: notifier les violations de données personnelles » empties the clause).
DISCLOSURE = re.compile(
    r"\b(?:publi\w*|diffus\w*|communiqu\w*|communication|transm\w*|mise?s?\s+a\s+disposition|"
    r"ouvert\w*|ouvrir|divulg\w*|reutilis\w*|open\s+data|livr\w*|fourni\w*|export\w*)"
)
#: An exclusion left to the contractor's judgement empties the obligation.
DISCRETIONARY_EXCLUSION = re.compile(
    rf"(?:exclu(?!si)\w*|sauf|a\s+l'exception|hormis|sous\s+reserve)\b.*\b(?:{_PARTY}|il)\s+"
    rf"(?:\w+\s+){{0,2}}?(?:estime|juge|considere|apprecie|qualifie|designe|accepte)"
)
#: The buyer's use left to the contractor's consent: "sans l'accord écrit du titulaire".
CONTRACTOR_VETO = re.compile(
    rf"{BUYER}[^.;]*\b(?:sans|sauf|sous\s+reserve\s+de|qu'(?:avec|apres))\s+(?:l'|le\s+|son\s+)?"
    r"(?:accord|autorisation|"
    r"consentement|agrement|validation)\s+(?:\w+\s+){0,3}?(?:du|de\s+la|de\s+l')\s*"
    rf"{_PARTY}\b"
    # « le titulaire restitue les données, sous réserve de son accord » (its own consent)
    rf"|\b(?:le|la|l')\s*{_PARTY}\b(?:(?!{BUYER})[^.;])*\b(?:sous\s+reserve\s+de|sauf|qu'avec|"
    r"qu'apres)\s+son\s+"
    r"(?:propre\s+)?(?:accord|autorisation|consentement|agrement|validation)\b"
)
#: The contradiction of a use the buyer may make only with the contractor's consent.
CONTRACTOR_CONSENT = "usage subordonné à l'accord du titulaire"
#: A freedom the contractor is given: "le titulaire peut librement…", "à sa seule discrétion".
FREEDOM = re.compile(
    r"\b(?:librement|sans\s+(?:aucune\s+)?(?:restriction|limitation|limite|autorisation|"
    r"accord|information|en\s+informer|l'accord)|a\s+sa\s+(?:seule\s+)?(?:discretion|"
    r"convenance)|est\s+libre\s+de|sont\s+libres?\s+de|tout\s+(?:[\w'-]+\s+){1,2}de\s+son\s+choix|"
    r"(?:pour|a)\s+ses\s+propres\s+"
    r"(?:fins|finalites|besoins)|pour\s+son\s+propre\s+compte|a\s+des\s+fins\s+commerciales)\b"
)
#: The matter left to the contractor: "laissées à la seule appréciation du titulaire".
LEFT_TO_PARTY = re.compile(
    r"\b(?:laissee?s?|relev\w+|abandonnee?s?|renvoyee?s?)\s+(?:a|de)\s+(?:la|l')\s*(?:seule\s+|libre\s+)?"
    r"(?:appreciation|discretion|initiative|organisation\s+interne|choix|decision)\s+"
    rf"(?:du|de\s+l'|de\s+la)\s*{_PARTY}"
)
#: Data let go anywhere: "y compris hors de l'Union européenne", "dans tout pays".
ANYWHERE = re.compile(
    r"\b(?:y\s+compris\s+(?:hors|en\s+dehors)\s+(?:de\s+l'|du\s+|de\s+)(?:union|ue|espace|"
    r"territoire|france)|en\s+tout\s+lieu|dans\s+(?:tout|n'importe\s+quel)\s+(?:pays|etat)|"
    r"sans\s+(?:aucune\s+)?restriction\s+(?:geographique|de\s+localisation))"
)
#: A place that bounds « en tout lieu » / « dans tout pays »: « … de l'Union européenne ».
BOUNDED_PLACE = re.compile(
    r"\s*(?:\w+\s+){0,2}?(?:de\s+l'|du\s+|de\s+la\s+|d')\s*(?:union|ue\b|eee\b|espace\s+"
    r"economique|territoire\s+(?:national|francais|metropolitain)|france)"
)
#: A freedom held within the contract's own demands: « dans le respect des formats exigés ».
BOUNDED = re.compile(
    r"\b(?:dans\s+le\s+(?:strict\s+)?respect|sous\s+reserve\s+du\s+respect)\s+(?:des|de\s+la|"
    r"du|de\s+l')\s*(?:\w+\s+){0,3}?(?:exigee?s?|prevue?s?|fixee?s?|requise?s?|present\w*|"
    r"ci-dessus|article|stipulations|exigences|obligations)\b"
)
#: What a harmless freedom bears on: the contractor's means, or what it may propose.
MEANS = re.compile(
    r"\b(?:ses|son|sa|leurs?|les)\s+(?:propres\s+)?(?:moyens|methodes?|outils|equipes?|"
    r"organisation|personnels?|ressources)\b|\b(?:propos|sugger|recommand)\w*"
)
#: A freedom the contractor is the agent of, in the passive: « réutilisées librement par le
#: titulaire ».
PARTY_AGENT_FREEDOM = re.compile(
    rf"\b(?:peu\w*|pourr\w+)\s+(?:\w+\s+){{0,4}}?(?:librement|sans\s+(?:aucune\s+)?restriction)"
    rf"\s+par\s+(?:le\s+|la\s+|l')?{_PARTY}\b"
)
#: The contractor's wish as the only rule: « où il le souhaite », « comme bon lui semble ».
PARTY_WISH = re.compile(
    rf"\b(?:ou|comme|quand|selon\s+ce\s+qu')\s*(?:il|le\s+{_PARTY}|bon\s+lui)\s+(?:le\s+|l')?"
    r"(?:souhaite|entend|veut|semble|juge\s+utile|estime\s+utile)\b"
    r"|\ba\s+son\s+gre\b"
)
#: The contractor allowed to act: "le titulaire peut", "il pourra", "est autorisé à".
PARTY_MAY = re.compile(
    # « elle » is not the contractor: the titulaire, prestataire, concessionnaire … are all
    # masculine, the buyer often feminine (« la Région … ; elle peut … »).
    rf"\b(?:{_PARTY}|il|celui-ci)\s+(?:\w+\s+){{0,2}}?(?:peut|peuvent|pourra|pourront|"
    r"est\s+autorise|sera\s+autorise|est\s+libre|reste\s+libre|a\s+la\s+faculte|se\s+reserve)"
)
#: Freedoms given to the buyer or the public are not the contractor's: "librement réutilisable".
PUBLIC_FREEDOM = re.compile(
    r"\blibrement\s+(?:re)?(?:utilisable|accessible|consultable|exploitable|telechargeable|"
    r"diffusable|reutilisee?s?|publiee?s?)s?\b|\b(?:re)?utilisee?s?\s+librement"
    rf"|(?:{BUYER})\s+(?:\w+\s+){{0,3}}?(?:peut|pourra|peuvent|pourront|est\s+libre)"
    rf"|\bpar\s+(?:la\s+|le\s+|l')?(?:{BUYER}|tous|toute\s+personne|quiconque)"
    r"|sans\s+que\s+le\s+\w+\s+(?:puisse|ne\s+puisse)"
)
#: The contractor claims the data or the results.
OWNERSHIP = re.compile(
    rf"propriete\s+(?:exclusive\s+|pleine\s+et\s+entiere\s+)?(?:du|de\s+la\s+societe|de\s+l'"
    rf"entreprise|de\s+l')\s*{_PARTY}"
    rf"|{_PARTY}\s+(?:\w+\s+){{0,6}}?(?:reste|demeure|est|sera|restera|demeurera)\s+(?:le\s+)?"
    rf"(?:seul\s+)?proprietaire"
    rf"|\b(?:sont|est|restent|demeurent|reste|demeure)\s+sa\s+(?:propriete|chose)"
    # « les données appartiennent au prestataire », not « il appartient au titulaire de … »
    rf"|\bappartien\w*\s+(?:\w+\s+)?(?:au|a\s+l'|a\s+la)\s*(?:societe\s+)?{_PARTY}\b"
    r"(?!\s*,?\s*(?:de|d')\b)"
    rf"|{_PARTY}[^.;]{{0,100}}?\b(?:conserve|detient|garde|se\s+reserve|reste\s+titulaire|"
    rf"demeure\s+titulaire)\b[^.;]{{0,40}}?\b(?:droits|propriete)\b"
)
#: What a claim of ownership must bear on to break a data clause (not packaging or tools).
CLAIMABLE = re.compile(
    r"\b(?:donnees?|bases?|fichiers?|informations?|resultats?|livrables?|code|logiciels?|"
    r"developpements?|documents?|documentation|contenus?|mesures|comptages|rapports?|etudes?|"
    r"droits)\b"
)
#: A contractor keeping its prior knowledge is the ordinary rule, not a claim on the results.
PRIOR_KNOWLEDGE = re.compile(
    r"connaissances?\s+anterieures?|savoir-faire|preexistan\w+|methodes|(?:dans|avec)\s+(?:son|"
    r"leur|sa|l')\s*(?:offre|candidature)|"
    r"(?:elements|logiciels?|outils|composants|briques)\s+(?:\w+\s+){0,2}?(?:anterieur\w*|standards?|"
    r"propres)"
)


#: « sa propriété »: whose it is depends on the party named last before it.
_POSSESSIVE = re.compile(
    r"\b(?:sont|est|restent|demeurent|reste|demeure)\s+sa\s+(?:propriete|chose)"
)
_NAMED_PARTY = re.compile(rf"\b{_PARTY}\b")
_NAMED_BUYER = re.compile(rf"\b{BUYER}\b")
#: The contractor's own software, kept by it and licensed to the buyer: the ordinary regime
#: of a standard product, not a claim on what the contract produces.
LICENSED_TOOL = re.compile(
    r"\b(?:logiciels?|progiciels?|plateforme|solution|outils?|applicati\w+)\b[^.;]*"
    r"\b(?:conced\w*|concession|licence|droit\s+d'(?:usage|utilisation))"
)


def _claims(folded: str) -> bool:
    """Whether the contractor claims ownership: « sa propriété » only when the contractor
    is the party named last before it (« les bases constituées pour la ville sont sa
    propriété » are the city's)."""
    for match in OWNERSHIP.finditer(folded):
        if _POSSESSIVE.match(folded, match.start()):
            before = folded[: match.start()]
            party = max((m.end() for m in _NAMED_PARTY.finditer(before)), default=-1)
            buyer = max((m.end() for m in _NAMED_BUYER.finditer(before)), default=-1)
            if buyer > party:
                continue
        return True
    return False


#: Kinds of contradiction that cannot empty a family: a freedom left to the contractor (to
#: reuse the data for itself, to host them anywhere) takes nothing from the publication that
#: open data asks for — it may empty another family (données publiques, hébergement, RGPD).
FREED = "liberté laissée au titulaire"
#: The contractor free to use the buyer's data: their status is broken, not the rights on
#: the results of its work.
DATA_FREED = "usage des données laissé libre au titulaire"
FREEDOM_KINDS = frozenset({FREED, DATA_FREED, "localisation laissée libre"})
CLAIMED = "propriété revendiquée par le titulaire"
#: The contractor claims the buyer's data, not the results of its work: the data's status is
#: broken (données publiques), not the rights on the results.
DATA_CLAIMED = "données revendiquées par le titulaire"
VOIDED = "stipulations déclarées sans objet"
UNAFFECTED = {
    "open_data": FREEDOM_KINDS,
    "propriete_intellectuelle": frozenset({DATA_CLAIMED, DATA_FREED}),
}
_DATA = re.compile(r"\b(?:donnees?|bases?|fichiers?)\b")
#: What the rights on results bear on, as opposed to the data themselves.
RESULTS = re.compile(
    r"\b(?:resultats?|livrables?|code|logiciels?|developpements|documentation|rapports?|"
    r"etudes?|oeuvres?|creations?|programmes?|droits\s+d'auteur|propriete\s+intellectuelle)\b"
)
#: What a declaration « … sans objet » may bear on and still be about the clause it stands in:
#: « Sans objet. », « Les stipulations du présent article sont sans objet. »
_GENERIC_SUBJECT = frozenset(
    "le la les l' un une des du de d' ce cet cette ces present presente presents presentes "
    "stipulations stipulation dispositions disposition clauses clause exigences exigence "
    "obligations obligation article articles chapitre section partie paragraphe alinea "
    "annexe point points ci-dessus ci-apres susvisees susvises precitees precites matiere "
    "en cette objet marche contrat concession accord-cadre".split()
)


def _data_first(folded: str) -> bool:
    """Whether a sentence bears on data before any result of the contractor's work
    (« les données saisies dans le logiciel … », not « le code et les données … »)."""
    data, result = _DATA.search(folded), RESULTS.search(folded)
    return data is not None and (result is None or data.start() < result.start())


def voids_another_subject(folded: str, vocabulary: frozenset[str]) -> bool:
    """Whether a declaration « … sans objet » names a subject outside a family's
    ``vocabulary`` (« les exigences d'insertion sociale sont sans objet » in a security
    article): it voids that subject, not the clause it stands in. « Les exigences
    environnementales sont sans objet » under a sobriety heading voids the sobriety clause."""
    match = VOID.search(folded)
    if match is None:
        return False
    words = re.findall(r"[a-z][a-z'-]*", folded[: match.start()].replace("'", "' "))
    subject = set(stems_of(" ".join(w for w in words if w not in _GENERIC_SUBJECT)))
    return bool(subject) and subject.isdisjoint(vocabulary)


def breaks_family(family: str, kind: str | None) -> bool:
    """Whether a sentence breaking a clause by ``kind`` breaks this family's."""
    return kind is not None and kind not in UNAFFECTED.get(family, frozenset())


def contradiction_kind(sentence: str) -> str | None:
    """Name the rule a sentence breaks an obligation by, or None.

    A prohibition that protects the buyer (« aucun accès depuis un pays tiers n'est permis »)
    breaks nothing; a duty denied, a freedom that defeats the clause, the data claimed, the
    matter declared « sans objet » or the buyer's use left to the contractor's consent do.
    """
    folded = fold(sentence)
    if (
        _claims(folded)
        and CLAIMABLE.search(folded)
        and not PRIOR_KNOWLEDGE.search(folded)
        and not LICENSED_TOOL.search(folded)
    ):
        return DATA_CLAIMED if _data_first(folded) else CLAIMED
    if DISCRETIONARY_EXCLUSION.search(folded) or LEFT_TO_PARTY.search(folded):
        return "laissé à l'appréciation du titulaire"
    if CONTRACTOR_VETO.search(folded):
        return CONTRACTOR_CONSENT
    if VOID.search(folded):
        return VOIDED
    kinds = negation_kinds(folded)  # read once: the costliest parse of the sentence
    # Exclusions the law makes, and the contractor's own prior tools, do not empty a duty —
    # but the contractor's business secrecy keeps nothing from the buyer itself.
    lawful = (
        LAWFUL_EXCLUSION.search(folded) is not None
        and DISCLOSURE.search(folded) is not None
        and not (BUSINESS_SECRET.search(folded) and TO_BUYER.search(folded))
    ) or PRIOR_KNOWLEDGE.search(folded)
    if ("denied" in kinds or DENIED_NOUN.search(folded)) and not lawful:
        return "obligation niée ou écartée"
    prohibited = "prohibition" in kinds
    if _anywhere(folded) and not prohibited:
        return "localisation laissée libre"
    if prohibited or PRIOR_KNOWLEDGE.search(folded) or BOUNDED.search(folded):
        return None
    freed = PUBLIC_FREEDOM.sub("", folded)
    if (
        PARTY_AGENT_FREEDOM.search(folded)
        or PARTY_WISH.search(folded)
        or (any(not _over_means(freed, m) for m in FREEDOM.finditer(freed)) and _party_may(freed))
    ):
        return DATA_FREED if _data_first(folded) else FREED
    return None


def _anywhere(folded: str) -> bool:
    """Whether the data may go anywhere: « dans tout pays », not « dans tout pays de l'Union »."""
    return any(not BOUNDED_PLACE.match(folded, match.end()) for match in ANYWHERE.finditer(folded))


def _over_means(folded: str, freedom: re.Match[str]) -> bool:
    """Whether a freedom bears on the contractor's own means or proposals (« organise
    librement ses équipes », « peut librement proposer »), which leave the duty whole."""
    around = folded[max(0, freedom.start() - 30) : freedom.end() + 45]
    return MEANS.search(around) is not None


def _party_may(folded: str) -> bool:
    """Whether the contractor is allowed something — "ne peut pas" is a prohibition."""
    for match in PARTY_MAY.finditer(folded):
        after = folded[match.end() : match.end() + 12]
        if not re.search(r"\b(?:ne|n')\b|n'", match.group(0)) and not re.match(
            r"\s*(?:pas|jamais)\b", after
        ):
            return True
    return False


def empties(sentence_folded: str, kinds: list[str] | None = None) -> bool:
    """Whether a folded sentence is negated or emptied, so that it credits no element
    (``kinds``: its ``negation_kinds`` if already read).

    A protective prohibition and a restriction (« hébergées qu'en France ») still credit.
    """
    kinds = negation_kinds(sentence_folded) if kinds is None else kinds
    return bool({"denied", "negated"} & set(kinds)) or VOID.search(sentence_folded) is not None


#: "will be specified later": a promise, not an obligation.
DEFERRAL = re.compile(
    r"\b(?:ulterieurement|(?<!au\s)plus\s+tard|feront?\s+l'objet\s+d'echanges|a\s+preciser|"
    r"a\s+definir|seront?\s+(?:precisee?s?|definie?s?|fixee?s?)\s+(?:par\s+la\s+suite|"
    r"ulterieurement|lors\s+de))\b"
)


def is_deferral(folded_sentence: str) -> bool:
    """Whether a (folded) sentence only promises to settle the matter later."""
    return DEFERRAL.search(folded_sentence) is not None
