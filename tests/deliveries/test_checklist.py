"""The reversibility checklist: datasets owed, end-of-contract items from the réversibilité
clause, ticks kept as history, and its DOCX (service/deliveries/checklist.py,
checklist_docx.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.annexes.template_check import inspect_template
from service.deliveries.checklist import (
    DONE,
    NOT_PROVIDED,
    PENDING,
    Checklist,
    ItemLine,
    build_checklist,
    contract_history,
    evidence_file,
    item_history,
    tick_item,
)
from service.deliveries.models import ChecklistEvent, Contract
from service.deliveries.record import record_delivery
from service.documents.checklist_docx import (
    CHECKLIST_VARIABLES,
    TEMPLATE,
    checklist_context,
    render_checklist_docx,
)
from service.errors import InvalidInput, NotFound
from service.french import today_in_paris
from tests.deliveries.factories import (
    BAD_CSV,
    GOOD_CSV,
    make_contract,
    make_obligation,
    make_organisation,
    paris,
)

#: Version 1 of the concession clause states seven elements of the family's eleven.
CLAUSE = ("reversibilite-concession", 1)
OMITTED = {"transfert_competences", "test", "suppression", "penalites"}


def contract_with_clause(session: Session, **kwargs: object) -> Contract:
    """A concession with version 1 of the reversibility clause for concessions."""
    from service.deliveries.contracts import create_contract

    return create_contract(
        session,
        make_organisation(session),
        reference=str(kwargs.get("reference", "EP-2024-01")),
        title="Concession de l'éclairage public",
        kind="concession",
        titulaire_name="Lumicité Exploitation SAS",
        titulaire_siren=None,
        start_on=kwargs.get("start", dt.date(2024, 7, 15)),  # type: ignore[arg-type]
        end_on=kwargs.get("end", dt.date(2025, 7, 14)),  # type: ignore[arg-type]
        clauses=[CLAUSE],
    )


def deliver(session: Session, obligation: object, period: str, data: bytes, day: dt.datetime):
    """Record a delivery received on ``day``."""
    return record_delivery(
        session,
        obligation,  # type: ignore[arg-type]
        period,
        data,
        filename=f"{period}.csv",
        sender="Lumicité",
        sender_role="titulaire",
        received_at=day,
        recorded_by="acheteur",
    )


def items_of(checklist: Checklist) -> dict[str, ItemLine]:
    """The checklist's items by key."""
    return {item.key: item for item in checklist.items}


def test_datasets_show_format_schema_last_valid_delivery_and_completeness(
    db_session: Session, reference_library: Path
) -> None:
    contract = contract_with_clause(db_session)
    obligation = make_obligation(db_session, contract)
    deliver(db_session, obligation, "2024-07", GOOD_CSV, paris(2024, 8, 10))
    deliver(db_session, obligation, "2024-08", GOOD_CSV, paris(2024, 9, 25))
    deliver(db_session, obligation, "2024-09", BAD_CSV, paris(2024, 10, 5))
    db_session.commit()

    checklist = build_checklist(db_session, contract, dt.date(2024, 10, 31))

    (line,) = checklist.datasets
    assert line.format_label == "CSV (valeurs séparées)"
    assert line.schema_label == "schéma de table, 2 champs"
    assert line.frequency_label == "mensuelle"
    assert (line.owed, line.delivered, line.late) == (3, 2, 1)
    assert line.completeness == "2 / 3 périodes"
    assert [(g.period, g.status_label) for g in line.gaps] == [("septembre 2024", "invalide")]
    assert line.verdict_label == "incomplet"
    assert line.last_valid is not None
    assert line.last_valid.period == "août 2024"
    assert line.last_valid.filename == "2024-08.csv"
    assert not line.last_valid.on_time
    assert "Jeux de données incomplets : Inventaire." in checklist.findings
    # Earlier, only July was owed and it had arrived: complete.
    earlier = build_checklist(db_session, contract, dt.date(2024, 8, 31))
    assert earlier.datasets[0].completeness == "1 / 1 période"
    assert earlier.datasets[0].verdict_label == "complet"


