"""The demo concession of contracts/ loads, twice without duplicates, and shows the situation
its README describes; ``clausier deliveries status`` prints it and fails when something is late
(service/deliveries/files.py, service/cli/deliveries.py)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from service.deliveries.dashboard import Scope, dashboard
from service.deliveries.files import load_contract
from service.deliveries.models import Delivery
from service.deliveries.schedule import Status
from service.settings import PROJECT_ROOT
from tests.conftest import clausier

FOLDER = PROJECT_ROOT / "contracts" / "concession-eclairage"


def test_the_demo_concession_loads_once(app: Flask, reference_library: object) -> None:
    import datetime as dt

    with clausier(app).db.session() as session:
        first = load_contract(session, FOLDER)
    with clausier(app).db.session() as session:
        again = load_contract(session, FOLDER)
        total = session.scalar(select(func.count()).select_from(Delivery))
        assert (first.created, again.created) == (True, False)
        assert first.deliveries == total > 50
        assert again.deliveries == 0 and again.skipped == total
        assert not first.refused
        board = dashboard(session, dt.date(2026, 11, 1), Scope(contract=again.contract))
        clauses = {c.version.clause_id for c in again.contract.clauses}
    # README: one inventory never corrected (invalid), late and missing periods
    assert board.counts[Status.INVALID] == 1
    assert board.counts[Status.LATE] >= 5
    assert board.counts[Status.MISSING] >= 3
    assert "reversibilite-concession" in clauses


def test_deliveries_status_exit_codes(
    app: Flask, runner: FlaskCliRunner, reference_library: object
) -> None:
    loaded = runner.invoke(args=["contracts", "load", str(FOLDER)])
    assert loaded.exit_code == 0, loaded.output
    assert "EP-2024-01 créé" in loaded.output
    late = runner.invoke(
        args=["deliveries", "status", "--contract", "EP-2024-01", "--at", "2026-11-01"]
    )
    assert late.exit_code == 1
    assert "situation au 01/11/2026" in late.output
    assert "invalide" in late.output and "Inventaire des points lumineux" in late.output
    # The counts read as on the pages: the number first, the word agreed with it.
    counts = late.output.splitlines()[1]
    assert re.search(r"\b\d+ à venir · \d+ attendues? · \d+ à l'heure · ", counts), counts
    assert re.search(r"\b([2-9]|\d\d+) manquantes\b", counts), counts
    assert "(s)" not in loaded.output and "livraisons enregistrées dont" in loaded.output
    before = runner.invoke(args=["deliveries", "status", "--at", "2024-07-20"])
    assert before.exit_code == 0, before.output
    assert "à venir" in before.output
    unknown = runner.invoke(args=["deliveries", "status", "--contract", "XX"])
    assert unknown.exit_code == 2
    assert "XX" in unknown.output
    bad_day = runner.invoke(args=["deliveries", "status", "--at", "31/12/2026"])
    assert bad_day.exit_code == 2
    assert "AAAA-MM-JJ" in bad_day.output


def test_an_amendment_from_the_command_line(
    app: Flask, runner: FlaskCliRunner, reference_library: object
) -> None:
    assert runner.invoke(args=["contracts", "load", str(FOLDER)]).exit_code == 0
    amended = runner.invoke(
        args=[
            "contracts",
            "amend",
            "EP-2024-01",
            "--effective",
            "2027-01-01",
            "--reason",
            "Inventaire trimestriel à la demande de la commune",
            "--author",
            "Direction de l'espace public",
            "--dataset",
            "inventaire_points_lumineux",
            "--frequency",
            "quarterly",
            "--delay",
            "45",
            "--contract-end",
            "2038-07-14",
        ]
    )
    assert amended.exit_code == 0, amended.output
    assert "Avenant n° 1 du contrat EP-2024-01 enregistré" in amended.output
    assert "semestrielle → trimestrielle" in amended.output
    assert "prolongé" in amended.output
    listed = runner.invoke(args=["contracts", "amendments", "EP-2024-01"])
    assert "Motif : Inventaire trimestriel" in listed.output
    refused = runner.invoke(
        args=[
            "contracts",
            "amend",
            "EP-2024-01",
            "--effective",
            "2025-01-01",
            "--reason",
            "Rétroactif",
            "--author",
            "X",
            "--dataset",
            "interventions",
            "--frequency",
            "quarterly",
        ]
    )
    assert refused.exit_code == 2
    assert "déjà reçu une livraison" in refused.output
    assert "Traceback" not in refused.output
    for args, words in [
        (["--dataset", "interventions"], "Quels termes"),
        (["--delay", "3"], "--dataset"),
        ([], "au moins une chose"),
        (["--contract-end", "bientôt"], "AAAA-MM-JJ"),
    ]:
        result = runner.invoke(
            args=[
                *("contracts", "amend", "EP-2024-01", "--effective", "2027-01-01"),
                *("--reason", "r", "--author", "a", *args),
            ]
        )
        assert result.exit_code == 2 and words in result.output, result.output
    with clausier(app).db.sessions() as session:
        contract = load_contract(session, FOLDER).contract
        assert len(contract.amendments) == 1


def test_an_annex_taken_from_the_command_line(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    reference_library: object,
    tmp_path,
) -> None:
    from tests.deliveries.test_annex_import import _annex

    assert runner.invoke(args=["contracts", "load", str(FOLDER)]).exit_code == 0
    annex = tmp_path / "annexe.docx"
    annex.write_bytes(_annex(client))
    first = runner.invoke(
        args=[
            *("contracts", "amend", "EP-2024-01", "--effective", "2027-01-01", "--reason", "r"),
            *("--author", "a", "--dataset", "interventions", "--delay", "10"),
        ]
    )
    assert first.exit_code == 0, first.output
    result = runner.invoke(args=["contracts", "import-annex", "EP-2024-01", str(annex)])
    assert result.exit_code == 0, result.output
    assert "déjà suivi, mêmes termes : Consommations d'énergie par armoire" in result.output
    assert "--dataset interventions --delay 15" in result.output
    assert "clause déjà portée en version 1 (annexe : v2), laissée : reversibilite" in result.output
    broken = tmp_path / "autre.docx"
    broken.write_bytes(b"PK\x03\x04 pas un docx")
    refused = runner.invoke(args=["contracts", "import-annex", "EP-2024-01", str(broken)])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
