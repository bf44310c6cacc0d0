"""Analysing a document: read it, judge every family, keep the report and the library state."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.analysis.classify import contract_type
from service.analysis.consultation import analyze_consultation
from service.analysis.findings import FamilyFinding, judge_document
from service.analysis.models import Analysis
from service.analysis.readers import Limits, read_document
from service.analysis.readers.bounds import DOCUMENT
from service.analysis.report import build_report
from service.analysis.rules import Ruleset, load_ruleset
from service.analysis.text import collector_spared
from service.errors import AnalysisNotFound, ConsultationInvalid
from service.french import plural
from service.library.search import SearchIndex
from service.library.store import Page
from service.limits import SafeZip
from service.storage import checksum, read_file, store_file

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "md": "text/markdown",
    # A consultation: the stored file is its manifest, naming each piece by its checksum.
    "dce": "application/json",
}
#: At most this many pieces in one consultation.
MAX_PIECES = 30


#: Words of a document's text that make the query for the closest library clause.
QUERY_WORDS = 40
#: Finds the library clause closest to a text of a family: (family id, text) → clause id.
Closest = Callable[[str, str], str | None]


def analyze_bytes(
    data: bytes,
    filename: str,
    ruleset: Ruleset,
    limits: Limits | None = None,
    closest: Closest | None = None,
) -> dict[str, Any]:
    """Read and judge a document; return the report (nothing is stored).

    With ``closest``, a family found present is given the library clause closest to what the
    document says, to compare with; otherwise (and for the other verdicts) the clause that
    states most of the missing elements for this kind of contract.
    """
    document = read_document(data, filename, limits)
    kind = contract_type(document)
    with collector_spared():
        findings = judge_document(document, ruleset, kind)
    if closest is not None:
        _compare_with_closest(findings, ruleset, closest)
    return build_report(filename, checksum(data), document, kind, findings)


def _compare_with_closest(
    findings: list[FamilyFinding], ruleset: Ruleset, closest: Closest
) -> None:
    choices = {family.id: {c.clause_id: c for c in family.clauses} for family in ruleset.families}
    for finding in findings:
        if finding.verdict != "present" or not finding.evidence:
            continue
        found = choices[finding.family].get(closest(finding.family, finding.source_text) or "")
        if found is not None:
            finding.suggested_clause = found
            finding.reasons.append(
                f"Clause de la bibliothèque la plus proche du texte : {found.clause_id} "
                f"v{found.version}."
            )


def closest_by_search(index: SearchIndex, session: Session) -> Closest:
    """A ``Closest`` that asks the library's search index (approved versions only)."""

    def closest(family: str, text: str) -> str | None:
        # The text's most frequent words stand for it in a query (any of them may match).
        counts = Counter(re.findall(r"\w{5,}", text.lower()))
        words = [word for word, _ in counts.most_common(QUERY_WORDS)]
        if not words:
            return None
        found = index.search(session, " ".join(words), family=family, status="approved", per_page=1)
        return found.hits[0].clause_id if found.hits else None

    return closest


def analyze_upload(
    session: Session,
    data: bytes,
    filename: str,
    limits: Limits | None = None,
    index: SearchIndex | None = None,
    organisation_id: int | None = None,
) -> tuple[Analysis, bool]:
    """Analyse an uploaded file and keep it for the organisation (None: the command line's);
    an identical file the same organisation already analysed against the same library is
    recognised and its analysis returned (the flag says whether it is new) — another
    organisation's never is."""
    ruleset = load_ruleset(session)
    digest = checksum(data)
    known = session.scalars(
        _owned(select(Analysis), organisation_id)
        .where(Analysis.file_sha256 == digest)
        .order_by(Analysis.id.desc())
    ).first()
    if known is not None and known.library_state == ruleset.library_state:
        return known, False
    closest = closest_by_search(index, session) if index is not None else None
    report = analyze_bytes(data, filename, ruleset, limits, closest)
    return _keep(session, data, filename, report, ruleset, organisation_id=organisation_id), True


def _owned(query: Any, organisation_id: int | None) -> Any:
    """The query limited to the analyses of one organisation (None: the command line's)."""
    if organisation_id is None:
        return query.where(Analysis.organisation_id.is_(None))
    return query.where(Analysis.organisation_id == organisation_id)


