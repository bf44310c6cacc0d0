"""The kind of contract a document is, told from its words, and the families it needs most."""

from __future__ import annotations

import re

from service.analysis.document import Document
from service.analysis.text import fold

#: Phrases that reveal each kind of contract, with their weight.
CLUES: dict[str, tuple[tuple[str, int], ...]] = {
    "concession": (
        (r"delegation de service public", 4),
        (r"\bconcession\b", 3),
        (r"\bconcessionnaire\b", 2),
        (r"\bdelegataire\b", 2),
        (r"autorite concedante", 3),
        (r"\bl\.?\s?3131-2\b", 2),
    ),
    "hebergement_saas": (
        (r"\bsaas\b", 3),
        (r"\bhebergement\b", 1),
        (r"\binfogerance\b", 3),
        (r"\bcloud\b", 2),
        (r"logiciel en tant que service", 3),
        (r"\bhebergeur\b", 2),
    ),
    "maintenance_logicielle": (
        (r"tierce maintenance applicative", 4),
        (r"\btma\b", 3),
        (r"maintenance (corrective|evolutive|applicative)", 2),
    ),
    "marche_fournitures": (
        (r"marche (public )?de fournitures?", 4),
        (r"\bfournitures?\b", 1),
        (r"\blivraison des (materiels|equipements|capteurs)\b", 2),
        (r"\bccag-fcs\b", 3),
    ),
    "marche_services": (
        (r"marche (public )?de services", 4),
        (r"\bprestations de services\b", 2),
        (r"\bccag-tic\b", 2),
        (r"\bprestations?\b", 1),
    ),
}
LABELS = {
    "concession": "Concession / délégation de service public",
    "hebergement_saas": "Hébergement / SaaS",
    "maintenance_logicielle": "Maintenance logicielle",
    "marche_fournitures": "Marché de fournitures",
    "marche_services": "Marché de services",
}
#: The families that matter most for each kind of contract, most important first.
PRIORITIES: dict[str, tuple[str, ...]] = {
    "concession": ("donnees_publiques", "open_data", "reversibilite", "rgpd", "revoyure"),
    "hebergement_saas": ("hebergement", "cybersecurite", "reversibilite", "rgpd"),
    "maintenance_logicielle": ("propriete_intellectuelle", "reversibilite", "cybersecurite"),
    "marche_fournitures": ("sobriete", "donnees_publiques", "rgpd"),
    "marche_services": ("donnees_publiques", "reversibilite", "rgpd", "propriete_intellectuelle"),
}
#: Each clue compiled twice: as written, and without its leading ``\b``, which keeps the
#: regular expression engine from scanning for the clue's first letters at C speed (a
#: ``\bword`` pattern costs ten times a ``word`` one on a long text). Every match of the
#: first is a match of the second at the same place, so the second, quick, one tells where
#: the first can start, if anywhere.
_COMPILED = {
    kind: [(re.compile(p), re.compile(p.removeprefix(r"\b")), w) for p, w in clues]
    for kind, clues in CLUES.items()
}


def contract_type(document: Document) -> str | None:
    """The likeliest kind of contract, or None when nothing tells."""
    text = fold(" ".join(f"{s.title}\n{s.text}" for s in document.sections[:60]))[:400_000]
    scores = {
        kind: sum(_count(pattern, quick, text) * weight for pattern, quick, weight in clues)
        for kind, clues in _COMPILED.items()
    }
    best = max(scores, key=lambda kind: scores[kind])
    return best if scores[best] >= 4 else None


#: A clue counts at most this many times.
MAX_COUNT = 5


def _count(pattern: re.Pattern[str], quick: re.Pattern[str], text: str) -> int:
    """How many times a clue occurs in the text, up to ``MAX_COUNT`` (the search stops there
    rather than reading the whole text for a frequent word, « prestations »), as
    ``finditer`` would find them: the clue is tried only where ``quick`` (the clue without
    its leading ``\b``) matches. No clue matches an empty string."""
    count, position = 0, 0
    while count < MAX_COUNT and (candidate := quick.search(text, position)) is not None:
        match = pattern.match(text, candidate.start())
        if match is None:
            position = candidate.start() + 1
        else:
            count += 1
            position = match.end()
    return count
