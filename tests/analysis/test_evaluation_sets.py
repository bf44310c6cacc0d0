"""The evaluation sets kept in the repository: real documents (provenance, labels and split,
the files themselves out of git) and documents written blind."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskCliRunner

from service.analysis.evaluate import load_labels
from service.library.files import read_library
from service.settings import PROJECT_ROOT

REAL = PROJECT_ROOT / "tests" / "real"
BLIND = PROJECT_ROOT / "tests" / "blind"
BLIND_DEV = PROJECT_ROOT / "tests" / "blind_dev"
FAMILIES = set(read_library(PROJECT_ROOT / "clauses").families)
VERDICTS = {"present", "weak", "missing", "contradicted"}


def sources() -> list[dict]:
    return yaml.safe_load((REAL / "sources.yaml").read_text(encoding="utf-8"))


def test_every_real_document_has_its_provenance_and_checksum() -> None:
    entries = sources()
    assert len(entries) >= 19
    for entry in entries:
        assert entry["repository"] and entry["path"] and entry["reread"]
        assert len(entry["sha256"]) == 64 and entry["split"] in {"dev", "test"}
        assert entry["file"].startswith("documents/")


def test_the_real_documents_themselves_stay_out_of_git() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "tests/real/documents"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tracked.stdout.strip() == ""


def test_a_buyer_stays_in_one_half() -> None:
    halves: dict[str, set[str]] = {}
    for entry in sources():
        halves.setdefault(entry["buyer_group"], set()).add(entry["split"])
    assert all(len(split) == 1 for split in halves.values())
    assert {"dev", "test"} == {s for split in halves.values() for s in split}


@pytest.mark.parametrize("folder", [REAL, BLIND, BLIND_DEV], ids=["real", "blind", "blind_dev"])
def test_every_document_is_labelled_family_by_family_with_a_reason(folder: Path) -> None:
    for entry in load_labels(folder / "labels.yaml"):
        assert set(entry["families"]) == FAMILIES, entry["file"]
        assert set(entry["families"].values()) <= VERDICTS, entry["file"]
        assert set(entry["reasons"]) == FAMILIES, entry["file"]
        assert all(reason.strip() for reason in entry["reasons"].values()), entry["file"]


def test_the_labels_follow_the_split_of_the_sources() -> None:
    split = {entry["file"]: entry["split"] for entry in sources()}
    labelled = {entry["file"]: entry["split"] for entry in load_labels(REAL / "labels.yaml")}
    assert labelled == split


def test_the_blind_documents_are_in_the_repository() -> None:
    entries = load_labels(BLIND / "labels.yaml")
    assert len(entries) >= 14
    assert all((BLIND / entry["file"]).is_file() for entry in entries)
    assert all("split" not in entry for entry in entries), "blind documents are all test"


def test_the_blind_development_documents_are_in_the_repository_and_all_dev() -> None:
    entries = load_labels(BLIND_DEV / "labels.yaml")
    assert len(entries) >= 16
    assert all((BLIND_DEV / entry["file"]).is_file() for entry in entries)
    assert all(entry.get("split") == "dev" for entry in entries)
    assert not {e["file"] for e in entries} & {
        e["file"] for e in load_labels(BLIND / "labels.yaml")
    }


def test_the_checksum_script_reports_absent_and_different_copies(tmp_path: Path) -> None:
    copy = tmp_path / "real"
    shutil.copytree(REAL, copy, ignore=shutil.ignore_patterns("documents"))
    (copy / "documents").mkdir()
    first = sources()[0]
    (copy / first["file"]).write_bytes(b"pas le bon fichier")
    done = subprocess.run(
        [sys.executable, str(copy / "check.py")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert f"DIFFERENT {first['id']}" in done.stdout
    assert "absent" in done.stdout


def test_eval_says_when_the_real_copies_are_absent(runner: FlaskCliRunner, tmp_path: Path) -> None:
    copy = tmp_path / "real"
    copy.mkdir()
    shutil.copy(REAL / "labels.yaml", copy / "labels.yaml")
    result = runner.invoke(args=["eval", str(copy), "--split", "dev"])
    assert result.exit_code == 3
    assert "absent" in result.output and "Aucun document à évaluer" in result.output


def test_eval_measures_one_half(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["eval", str(BLIND), "--split", "test"])
    assert result.exit_code == 0, result.output
    assert "14 documents évalués" in result.output
    assert "Contradictions : précision" in result.output
