"""``clausier analyze`` and ``clausier eval`` (service/cli/)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.api.test_analyses import CCTP


def test_analyze_prints_the_json_report(
    runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cctp.md"
    path.write_text(CCTP, encoding="utf-8")
    result = runner.invoke(args=["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {f["family"]: f["verdict"] for f in report["families"]}["reversibilite"] == "present"


def test_analyze_text_names_verdicts_and_clauses(
    runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cctp.md"
    path.write_text(CCTP, encoding="utf-8")
    result = runner.invoke(args=["analyze", str(path)])
    assert "[    présente] Réversibilité" in result.output
    assert "→ clause à ajouter : « " in result.output, "the clause's title, not only its id"
    assert "(s)" not in result.output, "counts agree with their nouns"
    assert re.search(r"Synthèse : \d+ présentes?, \d+ insuffisantes?", result.output)


def test_an_unreadable_file_exits_non_zero_with_a_message(
    runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    good, bad = tmp_path / "cctp.md", tmp_path / "ancien.doc"
    good.write_text(CCTP, encoding="utf-8")
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = runner.invoke(args=["analyze", str(good), str(bad)])
    assert result.exit_code == 1
    assert "ancien.doc" in result.output and ".docx" in result.output
    assert "Réversibilité" in result.output, "the readable file is still reported"


def test_analyze_without_a_library_reads_the_shipped_one_and_says_so(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "cctp.md"
    path.write_text(CCTP, encoding="utf-8")
    result = runner.invoke(args=["analyze", str(path)])
    assert result.exit_code == 0, result.output
    assert "[    présente] Réversibilité" in result.output
    assert "règles lues dans" in result.output and "library import" in result.output


def fresh_clausier(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``clausier ARGS`` in a new process with an empty data directory and no DATABASE_URL."""
    environment = {**os.environ, "CLAUSIER_DATA_DIR": str(tmp_path / "neuf"), **settings}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_analyze_on_a_machine_where_nothing_was_set_up(tmp_path: Path) -> None:
    """No database, no index: the analysis still runs, in French, without a traceback."""
    path = tmp_path / "cctp.md"
    path.write_text(CCTP, encoding="utf-8")
    done = fresh_clausier(tmp_path, "analyze", str(path))
    assert done.returncode == 0, done.stderr
    assert "Réversibilité" in done.stdout
    assert "Base non initialisée" in done.stderr and "Traceback" not in done.stderr


def test_analyze_without_any_library_says_what_to_run(tmp_path: Path) -> None:
    path = tmp_path / "cctp.md"
    path.write_text(CCTP, encoding="utf-8")
    done = fresh_clausier(tmp_path, "analyze", str(path), LIBRARY_DIR=str(tmp_path / "absente"))
    assert done.returncode == 2
    assert "clausier db upgrade" in done.stderr and "Traceback" not in done.stderr


def test_analyze_html_is_a_standalone_page(
    runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cctp.md"
    path.write_text(CCTP, encoding="utf-8")
    result = runner.invoke(args=["analyze", str(path), "--format", "html"])
    assert result.exit_code == 0
    assert result.output.lstrip().lower().startswith("<!doctype html>")
    assert "Réversibilité" in result.output and "<svg" in result.output


def test_a_pdf_too_heavy_to_read_exits_non_zero_with_the_budget_named(
    runner: FlaskCliRunner, reference_library: Path, tmp_path: Path, monkeypatch
) -> None:
    from service.analysis import readers
    from service.limits import Budget
    from tests.analysis.readers.make import slow_pdf

    monkeypatch.setattr(readers, "PDF_BUDGET", Budget(memory_mb=512, seconds=0.2))
    path = tmp_path / "lourd.pdf"
    path.write_bytes(slow_pdf(20_000))
    result = runner.invoke(args=["analyze", str(path)])
    assert result.exit_code == 1
    assert "lourd.pdf" in result.output
    assert "la lecture du PDF a duré plus de 0.2 s" in result.output
