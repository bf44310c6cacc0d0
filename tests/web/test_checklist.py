"""The reversibility checklist page, its tick forms, evidence files and exports
(service/web/checklist.py, checklist_pdf.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.deliveries.checklist import tick_item
from service.deliveries.contracts import create_contract
from service.deliveries.models import Contract
from service.deliveries.record import record_delivery
from tests.deliveries.factories import (
    GOOD_CSV,
    make_contract,
    make_obligation,
    make_organisation,
    paris,
)
from tests.web.test_clause_pdf import pdf_text, stylesheet_warnings

PAGE = "/organisations/valbrune/contrats/EP-2024-01/reversibilite"


def setup_contract(session: Session, with_clause: bool = True) -> None:
    """A concession (with version 1 of the concession reversibility clause, or none) owing a
    monthly inventory, one month delivered."""
    organisation = make_organisation(session)
    if with_clause:
        contract = create_contract(
            session,
            organisation,
            reference="EP-2024-01",
            title="Concession de l'éclairage public",
            kind="concession",
            titulaire_name="Lumicité Exploitation SAS",
            titulaire_siren=None,
            start_on=dt.date(2024, 7, 15),
            end_on=dt.date(2025, 7, 14),
            clauses=[("reversibilite-concession", 1)],
        )
    else:
        contract = make_contract(session, organisation, end=dt.date(2025, 7, 14))
    obligation = make_obligation(session, contract)
    record_delivery(
        session,
        obligation,
        "2024-07",
        GOOD_CSV,
        filename="inventaire-2024-07.csv",
        sender="Lumicité",
        sender_role="titulaire",
        received_at=paris(2024, 8, 10),
        recorded_by="acheteur",
    )
    session.commit()


def test_the_page_lists_datasets_and_items_with_their_states(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    response = client.get(PAGE + "?au=2024-10-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Liste de contrôle de réversibilité" in page
    assert "inventaire-2024-07.csv" in page
    assert "1 / 3 périodes" in page
    assert "août 2024 (manquante)" in page
    assert "Suppression et certificat de destruction" in page
    assert page.count(">non prévu au contrat</span>") == 4
    assert page.count(">à faire</span>") == 7
    assert "aucune clause de réversibilité" not in page
    assert f'href="{PAGE}.docx?au=2024-10-31"' in page
    assert f'href="{PAGE}.pdf?au=2024-10-31"' in page


def queries_of(client: FlaskClient, url: str) -> int:
    """How many SQL statements a GET of ``url`` runs."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return len(statements)


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_contract_holds(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    small = queries_of(client, PAGE + "?au=2025-12-31")
    contract = db_session.query(Contract).one()
    for dataset in ("consommations", "interventions", "plan_reversibilite"):
        obligation = make_obligation(db_session, contract, dataset=dataset)
        record_delivery(
            db_session,
            obligation,
            "2024-08",
            GOOD_CSV,
            filename=f"{dataset}.csv",
            sender="Lumicité",
            sender_role="titulaire",
            received_at=paris(2024, 9, 10),
            recorded_by="acheteur",
        )
    tick_item(db_session, contract, "suppression", "done", "Certificat reçu.", "Mme Leroy")
    tick_item(db_session, contract, "delai", "done", "Délai tenu.", "Mme Leroy")
    db_session.commit()
    # The identity (user, organisation, memberships and their contracts), the right
    # (organisation, contract: the page reads the same, not looked up again), then ticks,
    # obligations, periods, last valid deliveries, clause versions, the family's elements: one
    # query each, however many rows they hold.
    assert queries_of(client, PAGE + "?au=2025-12-31") == small == 12


def test_a_contract_without_clause_says_so_prominently(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session, with_clause=False)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Ce contrat ne contient aucune clause de réversibilité." in page
    assert page.count(">non prévu au contrat</span>") == 11


def test_ticking_an_item_with_a_file_keeps_the_history_and_serves_the_file(
    client: FlaskClient,
    db_session: Session,
    reference_library: Path,
    form_token: Callable[[str], str],
) -> None:
    setup_contract(db_session)
    token = form_token(PAGE)
    response = client.post(
        PAGE + "/suppression",
        data={
            "csrf_token": token,
            "state": "done",
            "note": "Certificat reçu par courrier.",
            "author": "Mme Leroy",
            "file": (io.BytesIO(b"%PDF-1.4 certificat"), "certificat.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#element-suppression")
    response = client.post(
        PAGE + "/suppression",
        data={
            "csrf_token": token,
            "state": "pending",
            "note": "Les sauvegardes ne sont pas couvertes.",
            "author": "M. Roy",
        },
    )
    assert response.status_code == 302

    page = client.get(PAGE).get_data(as_text=True)
    row = page[page.index('id="element-suppression"') :]
    row = row[: row.index("</tr>")]
    assert ">non prévu au contrat</span>" in row  # the latest tick wins: back to pending
    assert "Historique (2)" in row
    assert row.index("Les sauvegardes ne sont pas couvertes.") < row.index("certificat.pdf")
    link = re.search(r'href="([^"]+/pieces/\d+)">certificat\.pdf', row)
    assert link
    served = client.get(link.group(1))
    assert served.status_code == 200
    assert served.data == b"%PDF-1.4 certificat"
    assert "certificat.pdf" in served.headers["Content-Disposition"]


def test_a_tick_without_evidence_is_refused_with_the_reason(
    client: FlaskClient,
    db_session: Session,
    reference_library: Path,
    form_token: Callable[[str], str],
) -> None:
    setup_contract(db_session)
    response = client.post(
        PAGE + "/plan",
        data={"csrf_token": form_token(PAGE), "state": "done", "note": "", "author": "A"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "L'élément n'a pas été enregistré." in page
    assert "Une note ou un fichier prouve l&#39;élément." in page
    # The note is marked invalid and described by the messages shown just above it.
    note = re.search(r'<textarea id="note-plan"[^>]*>', page)
    assert note is not None
    assert 'aria-invalid="true"' in note[0]
    assert 'aria-describedby="tick-error-plan-1 tick-error-plan-2"' in note[0]
    assert 'id="tick-error-plan-2"' in page
    # Who ticks is the signed-in identity: no name is asked.
    assert 'id="author-plan"' not in page


def test_a_tick_without_the_form_token_is_refused(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    response = client.post(PAGE + "/plan", data={"state": "done", "note": "x", "author": "A"})
    assert response.status_code == 400


def test_another_organisations_contract_is_not_found(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    make_organisation(db_session, "autreville")
    db_session.commit()
    response = client.get("/organisations/autreville/contrats/EP-2024-01/reversibilite")
    assert response.status_code == 404
    # Another organisation's: as if it did not exist, its contracts unnamed.
    assert "autreville" in response.get_data(as_text=True)


def test_the_pdf_shows_the_title_block_and_the_sections(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    response = client.get(PAGE + ".pdf?au=2024-10-31")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in (
        "liste de contrôle de réversibilité",
        "EP-2024-01",
        "Commune de Valbrune",
        "Lumicité Exploitation SAS",
        "Situation au 31 octobre 2024",
        "Jeux de données dus",
        "Éléments de fin de contrat",
        "inventaire-2024-07.csv",
        "non prévu au contrat",
        "Page 1 /",
    ):
        assert expected.lower() in text.lower(), expected  # badges are in capitals
    assert "Cocher" not in text  # the tick forms stay on the page


def test_the_pdf_logs_no_stylesheet_warning(
    client: FlaskClient,
    db_session: Session,
    reference_library: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    setup_contract(db_session)
    with caplog.at_level(logging.INFO, logger="weasyprint"):
        assert client.get(PAGE + ".pdf?au=2024-10-31").data.startswith(b"%PDF")
    assert not stylesheet_warnings(caplog), "\n".join(stylesheet_warnings(caplog))


def test_the_docx_download_holds_the_checklist(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    response = client.get(PAGE + ".docx?au=2024-10-31")
    assert response.status_code == 200
    assert "reversibilite-EP-2024-01-2024-10-31.docx" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "31 octobre 2024" in cells
    assert "non prévu au contrat" in cells
