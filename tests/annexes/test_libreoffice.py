"""Another office suite opens the annex: LibreOffice converts it to PDF (when installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tests.annexes.test_render import build

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(OFFICE is None, reason="LibreOffice n'est pas installé sur cette machine")
def test_libreoffice_converts_the_annex_to_pdf(
    db_session: Session, reference_library: Path, tmp_path: Path
) -> None:
    source = tmp_path / "annexe.docx"
    source.write_bytes(build(db_session))
    subprocess.run(
        [OFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "annexe.pdf").pages)
    assert "Article 1" in text, "Word's automatic numbering is kept by LibreOffice"
    assert "Traçabilité" in text or "traçabilité" in text