def test_items_the_clause_does_not_state_are_not_provided_for(
    db_session: Session, reference_library: Path
) -> None:
    contract = contract_with_clause(db_session)
    db_session.commit()

    checklist = build_checklist(db_session, contract, dt.date(2025, 1, 1))

    assert checklist.has_clause
    assert checklist.clauses[0]["clause"] == "reversibilite-concession"
    states = {item.key: item.state for item in checklist.items}
    assert len(states) == 11
    assert {key for key, state in states.items() if state == NOT_PROVIDED} == OMITTED
    assert states["delai"] == PENDING
    labels = {item.key: item.state_label for item in checklist.items}
    assert labels["suppression"] == "non prévu au contrat"
    assert labels["perimetre"] == "à faire"
    assert not any("aucune clause" in finding for finding in checklist.findings)


def test_without_a_reversibility_clause_every_item_is_not_provided_for_and_it_is_said(
    db_session: Session, reference_library: Path
) -> None:
    contract = make_contract(db_session)
    db_session.commit()

    checklist = build_checklist(db_session, contract, dt.date(2025, 1, 1))

    assert not checklist.has_clause
    assert {item.state for item in checklist.items} == {NOT_PROVIDED}
    assert checklist.findings[0].startswith("Le contrat ne contient aucune clause de réversibilité")
    assert checklist.as_dict()["summary"] == {"done": 0, "pending": 0, "not_provided": 11}


def test_ticking_keeps_the_history_and_the_latest_tick_wins(
    db_session: Session, reference_library: Path
) -> None:
    contract = contract_with_clause(db_session)
    tick_item(
        db_session,
        contract,
        "plan",
        DONE,
        "Plan remis en réunion.",
        "Mme Leroy",
        ("plan.pdf", b"%PDF-1.4 plan"),
    )
    db_session.commit()
    assert items_of(build_checklist(db_session, contract, today_in_paris()))["plan"].state == DONE
    tick_item(db_session, contract, "plan", PENDING, "Plan incomplet : annexes absentes.", "M. Roy")
    db_session.commit()

    history = item_history(db_session, contract, "plan")
    assert [(e.state, e.author) for e in history] == [(PENDING, "M. Roy"), (DONE, "Mme Leroy")]
    plan = items_of(build_checklist(db_session, contract, today_in_paris()))["plan"]
    assert plan.state == PENDING
    assert plan.events == 2
    assert plan.last is not None and plan.last.note == "Plan incomplet : annexes absentes."
    assert db_session.scalar(select(func.count()).select_from(ChecklistEvent)) == 2
    # The file of the first tick is still served.
    event, stored = evidence_file(db_session, contract, history[1].id)
    assert event.filename == "plan.pdf"
    assert stored.content == b"%PDF-1.4 plan"


def test_a_checklist_of_a_past_day_ignores_later_ticks(
    db_session: Session, reference_library: Path
) -> None:
    contract = contract_with_clause(db_session)
    tick_item(db_session, contract, "delai", DONE, "Restitution sous deux mois.", "Mme Leroy")
    db_session.commit()
    yesterday = today_in_paris() - dt.timedelta(days=1)
    delai = items_of(build_checklist(db_session, contract, yesterday))["delai"]
    assert delai.state == PENDING


@pytest.mark.parametrize(
    ("item", "state", "note", "file", "field"),
    [
        ("inconnu", DONE, "note", None, "item"),
        ("plan", "fini", "note", None, "state"),
        ("plan", DONE, "", None, "note"),
        ("plan", PENDING, "", None, "note"),
        ("plan", DONE, "", ("vide.pdf", b""), "file"),
    ],
)
def test_a_tick_that_breaks_a_rule_is_refused_with_its_field(
    db_session: Session,
    reference_library: Path,
    item: str,
    state: str,
    note: str,
    file: tuple[str, bytes] | None,
    field: str,
) -> None:
    contract = contract_with_clause(db_session)
    with pytest.raises(InvalidInput) as raised:
        tick_item(db_session, contract, item, state, note, "Mme Leroy", file)
    assert field in {error["field"] for error in raised.value.errors}
    assert db_session.scalar(select(func.count()).select_from(ChecklistEvent)) == 0


