"""The analysis report: the stable JSON other tools read, and its text rendering."""

from __future__ import annotations

from typing import Any

from service.analysis.classify import LABELS, PRIORITIES
from service.analysis.document import Document
from service.analysis.findings import FamilyFinding
from service.french import plural

VERDICTS = ("present", "weak", "missing", "contradicted")
VERDICT_LABELS = {
    "present": "présente",
    "weak": "insuffisante",
    "missing": "absente",
    "contradicted": "contredite",
    # Only in a consultation: the family is deferred to a piece that was not sent.
    "unverifiable": "renvoi non vérifiable",
}


def build_report(
    filename: str,
    sha256: str,
    document: Document,
    contract_type: str | None,
    findings: list[FamilyFinding],
) -> dict[str, Any]:
    """The report in its stable JSON form (see the issue: other tools read it)."""
    summary = {verdict: 0 for verdict in VERDICTS}
    for finding in findings:
        summary[finding.verdict] += 1
    return {
        "document": {
            "filename": filename,
            "sha256": sha256,
            "format": document.format,
            "sections": len(document.sections),
            "contract_type": contract_type,
        },
        "families": [family_report(finding) for finding in findings],
        "summary": summary,
        "contract_type_label": LABELS.get(contract_type or ""),
        "priority_families": list(PRIORITIES.get(contract_type or "", ())),
    }


def family_report(finding: FamilyFinding) -> dict[str, Any]:
    """One family's finding in the report's JSON form."""
    clause = finding.suggested_clause
    return {
        "family": finding.family,
        "label": finding.label,
        "verdict": finding.verdict,
        "explanation": finding.explanation,
        "confidence": finding.confidence,
        "evidence": [
            {"section": e.section, "title": e.title, "excerpt": e.excerpt} for e in finding.evidence
        ],
        "elements_found": finding.elements_found,
        "elements_missing": finding.elements_missing,
        "essential_missing": finding.essential_missing,
        "contradiction": (
            {
                "section": finding.contradiction.section,
                "title": finding.contradiction.title,
                "excerpt": finding.contradiction.excerpt,
            }
            if finding.contradiction
            else None
        ),
        "reasons": finding.reasons,
        "suggested_clause": (
            {"id": clause.clause_id, "version": clause.version, "title": clause.title}
            if clause
            else None
        ),
    }


def render_text(report: dict[str, Any]) -> str:
    """The report for a terminal."""
    document = report["document"]
    pieces = report.get("documents")
    if pieces:
        lines = [
            f"Consultation de {plural(len(pieces), 'pièce')}, "
            f"contrat : {report.get('contract_type_label') or 'type non reconnu'}",
            *(
                f"  {piece['kind_label']} : {piece['filename']}"
                f" ({plural(piece['sections'], 'section')})"
                for piece in pieces
            ),
            "",
        ]
    else:
        lines = [
            f"{document['filename']} — {document['format'].upper()}, "
            f"{plural(document['sections'], 'section')}, "
            f"contrat : {report.get('contract_type_label') or 'type non reconnu'}",
            "",
        ]
    for family in report["families"]:
        lines.append(f"[{VERDICT_LABELS[family['verdict']]:>12}] {family['label']}")
        if family.get("explanation"):
            lines.append(f"    {family['explanation']}")
        for evidence in family["evidence"][:2]:
            where = f"Article {evidence['section']}" if evidence["section"] else "Texte"
            piece = f"{evidence['document']}, " if evidence.get("document") else ""
            lines.append(f"    {piece}{where} {evidence['title']} : « {evidence['excerpt']} »")
        for disagreement in family.get("disagreements", []):
            for passage in disagreement["passages"]:
                lines.append(f"    ≠ {passage['document']} : « {passage['excerpt']} »")
        for reference in family.get("references", []):
            state = (
                "suivi"
                if reference["resolved"]
                else "pièce absente"
                if reference["target"] is None
                else "l'article visé n'en traite pas"
            )
            lines.append(
                f"    ↪ {reference['source']} renvoie à {reference['reference']} ({state})"
            )
        for reason in family["reasons"]:
            lines.append(f"    – {reason}")
        if family["verdict"] != "present" and family["suggested_clause"]:
            clause = family["suggested_clause"]
            lines.append(f"    → clause à ajouter : {clause['id']} v{clause['version']}")
    summary = report["summary"]
    lines += [
        "",
        "Synthèse : "
        + ", ".join(f"{count} {VERDICT_LABELS[v]}(s)" for v, count in summary.items()),
    ]
    return "\n".join(lines)
