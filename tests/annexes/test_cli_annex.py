"""``clausier annex`` and ``clausier report``."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from flask import Flask
from flask.testing import FlaskCliRunner

from service.analysis import analyze
from service.annexes import missing_values
from service.library.store import current_version, get_clause
from tests.annexes.samples import sample_value
from tests.api.test_annexes import docx_text
from tests.conftest import clausier

CLAUSES = ["open-data-concession", "reversibilite-concession"]
TITLE = ["--acheteur", "Ville de Lyon", "--objet", "Éclairage public"]
TITLE_BLOCK = {"acheteur": "Ville de Lyon", "objet": "Éclairage public"}


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
        missing = missing_values(session, [(c, None) for c in CLAUSES], {}, title_block=TITLE_BLOCK)
    values = [f"--value={m.name}={sample_value(m)}" for m in missing]
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


def _set_values(app: Flask, set_id: str) -> list[str]:
    from service.annexes.render import annex_context_from_set

    with clausier(app).db.sessions() as session:
        missing = annex_context_from_set(session, set_id, {}, title_block=TITLE_BLOCK).missing
    return [f"--value={m.name}={sample_value(m)}" for m in missing]


def _tables(data: bytes) -> list[list[str]]:
    import io

    from docx import Document

    document = Document(io.BytesIO(data))
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def test_annex_from_a_set_with_deliveries_given_on_the_command_line(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    out = tmp_path / "annexe.docx"
    csv_file = tmp_path / "livraisons.csv"
    csv_file.write_text("dataset;format;frequency;delay\nPannes;JSON;hebdomadaire;2 jours\n")
    args = [
        "annex",
        "--set=concession-eclairage-public",
        *_set_values(app, "concession-eclairage-public"),
        "--delivery=Luminaires posés;GeoJSON;trimestrielle;45 jours",
        f"--deliveries={csv_file}",
        *TITLE,
        "-o",
        str(out),
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    rows = _tables(out.read_bytes())
    assert ["Luminaires posés", "GeoJSON", "trimestrielle", "45 jours"] in rows
    assert ["Pannes", "JSON", "hebdomadaire", "2 jours"] in rows
    assert not any("Inventaire des points lumineux" in row for row in rows)


def test_annex_from_a_set_keeps_the_sets_deliveries(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    out = tmp_path / "annexe.docx"
    set_id = "concession-eclairage-public"
    args = ["annex", f"--set={set_id}", *_set_values(app, set_id), *TITLE, "-o", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    rows = _tables(out.read_bytes())
    assert ["Inventaire des points lumineux", "CSV", "semestrielle", "30 jours"] in rows
    assert ["Consommations d'énergie", "CSV", "mensuelle", "20 jours"] in rows


def test_annex_with_a_template_file_checks_it_first(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    from tests.annexes.test_render import docx_with

    good, bad = tmp_path / "bon.docx", tmp_path / "mauvais.docx"
    good.write_bytes(docx_with("Pour {{ acheteur }} : {{ clauses|length }} clause(s)"))
    bad.write_bytes(docx_with("{{ lipsum.__globals__ }}"))
    out = tmp_path / "annexe.docx"
    base = ["annex", "--clause=rgpd-concession", *_values(app, ["rgpd-concession"]), *TITLE]
    refused = runner.invoke(args=[*base, f"--template-file={bad}", "-o", str(out)])
    assert refused.exit_code == 2
    assert "Modèle refusé" in refused.output and "__globals__" in refused.output
    assert not out.exists()
    result = runner.invoke(args=[*base, f"--template-file={good}", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Pour Ville de Lyon : 1 clause(s)" in docx_text(out.read_bytes())


def test_a_malformed_delivery_is_a_french_message(
    runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    args = ["annex", "--set=concession-eclairage-public", "--delivery=Pannes;JSON", *TITLE]
    result = runner.invoke(args=[*args, "-o", str(tmp_path / "a.docx")])
    assert result.exit_code == 2
    assert "jeu de données;format;fréquence;délai" in result.output


def _values(app: Flask, clauses: list[str]) -> list[str]:
    with clausier(app).db.sessions() as session:
        missing = missing_values(session, [(c, None) for c in clauses], {}, title_block=TITLE_BLOCK)
    return [f"--value={m.name}={sample_value(m)}" for m in missing]


def test_a_value_not_of_its_type_is_a_french_message_and_exit_2(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    out = tmp_path / "annexe.docx"
    values = [v for v in _values(app, CLAUSES) if "penalite_jour_euros" not in v]
    args = ["annex", *[f"--clause={c}" for c in CLAUSES], *values, *TITLE, "-o", str(out)]
    result = runner.invoke(args=[*args, "--value=penalite_jour_euros=trois"])
    assert result.exit_code == 2
    assert (
        "La variable « penalite_jour_euros » attend un nombre entier : « trois » n'en est pas un."
        in result.output
    )
    assert "rien écrit" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_the_buyer_is_given_once_with_its_option(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    out = tmp_path / "annexe.docx"
    args = ["annex", *[f"--clause={c}" for c in CLAUSES], *_values(app, CLAUSES), *TITLE]
    twice = runner.invoke(args=[*args, "--value=acheteur=Ville de Lyon", "-o", str(out)])
    assert twice.exit_code == 2
    assert "--acheteur" in twice.output and "Traceback" not in twice.output
    assert not out.exists()
    result = runner.invoke(args=[*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = Document(io.BytesIO(out.read_bytes()))
    assert "Ville de Lyon" in "\n".join(p.text for p in document.paragraphs)


def test_annex_prints_the_version_hash_and_the_filled_text_hash(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    out = tmp_path / "annexe.docx"
    args = ["annex", *[f"--clause={c}" for c in CLAUSES], *_values(app, CLAUSES), *TITLE]
    result = runner.invoke(args=[*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out), "stdout stays the written file alone"
    rows = _tables(out.read_bytes())
    with clausier(app).db.sessions() as session:
        for clause in CLAUSES:
            version = current_version(get_clause(session, clause))
            (row,) = [r for r in rows if r[0] == clause]
            assert row[3] == version.content_hash
            assert (
                f"{clause} v{version.number} — empreinte de la version (content_hash) :"
                f" {version.content_hash} ; empreinte du texte complété : {row[4]}"
            ) in result.stderr
