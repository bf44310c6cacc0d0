"""What the export refuses rather than write: a directory that is not empty, a file altered in
the database, a row pointing outside the organisation — never a partial or silently wrong
export, and nothing left behind."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, update

from service.accounts.models import AuditEntry
from service.analysis.analyze import analyze_upload, rerun_analysis
from service.storage import StoredFile
from tests.conftest import clausier
from tests.deliveries.factories import GOOD_CSV, deliver, make_contract, make_obligation

CCTP = b"# CCTP\n\n## Article 7 - Reversibilite\n\nLe titulaire restitue les donnees.\n"


def _export(app: Flask, directory: Path, slug: str = "valbrune"):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["export", "--organisation", slug, str(directory)])


def test_a_file_altered_in_the_database_stops_the_export(app: Flask, tmp_path: Path) -> None:
    with clausier(app).db.session() as session:
        obligation = make_obligation(session, make_contract(session))
        sha256 = deliver(session, obligation, "2024-08", GOOD_CSV).file_sha256
    with clausier(app).db.session() as session:
        session.execute(
            update(StoredFile).where(StoredFile.sha256 == sha256).values(content=b"autre")
        )
    out = tmp_path / "sorties"
    out.mkdir()
    result = _export(app, out / "export")
    assert result.exit_code == 2
    assert "modifié hors de Clausier" in result.output
    assert list(out.iterdir()) == []  # nor a half-written folder beside it


def test_a_row_pointing_outside_the_organisation_stops_the_export(
    app: Flask, small_library: Path, tmp_path: Path
) -> None:
    """An analysis of the organisation re-running one that belongs to nobody (analysed at the
    command line) could not be imported alone: the export names it instead of writing it."""
    with clausier(app).db.session() as session:
        contract = make_contract(session)
        first, _ = analyze_upload(session, CCTP, "cctp.md")
        second, _ = rerun_analysis(session, first.id)
        second.organisation_id = contract.organisation_id
        ids = first.id, second.id
    out = tmp_path / "sorties"
    out.mkdir()
    result = _export(app, out / "export")
    assert result.exit_code == 2
    assert f"analysis {ids[1]} : previous_id = {ids[0]}" in result.output
    assert list(out.iterdir()) == []  # nor a half-written folder beside it
    with clausier(app).db.sessions() as session:
        # A refused export is not in the audit log: it did not happen.
        assert (
            session.scalar(select(func.count()).where(AuditEntry.action.like("organisation_%")))
            == 0
        )


def test_the_file_of_a_failed_background_validation_leaves_with_the_organisation(
    app: Flask, tmp_path: Path
) -> None:
    """Named only by its job's parameters, the file received is exported all the same."""
    from tests.deliveries.test_pending import LARGE_CSV, _accept, _obligation, _start

    obligation_id = _obligation(app)
    accepted = _accept(app, obligation_id)
    _start(app, accepted)  # queued, never run: no delivery names the file
    result = _export(app, tmp_path / "export")
    assert result.exit_code == 0, result.output
    kept = tmp_path / "export" / "files" / accepted.params["file_sha256"]
    assert kept.read_bytes() == LARGE_CSV