def pieces_of(
    files: list[tuple[str, bytes]], limits: Limits | None = None
) -> list[tuple[str, bytes]]:
    """The pieces of a consultation sent as files, a zip of the DCE among them unpacked
    (within the limits); refuses a consultation of one piece, too many, or two of one name."""
    limits = limits or Limits()
    pieces: list[tuple[str, bytes]] = []
    for name, data in files:
        if name.lower().endswith(".zip"):
            archive = SafeZip(data, limits, DOCUMENT)
            members = [
                member
                for member in archive.names
                if not member.endswith("/")
                and not PurePosixPath(member).name.startswith((".", "~$"))
                and "__MACOSX" not in member
                and PurePosixPath(member).suffix.lower().lstrip(".") in SUFFIXES_OF_PIECES
            ]
            if not members:
                raise ConsultationInvalid(
                    f"L'archive « {name} » ne contient aucun document lisible (DOCX, ODT, PDF, "
                    "texte).",
                    errors=[{"field": "file", "message": f"archive « {name} » sans document"}],
                )
            pieces += [(PurePosixPath(m).name, archive.read(m)) for m in members]
        else:
            pieces.append((name, data))
    names = [name for name, _ in pieces]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ConsultationInvalid(
            "Deux pièces portent le même nom (" + ", ".join(f"« {n} »" for n in twice) + ") : "
            "renommez-en une.",
            errors=[{"field": "file", "message": f"nom en double « {n} »"} for n in twice],
        )
    if not 2 <= len(pieces) <= MAX_PIECES:
        raise ConsultationInvalid(
            f"Une consultation se juge sur 2 à {MAX_PIECES} pièces ;"
            f" {plural(len(pieces), 'reçue')}.",
            errors=[{"field": "file", "message": plural(len(pieces), "pièce")}],
        )
    return pieces


SUFFIXES_OF_PIECES = frozenset({"docx", "odt", "pdf", "txt", "md"})


def analyze_consultation_upload(
    session: Session,
    files: list[tuple[str, bytes]],
    limits: Limits | None = None,
    organisation_id: int | None = None,
) -> tuple[Analysis, bool]:
    """Analyse the pieces of a consultation together and keep them for the organisation, with
    a manifest naming each by its checksum; the same pieces the same organisation analysed
    against the same library are recognised."""
    pieces = pieces_of(files, limits)
    ruleset = load_ruleset(session)
    manifest = _manifest(pieces)
    known = session.scalars(
        _owned(select(Analysis), organisation_id)
        .where(Analysis.file_sha256 == checksum(manifest))
        .order_by(Analysis.id.desc())
    ).first()
    if known is not None and known.library_state == ruleset.library_state:
        return known, False
    report = analyze_consultation(pieces, ruleset, limits)
    kept = _keep_consultation(session, pieces, manifest, report, ruleset)
    kept.organisation_id = organisation_id
    session.flush()
    return kept, True


