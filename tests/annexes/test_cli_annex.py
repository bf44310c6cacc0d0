"""``clausier annex`` and ``clausier report``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from service.analysis import analyze
from service.annexes import missing_values
from tests.api.test_annexes import docx_text
from tests.conftest import clausier

CLAUSES = ["open-data-concession", "reversibilite-concession"]
TITLE = ["--acheteur", "Ville de Lyon", "--objet", "Éclairage public"]


def test_annex_exits_2_listing_the_missing_values(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    out = tmp_path / "annexe.docx"
    args = ["annex", *[f"--clause={c}" for c in CLAUSES], *TITLE, "-o", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "Valeur manquante" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_annex_writes_the_docx(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    with clausier(app).db.sessions() as session:
        missing = missing_values(session, [(c, None) for c in CLAUSES], {})
    values = [f"--value={m.name}=valeur {m.name}" for m in missing]
    out = tmp_path / "annexe.docx"
    args = ["annex", *[f"--clause={c}" for c in CLAUSES], *values, *TITLE, "-o", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    text = docx_text(out.read_bytes())
    assert "Ville de Lyon" in text
    assert all(clause in text for clause in CLAUSES)


def test_annex_bad_input_is_a_french_message(
    runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    unknown = runner.invoke(
        args=["annex", "--clause", "inconnue", *TITLE, "-o", str(tmp_path / "a.docx")]
    )
    assert unknown.exit_code == 2
    assert "n'existe pas" in unknown.output and "Traceback" not in unknown.output
    neither = runner.invoke(args=["annex", *TITLE, "-o", str(tmp_path / "a.docx")])
    assert neither.exit_code == 2


def test_report_writes_the_pdf_and_refuses_an_unknown_analysis(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    from service.extensions import state

    with app.app_context(), state().db.session() as session:
        analysis, _ = analyze.analyze_upload(
            session, b"# Article 1 - Objet\n\nTexte.\n", "cctp.md", index=state().index
        )
        analysis_id = analysis.id
    out = tmp_path / "rapport.pdf"
    result = runner.invoke(args=["report", str(analysis_id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"%PDF"
    missing = runner.invoke(args=["report", "999", "-o", str(out)])
    assert missing.exit_code == 2
    assert "999" in missing.output
    unwritable = runner.invoke(
        args=["report", str(analysis_id), "-o", str(tmp_path / "absent" / "r.pdf")]
    )
    assert unwritable.exit_code == 1
    assert "impossible d'écrire" in unwritable.output
