"""An organisation's own DOCX templates: uploaded through the API, checked, stored, used."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import jsonschema
import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.annexes import org_templates
from service.annexes.models import OrgTemplate
from service.limits import Budget
from service.organisations import ensure_organisation
from service.storage import StoredFile
from tests.annexes.test_render import HOSTILE, docx_with
from tests.api.test_annexes import complete, docx_text
from tests.api.test_openapi import _schema_for
from tests.conftest import clausier

URL = "/api/organisations/valbrune/templates"  # the signed-in client's organisation
GOOD = (
    "Annexe de {{ acheteur }} pour {{ objet }}"
    "{% for c in clauses %} — {{ c.title|upper }}{% endfor %}"
)


@pytest.fixture
def organisations(app: Flask) -> None:
    """Two organisations: a syndicate and a commune."""
    with clausier(app).db.session() as session:
        ensure_organisation(session, "sdel", "Syndicat départemental d'énergie")
        ensure_organisation(session, "lyon", "Ville de Lyon")


def upload(client: FlaskClient, data: bytes, url: str = URL, name: str = "Modèle SDEL"):  # type: ignore[no-untyped-def]
    """Upload a template through the API."""
    return client.post(
        url,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), "modele.docx"), "name": name, "uploaded_by": "M. Roux"},
    )


def _stored(app: Flask) -> tuple[int, int]:
    with clausier(app).db.sessions() as session:
        templates = session.scalar(select(func.count()).select_from(OrgTemplate))
        files = session.scalar(select(func.count()).select_from(StoredFile))
    return templates or 0, files or 0


def _bomb() -> bytes:
    """A valid-looking DOCX whose document part inflates to 60 MB."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_with("x"))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        target.writestr("word/media/bomb.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def _table_without_grid() -> bytes:
    """A template whose table lost its <w:tblGrid>: checked fine, but docxtpl cannot fill it."""
    from docx import Document

    document = Document()
    document.add_paragraph("{{ acheteur }}")
    table = document.add_table(rows=2, cols=1)
    table.rows[0].cells[0].text = "{%tr for c in clauses %}"
    table.rows[1].cells[0].text = "{{ c.title }}{%tr endfor %}"
    table._tbl.remove(table._tbl.tblGrid)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HOSTILE_UPLOADS = [
    pytest.param(docx_with("{{ ''.__class__ }}"), "__class__", id="class"),
    pytest.param(docx_with(HOSTILE[1]), "__globals__", id="lipsum-globals"),
    pytest.param(docx_with(HOSTILE[2]), "{% import %}", id="import"),
    pytest.param(docx_with("{{ inconnue }}"), "variable inconnue « inconnue »", id="unknown"),
    pytest.param(b"%PDF-1.7 pas un docx", "n'est pas un document Word", id="not-docx"),
    pytest.param(_bomb(), "Archive suspecte", id="zip-bomb"),
    pytest.param(_table_without_grid(), "ne peut pas être remplie", id="table-without-grid"),
]


@pytest.mark.parametrize(("data", "reason"), HOSTILE_UPLOADS)
def test_a_hostile_template_is_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, organisations: None, data: bytes, reason: str
) -> None:
    response = upload(client, data)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["title"] == "Modèle refusé"
    assert any(reason in error["message"] for error in problem["errors"]), problem
    assert _stored(app) == (0, 0)
    assert client.get(URL).get_json() == {"items": []}


def test_a_good_template_is_stored_listed_and_renders_the_annex(
    app: Flask, client: FlaskClient, organisations: None, reference_library: Path
) -> None:
    data = docx_with(GOOD, header="{{ reference }}")
    response = upload(client, data)
    assert response.status_code == 201, response.get_json()
    jsonschema.validate(
        response.get_json(), _schema_for("/organisations/{org}/templates", "post", 201)
    )
    template = response.get_json()
    assert template["variables"] == ["acheteur", "clauses", "objet", "reference"]
    listing = client.get(URL).get_json()
    jsonschema.validate(listing, _schema_for("/organisations/{org}/templates", "get", 200))
    assert [t["name"] for t in listing["items"]] == ["Modèle SDEL"]
    assert client.get(f"{URL}/{template['id']}").get_json()["sha256"] == template["sha256"]
    assert client.get(f"{URL}/{template['id']}/file").data == data

    title = {"acheteur": "SDEL", "objet": "Éclairage public", "reference": "EP-7"}
    body = complete(client, {"clauses": [{"id": "rgpd-concession"}], "title": title})
    body |= {"organisation": "valbrune", "template": template["id"]}
    annex = client.post("/api/annexes", json=body)
    assert annex.status_code == 200, annex.get_data(as_text=True)[:300]
    text = docx_text(annex.data)
    assert "Annexe de SDEL pour Éclairage public" in text
    assert "— PROTECTION DES DONNÉES PERSONNELLES" in text  # the subject, not the variant
    assert "CONCESSION DE SERVICE PUBLIC" not in text
    assert "{{" not in text
    header = Document(io.BytesIO(annex.data)).sections[0].header.paragraphs[0].text
    assert header == "EP-7"


def test_another_organisations_template_is_not_found(
    client: FlaskClient, organisations: None, reference_library: Path
) -> None:
    template_id = upload(client, docx_with(GOOD)).get_json()["id"]
    other = client.get(f"/api/organisations/lyon/templates/{template_id}")
    assert other.status_code == 404
    assert other.mimetype == "application/problem+json"
    assert client.get(f"/api/organisations/lyon/templates/{template_id}/file").status_code == 404
    body = complete(client, {"clauses": [{"id": "rgpd-concession"}], "title": {"acheteur": "L"}})
    body |= {"organisation": "lyon", "template": template_id}
    assert client.post("/api/annexes", json=body).status_code == 404
    assert upload(
        client, docx_with(GOOD), url="/api/organisations/nulle/templates"
    ).status_code == (404)


def test_an_upload_needs_a_name_and_a_file(client: FlaskClient, organisations: None) -> None:
    assert upload(client, docx_with(GOOD), name="").status_code == 422
    missing = client.post(URL, content_type="multipart/form-data", data={"name": "x"})
    assert missing.status_code == 400
    assert missing.mimetype == "application/problem+json"


#: Passes every check; filled once with a trial's sample values (« Acheteur », 8 letters), it
#: writes 8⁴ × 90 kB ≈ 370 MB, above RENDER_BUDGET's 256 MB (issue 14).
SWELLING = "{% for a in acheteur %}" * 4 + "{{ objet|center(90000) }}" + "{% endfor %}" * 4


def test_a_template_too_heavy_to_fill_is_refused_at_upload_and_the_service_goes_on(
    app: Flask, client: FlaskClient, organisations: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(org_templates, "RENDER_BUDGET", Budget(memory_mb=64, seconds=10))
    response = upload(client, docx_with(SWELLING))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["title"] == "Modèle trop lourd à remplir"
    assert problem["errors"][0]["code"] == "memory"
    assert "plus de 64 Mo de mémoire" in problem["detail"]
    assert _stored(app) == (0, 0)
    assert client.get(URL).get_json() == {"items": []}