def _manifest(pieces: list[tuple[str, bytes]]) -> bytes:
    listed = [{"filename": name, "sha256": checksum(data)} for name, data in pieces]
    return json.dumps({"pieces": listed}, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _keep_consultation(
    session: Session,
    pieces: list[tuple[str, bytes]],
    manifest: bytes,
    report: dict[str, Any],
    ruleset: Ruleset,
    previous: Analysis | None = None,
) -> Analysis:
    for (_, data), piece in zip(pieces, report["documents"], strict=True):
        store_file(session, data, MEDIA_TYPES.get(piece["format"], "application/octet-stream"))
    report["document"]["sha256"] = checksum(manifest)
    names = ", ".join(name for name, _ in pieces)
    return _keep(session, manifest, f"Consultation : {names}", report, ruleset, previous)


def consultation_pieces(session: Session, analysis: Analysis) -> list[tuple[str, bytes]]:
    """The pieces of a consultation analysis, read back from storage (checksums checked)."""
    manifest = json.loads(read_file(session, analysis.file_sha256).content)
    return [
        (piece["filename"], read_file(session, piece["sha256"]).content)
        for piece in manifest["pieces"]
    ]


def _keep(
    session: Session,
    data: bytes,
    filename: str,
    report: dict[str, Any],
    ruleset: Ruleset,
    previous: Analysis | None = None,
    organisation_id: int | None = None,
) -> Analysis:
    document = report["document"]
    store_file(session, data, MEDIA_TYPES[document["format"]])
    summary = report["summary"]
    analysis = Analysis(
        file_sha256=document["sha256"],
        filename=filename[:255],
        format=document["format"],
        contract_type=document["contract_type"],
        library_state=ruleset.library_state,
        report=report,
        previous_id=previous.id if previous else None,
        organisation_id=previous.organisation_id if previous else organisation_id,
        present=summary["present"],
        weak=summary["weak"],
        # The row counts a reference that cannot be followed as missing; the report tells.
        missing=summary["missing"] + summary.get("unverifiable", 0),
        contradicted=summary["contradicted"],
    )
    session.add(analysis)
    session.flush()
    return analysis


#: ``organisation_id`` for the command line: any analysis, whoever made it.
ANY_ORGANISATION = -1


def get_analysis(
    session: Session, analysis_id: int, organisation_id: int | None = ANY_ORGANISATION
) -> Analysis:
    """One analysis — of the organisation, when one is given: another's is
    ``AnalysisNotFound``, as one that does not exist."""
    analysis = session.get(Analysis, analysis_id) if 0 < analysis_id < 2**31 else None
    if analysis is not None and organisation_id != ANY_ORGANISATION:
        analysis = analysis if analysis.organisation_id == organisation_id else None
    if analysis is None:
        raise AnalysisNotFound(f"L'analyse n° {analysis_id} n'existe pas.")
    return analysis


def list_analyses(
    session: Session,
    page: int = 1,
    per_page: int = 20,
    organisation_id: int | None = ANY_ORGANISATION,
) -> Page:
    """Past analyses (of the organisation, when one is given), newest first."""
    count, rows_query = select(func.count(Analysis.id)), select(Analysis)
    if organisation_id != ANY_ORGANISATION:
        count, rows_query = _owned(count, organisation_id), _owned(rows_query, organisation_id)
    total = session.scalar(count) or 0
    rows = session.scalars(
        rows_query.order_by(Analysis.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return Page(list(rows), total, page, per_page)


def rerun_analysis(
    session: Session,
    analysis_id: int,
    index: SearchIndex | None = None,
    organisation_id: int | None = ANY_ORGANISATION,
) -> tuple[Analysis, list[dict[str, Any]]]:
    """Analyse the same file again against the library as it is now (an analysis of the
    organisation, when one is given; the new one is the same organisation's); say what
    changed, why."""
    before = get_analysis(session, analysis_id, organisation_id)
    if before.format == "dce":
        pieces = consultation_pieces(session, before)
        ruleset = load_ruleset(session)
        report = analyze_consultation(pieces, ruleset)
        after = _keep_consultation(
            session, pieces, _manifest(pieces), report, ruleset, previous=before
        )
        return after, compare(before, after)
    stored = read_file(session, before.file_sha256)
    ruleset = load_ruleset(session)
    closest = closest_by_search(index, session) if index is not None else None
    report = analyze_bytes(stored.content, before.filename, ruleset, closest=closest)
    after = _keep(session, stored.content, before.filename, report, ruleset, previous=before)
    return after, compare(before, after)


def changes_since_rerun(
    session: Session, analysis: Analysis
) -> tuple[Analysis | None, list[dict[str, Any]] | None]:
    """The analysis this one re-ran and the verdicts that changed since, or (None, None) for a
    first analysis."""
    if analysis.previous_id is None:
        return None, None
    previous = get_analysis(session, analysis.previous_id)
    return previous, compare(previous, analysis)


def compare(before: Analysis, after: Analysis) -> list[dict[str, Any]]:
    """The families whose verdict changed between two analyses of a file, and why."""
    old = {f["family"]: f for f in before.report["families"]}
    changes = []
    for family in after.report["families"]:
        previous = old.get(family["family"])
        if previous is not None and previous["verdict"] == family["verdict"]:
            continue
        changes.append(
            {
                "family": family["family"],
                "before": previous["verdict"] if previous else None,
                "after": family["verdict"],
                "why": _why(
                    family["family"], before.library_state, after.library_state, previous, family
                ),
            }
        )
    return changes


def _why(
    family: str,
    old_state: dict[str, Any],
    new_state: dict[str, Any],
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> list[str]:
    reasons = []
    old_family = old_state["families"].get(family)
    new_family = new_state["families"].get(family)
    if old_family is None:
        return ["Famille ajoutée à la bibliothèque."]
    old_elements = {e["id"]: e for e in old_family["elements"]}
    for element in new_family["elements"]:
        was = old_elements.get(element["id"])
        if was is None:
            reasons.append(f"Élément requis ajouté : {element['label']}.")
        elif was["essential"] != element["essential"]:
            state = "essentiel" if element["essential"] else "non essentiel"
            reasons.append(f"L'élément « {element['label']} » est devenu {state}.")
        elif was["hints"] != element["hints"]:
            reasons.append(f"Les indices de l'élément « {element['label']} » ont changé.")
    removed = set(old_elements) - {e["id"] for e in new_family["elements"]}
    reasons += [f"Élément requis retiré : {old_elements[key]['label']}." for key in removed]
    if old_family["signals"] != new_family["signals"]:
        reasons.append("Les signaux de la famille ont changé.")
    if before is not None:
        gained = set(after["elements_found"]) - set(before["elements_found"])
        lost = set(before["elements_found"]) - set(after["elements_found"])
        if gained:
            reasons.append(f"Éléments désormais trouvés : {', '.join(sorted(gained))}.")
        if lost:
            reasons.append(f"Éléments qui ne sont plus trouvés : {', '.join(sorted(lost))}.")
    return reasons or ["Les règles de l'analyse ont changé."]