def test_another_contracts_evidence_is_not_found(
    db_session: Session, reference_library: Path
) -> None:
    first = contract_with_clause(db_session)
    other = make_contract(db_session, reference="AUTRE-1")
    event = tick_item(db_session, first, "plan", DONE, "", "A", ("p.pdf", b"%PDF-1.4"))
    with pytest.raises(NotFound):
        evidence_file(db_session, other, event.id)


def test_an_end_of_contract_delivery_is_evidence_of_the_restitution(
    db_session: Session, reference_library: Path
) -> None:
    contract = contract_with_clause(
        db_session, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
    )
    final = make_obligation(db_session, contract, "base_finale", "end_of_contract", 60)
    deliver(db_session, final, "2024-12-31", GOOD_CSV, paris(2025, 2, 10))
    db_session.commit()

    checklist = build_checklist(db_session, contract, dt.date(2025, 3, 31))

    items = items_of(checklist)
    assert [d.dataset for d in items["perimetre"].deliveries] == ["base_finale"]
    assert [d.dataset for d in items["delai"].deliveries] == ["base_finale"]
    assert items["delai"].deliveries[0].on_time
    assert items["assistance"].deliveries == []
    assert checklist.datasets[0].verdict_label == "complet"


def test_the_docx_shows_the_datasets_the_items_their_states_and_the_history(
    db_session: Session, reference_library: Path
) -> None:
    contract = contract_with_clause(db_session)
    obligation = make_obligation(db_session, contract)
    deliver(db_session, obligation, "2024-07", GOOD_CSV, paris(2024, 8, 10))
    tick_item(db_session, contract, "plan", DONE, "Plan reçu le 3 mars.", "Mme Leroy")
    db_session.commit()
    checklist = build_checklist(db_session, contract, today_in_paris())

    data = render_checklist_docx(checklist, contract_history(db_session, contract))

    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "{{" not in text + cells and "{%" not in text + cells
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "Constats",
        "Jeux de données dus",
        "Éléments de fin de contrat",
        "Historique des coches",
    ]
    assert "EP-2024-01" in cells and "Lumicité Exploitation SAS" in cells
    assert "reversibilite-concession (version 1)" in cells
    assert "Inventaire (inventaire)" in cells and "2024-07.csv" in cells
    assert "Plan de réversibilité" in cells and "Plan reçu le 3 mars." in cells
    items = next(t for t in document.tables if t.rows[0].cells[0].text == "Élément")
    states = {row.cells[0].text: row.cells[2].text for row in items.rows[1:]}
    assert states["Plan de réversibilité"] == "fait"
    assert states["Suppression et certificat de destruction"] == "non prévu au contrat"
    assert states["Délai de restitution (essentiel)"] == "à faire"


def test_the_docx_template_asks_for_exactly_the_variables_it_is_given(
    db_session: Session, reference_library: Path
) -> None:
    info = inspect_template(TEMPLATE.read_bytes())
    assert not info.problems
    assert info.variables == CHECKLIST_VARIABLES
    contract = make_contract(db_session)
    context = checklist_context(build_checklist(db_session, contract, dt.date(2025, 1, 1)), {})
    assert set(context) == CHECKLIST_VARIABLES


def test_the_docx_template_is_built_deterministically() -> None:
    import importlib.util

    from service.settings import PROJECT_ROOT

    path = PROJECT_ROOT / "templates" / "docx" / "build_templates.py"
    spec = importlib.util.spec_from_file_location("build_templates", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_checklist() == TEMPLATE.read_bytes()


def test_an_item_the_contract_omits_can_still_be_ticked_done_and_says_so(
    db_session: Session, reference_library: Path
) -> None:
    contract = contract_with_clause(db_session)
    tick_item(db_session, contract, "suppression", DONE, "Certificat remis.", "Mme Leroy")
    db_session.commit()
    item = items_of(build_checklist(db_session, contract, today_in_paris()))["suppression"]
    assert item.state == DONE
    assert item.state_label == "fait (non prévu au contrat)"
