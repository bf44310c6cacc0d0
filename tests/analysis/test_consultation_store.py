"""Consultations kept like single analyses: pieces stored, recognised, re-run, refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.analysis.analyze import (
    MAX_PIECES,
    analyze_consultation_upload,
    consultation_pieces,
    rerun_analysis,
)
from service.errors import ConsultationInvalid

from .test_consultation import CCAP, CCTP


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_consultation_is_kept_with_its_pieces_and_recognised(
    db_session: Session, reference_library: Path
) -> None:
    files = [("cctp.md", CCTP.encode()), ("ccap.md", CCAP.encode())]
    analysis, new = analyze_consultation_upload(db_session, files)
    db_session.commit()
    assert new and analysis.format == "dce"
    assert analysis.filename == "Consultation : cctp.md, ccap.md"
    assert consultation_pieces(db_session, analysis) == files
    families = {f["family"]: f for f in analysis.report["families"]}
    assert families["reversibilite"]["verdict"] == "present"
    again, new = analyze_consultation_upload(db_session, files)
    assert again.id == analysis.id and not new


def test_a_zip_of_the_consultation_file_is_unpacked(
    db_session: Session, reference_library: Path
) -> None:
    archive = _zip(
        {
            "DCE/cctp.md": CCTP.encode(),
            "DCE/ccap.md": CCAP.encode(),
            "DCE/.DS_Store": b"\x00",
            "__MACOSX/DCE/._cctp.md": b"\x00",
        }
    )
    analysis, _ = analyze_consultation_upload(db_session, [("dce.zip", archive)])
    assert [d["filename"] for d in analysis.report["documents"]] == ["cctp.md", "ccap.md"]


def test_a_rerun_judges_the_same_pieces_again(db_session: Session, reference_library: Path) -> None:
    files = [("cctp.md", CCTP.encode()), ("ccap.md", CCAP.encode())]
    before, _ = analyze_consultation_upload(db_session, files)
    db_session.commit()
    after, changes = rerun_analysis(db_session, before.id)
    assert after.previous_id == before.id and after.format == "dce"
    assert changes == []


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("cctp.md", CCTP.encode())], "2 à"),
        ([("cctp.md", CCTP.encode()), ("cctp.md", CCAP.encode())], "même nom"),
        ([(f"p{n}.md", CCTP.encode()) for n in range(MAX_PIECES + 1)], "2 à"),
        ([("vide.zip", _zip({"notes.xlsx": b"x"}))], "aucun document"),
    ],
)
def test_a_consultation_that_cannot_be_judged_is_refused_in_french(
    db_session: Session, reference_library: Path, files: list[tuple[str, bytes]], message: str
) -> None:
    with pytest.raises(ConsultationInvalid) as refused:
        analyze_consultation_upload(db_session, files)
    assert message in refused.value.detail


def test_the_annex_takes_the_clauses_a_consultation_lacks(
    db_session: Session, reference_library: Path
) -> None:
    from service.annexes.render import selection_from_analysis

    files = [("cctp.md", CCTP.encode())]  # reversibility deferred to a CCAP not sent
    files.append(("rc.md", b"# R\xc3\xa8glement de la consultation\n\nOffres avant le 15 mars.\n"))
    analysis, _ = analyze_consultation_upload(db_session, files)
    families = {f["family"]: f for f in analysis.report["families"]}
    assert families["reversibilite"]["verdict"] == "unverifiable"
    chosen = dict(selection_from_analysis(analysis.report))
    assert families["reversibilite"]["suggested_clause"]["id"] in chosen
    assert all(
        f["suggested_clause"]["id"] in chosen
        for f in families.values()
        if f["verdict"] != "present" and f["suggested_clause"]
    )
