"""A consultation judged as a whole: CCTP, CCAP and annexes read together.

Real consultation files split the data clauses between their pieces: the CCTP describes the
service and defers the réversibilité to the CCAP (« conformément à l'article 12 du CCAP »), an
annex carries the security plan. Each piece is read and typed (CCTP, CCAP, RC, AE, annex, BPU…),
judged on its own, then each family is judged **for the consultation**:

- a family is addressed by what any piece stipulates; its elements are those stated anywhere
  (the CCTP gives the format, the CCAP the delay: the family is complete);
- a reference to another piece is followed when that piece is there: it counts only if the
  referenced article does treat the family; when the piece is absent, the family is « renvoi
  non vérifiable », with the reference named — never « présente » on the strength of a
  reference alone;
- two pieces that disagree (a restitution within a month here, three months there; the data
  the buyer's in one and freely reusable by the contractor in the other) contradict each
  other, and both passages are reported;
- each family also says which piece carries it, so that a buyer sees that the CCTP alone
  would not be enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from service.analysis.classify import LABELS, PRIORITIES, contract_type
from service.analysis.clauses import FamilySentence, IndexedSection, sentences_by_family
from service.analysis.document import Document
from service.analysis.findings import (
    EXCERPT_CHARS,
    FamilyFinding,
    judge_family,
    suggest_clause,
    timed_elements,
)
from service.analysis.language import delay_days
from service.analysis.readers import Limits, read_document
from service.analysis.report import VERDICT_LABELS, family_report
from service.analysis.rules import FamilyRule, Ruleset, empties
from service.analysis.text import collector_spared, fold
from service.storage import checksum

#: The pieces of a consultation file, and the words that name each (first found wins).
PIECE_KINDS: dict[str, tuple[str, str]] = {
    "ccap": ("CCAP", r"\bccap\b|cahier\s+des\s+clauses\s+administratives\s+particulieres"),
    "cctp": (
        "CCTP",
        r"\bcctp\b|cahier\s+des\s+clauses\s+techniques\s+particulieres|\bcahier\s+des\s+charges\b",
    ),
    "rc": ("Règlement de la consultation", r"\brc\b|reglement\s+de\s+(?:la\s+)?consultation"),
    "ae": ("Acte d'engagement", r"\bae\b|acte\s+d'engagement"),
    "bpu": ("Bordereau des prix", r"\bbpu\b|bordereau\s+des\s+prix"),
    "dpgf": ("DPGF", r"\bdpgf\b|decomposition\s+du\s+prix\s+global"),
    "annexe": ("Annexe", r"\bannexe\b"),
}
KIND_LABELS = {kind: label for kind, (label, _) in PIECE_KINDS.items()} | {"autre": "Autre pièce"}
#: Each piece named in a sentence, with its article.
NAMED = {
    "ccap": "le CCAP",
    "cctp": "le CCTP",
    "rc": "le règlement de la consultation",
    "ae": "l'acte d'engagement",
    "bpu": "le bordereau des prix",
    "dpgf": "la DPGF",
    "annexe": "l'annexe",
    "autre": "une autre pièce",
}
_KIND_PATTERNS = {kind: re.compile(pattern) for kind, (_, pattern) in PIECE_KINDS.items()}
#: A piece is typed from its name and the start of its text (its title page).
HEAD_CHARS = 600

_DOC = (
    r"(?P<doc>ccap|cctp|cahier\s+des\s+clauses\s+(?:administratives|techniques)\s+"
    r"particulieres|annexe)"
)
_NUM = r"(?P<num>\d{1,3}(?:\.\d{1,3}){0,4})"
#: « l'article 12 du CCAP », « art. 8.2 du CCTP », « § 4 de l'annexe 2 ».
_ARTICLE_OF = re.compile(
    rf"\b(?:articles?|art\.?|§|paragraphes?|points?|chapitres?|sections?)\s*(?:n°\s*)?{_NUM}\s+"
    rf"(?:du|de\s+l'|de\s+la|de)\s*{_DOC}"
)
#: « CCTP §8 », « CCAP, article 12 ».
_DOC_ARTICLE = re.compile(rf"\b{_DOC}\s*,?\s*(?:articles?|art\.?|§|points?)\s*(?:n°\s*)?{_NUM}")
#: « annexe 3 », « annexe n° 2 au CCTP ».
_ANNEX = re.compile(r"\bannexe\s*(?:n°\s*|no\s+)?(?P<annex>\d{1,2}|[ivx]{1,5})\b")
#: « conformément au CCAP » without an article.
_BARE = re.compile(
    r"\b(?P<doc>ccap|cctp|cahier\s+des\s+clauses\s+(?:administratives|techniques)\s+particulieres)"
    r"\b"
)


def piece_kind(document: Document, filename: str) -> str:
    """What piece of a consultation a document is: from its file name, else its title page."""
    name = fold(re.sub(r"[_.\-]+", " ", filename.rsplit(".", 1)[0]))
    head = fold(" ".join(f"{s.title} {s.text}" for s in document.sections[:6])[: HEAD_CHARS * 2])[
        :HEAD_CHARS
    ]
    for text in (name, head):
        found = [
            (match.start(), kind)
            for kind, pattern in _KIND_PATTERNS.items()
            if (match := pattern.search(text))
        ]
        if found:
            return min(found)[1]
    return "autre"


def _doc_kind(name: str) -> str:
    if name.startswith("annexe"):
        return "annexe"
    return "ccap" if "ccap" in name or "administratives" in name else "cctp"


@dataclass
class Reference:
    """A sentence of a piece that sends the reader to another piece for a family."""

    family: str
    source: str
    section: str
    excerpt: str
    kind: str
    article: str | None = None
    annex: str | None = None
    #: The piece it leads to, when it is there; and whether that piece's article treats
    #: the family.
    target: str | None = None
    resolved: bool = False

    @property
    def named(self) -> str:
        """The reference as a buyer reads it: « article 12 du CCAP »."""
        piece = KIND_LABELS.get(self.kind, self.kind)
        if self.kind == "annexe":
            return f"annexe {self.annex}" if self.annex else "une annexe"
        return f"article {self.article} du {piece}" if self.article else f"le {piece}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "section": self.section,
            "excerpt": self.excerpt,
            "reference": self.named,
            "target": self.target,
            "resolved": self.resolved,
        }


def references_in(folded: str) -> list[tuple[str, str | None, str | None]]:
    """The pieces a folded sentence refers to: (kind, article, annex number)."""
    found: list[tuple[str, str | None, str | None]] = []
    for pattern in (_ARTICLE_OF, _DOC_ARTICLE):
        for match in pattern.finditer(folded):
            kind = _doc_kind(match["doc"])
            annex = _ANNEX.search(folded, match.start("doc"))
            number = annex["annex"] if kind == "annexe" and annex else None
            found.append((kind, match["num"], number))
    if not found:
        for match in _ANNEX.finditer(folded):
            found.append(("annexe", None, match["annex"]))
        for match in _BARE.finditer(folded):
            found.append((_doc_kind(match["doc"]), None, None))
    return list(dict.fromkeys(found))


@dataclass
class Piece:
    """One document of the consultation, read, typed and judged on its own."""

    filename: str
    sha256: str
    kind: str
    document: Document
    contract_type: str | None
    sections: list[IndexedSection]
    about: list[list[FamilySentence]]
    deferrals: list[list[FamilySentence]]
    findings: list[FamilyFinding] = field(default_factory=list)

    def treats(self, family: int, article: str | None) -> bool:
        """Whether the piece stipulates on the family (in the article, when one is named)."""
        for sentence in self.about[family]:
            if not sentence.binding:
                continue
            number = self.sections[sentence.section].section.number or ""
            if article is None or number == article or number.startswith(f"{article}."):
                return True
        return False


def read_piece(filename: str, data: bytes, ruleset: Ruleset, limits: Limits | None) -> Piece:
    """Read one document and judge each family on it alone."""
    document = read_document(data, filename, limits)
    kind = contract_type(document)
    deferrals: list[list[FamilySentence]] = [[] for _ in ruleset.families]
    with collector_spared():
        sections, about = sentences_by_family(document, ruleset, deferrals)
        findings = [
            judge_family(family, sections, about[f], kind)
            for f, family in enumerate(ruleset.families)
        ]
    piece = Piece(
        filename,
        checksum(data),
        piece_kind(document, filename),
        document,
        kind,
        sections,
        about,
        deferrals,
    )
    piece.findings = findings
    return piece


def _excerpt(piece: Piece, sentence: FamilySentence) -> str:
    text = piece.sections[sentence.section].text.sentence(sentence.index)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _references(pieces: list[Piece], family: FamilyRule, number: int) -> list[Reference]:
    """Every reference of every piece for the family, followed where it can be: a passing
    mention that only sends the reader elsewhere, or a stipulation whose content stands in a
    numbered article or annex of another piece (« les exigences du plan figurant en annexe
    2 »)."""
    found = []
    for piece in pieces:
        if piece.kind not in CONTRACTUAL:
            continue
        explicit = [
            s
            for s in piece.about[number]
            if s.binding and _numbered(piece.sections[s.section].folded[s.index])
        ]
        for sentence in [*piece.deferrals[number], *explicit]:
            section = piece.sections[sentence.section]
            for kind, article, annex in references_in(section.folded[sentence.index]):
                if kind == piece.kind and kind != "annexe":
                    continue  # « l'article 9 du présent CCTP »: the piece itself
                reference = Reference(
                    family.id,
                    piece.filename,
                    section.section.number or "",
                    _excerpt(piece, sentence),
                    kind,
                    article,
                    annex,
                )
                target = _target(pieces, piece, kind, annex)
                if target is not None:
                    reference.target = target.filename
                    reference.resolved = target.treats(number, article)
                found.append(reference)
    return found


def _numbered(folded: str) -> bool:
    """Whether a sentence names where its content stands: an article of a piece, an annex."""
    return any(pattern.search(folded) for pattern in (_ARTICLE_OF, _DOC_ARTICLE, _ANNEX))


def _target(pieces: list[Piece], source: Piece, kind: str, annex: str | None) -> Piece | None:
    candidates = [p for p in pieces if p is not source and p.kind == kind]
    if kind == "annexe" and annex and len(candidates) > 1:
        numbered = re.compile(rf"\bannexe\s*(?:n°\s*|no\s+)?{re.escape(annex)}\b")
        candidates = [
            p
            for p in candidates
            if numbered.search(fold(re.sub(r"[_.\-]+", " ", p.filename)))
            or numbered.search(fold(" ".join(s.title for s in p.document.sections[:3])))
        ]
    return candidates[0] if candidates else None


@dataclass
class Disagreement:
    """Two pieces that state the same element differently."""

    element: str
    passages: list[dict[str, str]]
    reason: str


def _disagreements(pieces: list[Piece], family: FamilyRule, number: int) -> list[Disagreement]:
    """Delays and frequencies stated differently by two pieces, and a piece that frees what
    another protects."""
    found: list[Disagreement] = []
    timed: dict[str, list[tuple[Piece, FamilySentence, float]]] = {}
    for piece in pieces:
        for key, sentence in timed_elements(family, piece.sections, piece.about[number]).items():
            days = delay_days(piece.sections[sentence.section].folded[sentence.index])
            if days is not None:
                timed.setdefault(key, []).append((piece, sentence, days))
    labels = {element.key: element.label for element in family.elements}
    for key, stated in timed.items():
        values = {round(days, 3) for _, _, days in stated}
        if len({piece.filename for piece, _, _ in stated}) > 1 and len(values) > 1:
            found.append(
                Disagreement(
                    key,
                    [_passage(piece, sentence) for piece, sentence, _ in stated],
                    f"« {labels[key]} » diffère d'une pièce à l'autre",
                )
            )
    found += _format_disagreements(pieces, number)
    broken = [p for p in pieces if p.findings[number].verdict == "contradicted"]
    # The protection is best shown by the piece that states it most fully.
    kept = sorted(
        (p for p in pieces if p.findings[number].verdict in {"present", "weak"}),
        key=lambda p: p.findings[number].verdict != "present",
    )
    if broken and kept:
        contradiction = broken[0].findings[number].contradiction
        best = kept[0].findings[number].evidence
        if contradiction is not None and best:
            found.append(
                Disagreement(
                    "",
                    [
                        {"document": kept[0].filename, **_evidence_dict(best[0])},
                        {"document": broken[0].filename, **_evidence_dict(contradiction)},
                    ],
                    f"{NAMED[broken[0].kind]} vide ce que stipule {NAMED[kept[0].kind]}",
                )
            )
    return found


#: A format named open, or the contractor's own: what two pieces may require differently.
_OPEN_FORMAT = re.compile(r"\bformats?\s+(?:\w+\s+){0,2}?(?:ouverts?|standards?\s+ouverts?)\b")
_OWN_FORMAT = re.compile(
    r"\bformats?\s+(?:\w+\s+){0,2}?(?:proprietaires?|natifs?|de\s+l'editeur|du\s+titulaire)\b"
)


def _format_disagreements(pieces: list[Piece], number: int) -> list[Disagreement]:
    """One piece requiring open formats where another lets the contractor use its own."""
    open_, own = [], []
    for piece in pieces:
        for sentence in piece.about[number]:
            folded = piece.sections[sentence.section].folded[sentence.index]
            if empties(folded):  # « aucun format propriétaire n'est admis » protects
                continue
            if _OWN_FORMAT.search(folded):
                own.append((piece, sentence))
            elif _OPEN_FORMAT.search(folded):
                open_.append((piece, sentence))
    pairs = [(a, b) for a in open_ for b in own if a[0] is not b[0]]
    if not pairs:
        return []
    (opened, first), (owned, second) = pairs[0]
    return [
        Disagreement(
            "formats",
            [_passage(opened, first), _passage(owned, second)],
            f"{NAMED[opened.kind]} exige un format ouvert, {NAMED[owned.kind]} admet un "
            "format propriétaire",
        )
    ]


def _passage(piece: Piece, sentence: FamilySentence) -> dict[str, str]:
    section = piece.sections[sentence.section].section
    return {
        "document": piece.filename,
        "section": section.number or "",
        "title": section.title,
        "excerpt": _excerpt(piece, sentence),
    }


def _evidence_dict(evidence: Any) -> dict[str, str]:
    return {"section": evidence.section, "title": evidence.title, "excerpt": evidence.excerpt}


def judge_consultation(
    pieces: list[Piece], family: FamilyRule, number: int, kind: str | None
) -> dict[str, Any]:
    """One family judged on the whole consultation, in the report's JSON form."""
    findings = [piece.findings[number] for piece in pieces]
    references = _references(pieces, family, number)
    contractual = [p for p in pieces if p.kind in CONTRACTUAL]
    disagreements = _disagreements(contractual, family, number)
    addressed = [
        (piece, piece.findings[number])
        for piece in contractual
        if piece.findings[number].verdict in {"present", "weak", "contradicted"}
    ]
    unverifiable = [r for r in references if r.target is None]
    found = sorted({key for _, finding in addressed for key in finding.elements_found})
    keys = [element.key for element in family.elements]
    missing = [key for key in keys if key not in found]
    essential = [e.key for e in family.elements if e.essential and e.key not in found]
    result = FamilyFinding(family.id, family.label, "missing", 0.95)
    result.elements_found = [key for key in keys if key in found]
    result.elements_missing = missing
    result.essential_missing = essential
    entry: dict[str, Any]
    if disagreements or any(f.verdict == "contradicted" for _, f in addressed):
        result.verdict = "contradicted"
        result.confidence = max((f.confidence for _, f in addressed), default=0.8)
        first = disagreements[0] if disagreements else None
        if first is not None:
            names = " et ".join(f"« {p['document']} »" for p in first.passages)
            result.explanation = f"Contredite entre les pièces : {first.reason} ({names})."
        else:
            piece, finding = next((p, f) for p, f in addressed if f.verdict == "contradicted")
            result.explanation = f"Contredite dans « {piece.filename} » : {finding.explanation}"
    elif addressed and not (essential and unverifiable):
        result.verdict = "weak" if essential else "present"
        result.confidence = max(f.confidence for _, f in addressed)
        carriers = ", ".join(f"« {p.filename} »" for p, _ in addressed)
        if essential:
            labels = {e.key: e.label for e in family.elements}
            result.explanation = (
                f"Insuffisante pour la consultation : traitée dans {carriers}, mais aucune pièce "
                f"ne précise « {labels[essential[0]]} »."
            )
        else:
            result.explanation = f"Présente pour la consultation : traitée dans {carriers}."
    elif references:
        named = ", ".join(f"« {r.named} »" for r in references)
        if unverifiable:
            # What the pieces say is incomplete, and the rest stands in a piece not sent.
            result.verdict = "unverifiable"
            result.confidence = 0.8
            absent = ", ".join(f"« {r.named} »" for r in unverifiable)
            result.explanation = (
                f"Renvoi non vérifiable : {absent}, pièce absente de la consultation analysée."
            )
        else:
            result.explanation = (
                f"Absente : le renvoi ({named}) mène à une pièce qui ne stipule rien sur "
                f"« {family.label} »."
            )
    else:
        result.explanation = (
            f"Absente : aucune pièce de la consultation ne stipule sur « {family.label} »."
        )
    if result.verdict in {"missing", "unverifiable"}:
        result.elements_found = []
        result.elements_missing = keys
        result.essential_missing = [e.key for e in family.elements if e.essential]
    result.suggested_clause = suggest_clause(
        family, result.essential_missing or result.elements_missing, kind
    )
    entry = family_report(result)
    entry["evidence"] = [
        {"document": piece.filename, **_evidence_dict(evidence)}
        for piece, finding in addressed
        for evidence in finding.evidence[:2]
    ]
    if result.verdict == "contradicted":
        first = disagreements[0] if disagreements else None
        entry["contradiction"] = (
            first.passages[-1]
            if first is not None
            else next(
                {"document": p.filename, **_evidence_dict(f.contradiction)}
                for p, f in addressed
                if f.contradiction is not None
            )
        )
    entry["disagreements"] = [
        {"element": d.element or None, "reason": d.reason, "passages": d.passages}
        for d in disagreements
    ]
    entry["references"] = [r.as_dict() for r in references]
    entry["documents"] = [
        {"filename": piece.filename, "kind": piece.kind, "verdict": finding.verdict}
        for piece, finding in zip(pieces, findings, strict=True)
    ]
    entry["reasons"] = [
        f"{piece.filename} : {VERDICT_LABELS[finding.verdict]}"
        for piece, finding in zip(pieces, findings, strict=True)
    ]
    return entry


def analyze_consultation(
    files: list[tuple[str, bytes]], ruleset: Ruleset, limits: Limits | None = None
) -> dict[str, Any]:
    """Read every piece of a consultation and judge each family on the whole; return the
    report (nothing is stored). Its families have the shape of a single document's report,
    with the piece named in each evidence, the references followed and the per-piece
    verdicts."""
    pieces = [read_piece(name, data, ruleset, limits) for name, data in files]
    kinds = [p.contract_type for p in pieces if p.contract_type]
    kind = next((p.contract_type for p in pieces if p.kind == "cctp" and p.contract_type), None)
    kind = kind or (max(set(kinds), key=kinds.count) if kinds else None)
    families = [
        judge_consultation(pieces, family, number, kind)
        for number, family in enumerate(ruleset.families)
    ]
    summary = {verdict: 0 for verdict in CONSULTATION_VERDICTS}
    for family in families:
        summary[family["verdict"]] += 1
    digest = checksum("\n".join(sorted(f"{p.sha256} {p.filename}" for p in pieces)).encode("utf-8"))
    return {
        "document": {
            "filename": " + ".join(p.filename for p in pieces),
            "sha256": digest,
            "format": "dce",
            "sections": sum(len(p.document.sections) for p in pieces),
            "contract_type": kind,
        },
        "documents": [
            {
                "filename": p.filename,
                "sha256": p.sha256,
                "format": p.document.format,
                "kind": p.kind,
                "kind_label": KIND_LABELS[p.kind],
                "sections": len(p.document.sections),
            }
            for p in pieces
        ],
        "families": families,
        "summary": summary,
        "contract_type_label": LABELS.get(kind or ""),
        "priority_families": list(PRIORITIES.get(kind or "", ())),
    }


#: The pieces that stipulate: a consultation's rules (RC) or a price list say nothing the
#: contractor is bound by.
CONTRACTUAL = frozenset({"cctp", "ccap", "annexe", "ae", "autre"})
#: A consultation's verdicts: a single document's, and a reference that cannot be followed.
CONSULTATION_VERDICTS = ("present", "weak", "missing", "contradicted", "unverifiable")
