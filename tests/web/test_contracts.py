"""Pages of the delivery follow-up: dashboards, the contract page with its timeline, upload
of a delivery from the form, the delivery's report."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import clausier
from tests.deliveries.factories import (
    BAD_CSV,
    GOOD_CSV,
    deliver,
    make_contract,
    make_obligation,
    make_organisation,
    paris,
)
from tests.members import AGENT

PAGE = "/organisations/valbrune/contrats/EP-2024-01"


def _contract(app: Flask) -> None:
    import datetime as dt

    with clausier(app).db.session() as session:
        contract = make_contract(
            session,
            make_organisation(session),
            start=dt.date(2025, 1, 1),
            end=dt.date(2026, 12, 31),
        )
        obligation = make_obligation(session, contract, delay_days=20)
        deliver(
            session, obligation, "2025-01", GOOD_CSV, paris(2025, 2, 10), filename="janvier.csv"
        )
        deliver(session, obligation, "2025-02", BAD_CSV, paris(2025, 3, 10), filename="fevrier.csv")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_contract_page_on_a_given_day(app: Flask, client: FlaskClient) -> None:
    _contract(app)
    response = client.get(PAGE + "?au=2025-05-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<rect") == 24  # one mark per month of the contract
    assert html.count('data-status="on_time"') == 1
    assert html.count('data-status="invalid"') == 1
    assert html.count('data-status="missing"') == 1  # March, due on 20 April
    assert html.count('data-status="due"') == 1  # April, due on 20 May
    text = _text(html)
    assert "1 à l'heure" in text.replace("&#39;", "'")
    assert "Frise des livraisons" in text
    assert "mars 2025" in text and "11 jours" in text
    # January on time, February invalid, March missing: one settled period in three on time
    assert "33 %" in text and "(1 sur 3)" in text
    assert "janvier.csv" in text and "fevrier.csv" in text
    # each delivery of the list links to its page
    links = re.findall(r'<a href="([^"]+/livraisons/\d+)">(\w+\.csv)</a>', html)
    assert [name for _, name in links] == ["fevrier.csv", "janvier.csv"]
    for link, name in links:
        assert name in client.get(link).get_data(as_text=True)


def test_the_contract_page_reads_a_fixed_number_of_queries(app: Flask, client: FlaskClient) -> None:
    """However many obligations, periods and deliveries the contract holds, and with the
    header's organisation read again by its key."""
    from tests.web.test_checklist import queries_of

    _contract(app)
    small = queries_of(client, PAGE + "?au=2025-05-01")
    with clausier(app).db.session() as session:
        from service.deliveries.models import Contract

        contract = session.query(Contract).one()
        for dataset in ("consommations", "interventions"):
            obligation = make_obligation(session, contract, dataset=dataset, frequency="quarterly")
            deliver(session, obligation, "2025-T1", GOOD_CSV, paris(2025, 4, 10))
        session.commit()
    # The identity (user, organisation, memberships and their contracts), the right
    # (organisation, contract: the page reads the same, not looked up again), then the
    # obligations, their terms, the periods with their deliveries counted, recent deliveries,
    # validations under way, amendments: one query each, however many rows they hold.
    assert queries_of(client, PAGE + "?au=2025-05-01") == small == 12


def test_dashboards_across_contracts(app: Flask, client: FlaskClient) -> None:
    _contract(app)
    overview = _text(client.get("/suivi?au=2025-05-01").get_data(as_text=True))
    assert "Commune de Valbrune" in overview and "EP-2024-01" in overview
    organisation = client.get("/organisations/valbrune?au=2025-05-01")
    assert organisation.status_code == 200
    assert "calendar.ics" in organisation.get_data(as_text=True)
    unreadable = client.get("/suivi?au=hier")
    assert unreadable.status_code == 200
    assert "illisible" in unreadable.get_data(as_text=True)


def test_a_delivery_uploaded_from_the_form(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    _contract(app)
    token = form_token(PAGE)
    response = client.post(
        PAGE + "/livraisons",
        content_type="multipart/form-data",
        data={
            "csrf_token": token,
            "dataset": "inventaire",
            "period": "2025-03",
            "sender": "Service éclairage",
            "sender_role": "acheteur",
            "file": (io.BytesIO(GOOD_CSV), "mars.csv"),
        },
    )
    assert response.status_code == 302
    # The report opens at its verdict, where the sender looks next.
    page, anchor = response.headers["Location"].split("#")
    assert anchor == "resultat"
    report = client.get(page)
    text = _text(report.get_data(as_text=True))
    assert 'id="resultat"' in report.get_data(as_text=True)
    # Sent by the signed-in user, whatever a form field would say.
    assert "Livraison valide" in text and "mars.csv" in text and AGENT in text
    file = client.get(page + "/fichier")
    assert file.data == GOOD_CSV


def test_a_refused_upload_is_explained_on_the_page(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    _contract(app)
    response = client.post(
        PAGE + "/livraisons",
        content_type="multipart/form-data",
        data={
            "csrf_token": form_token(PAGE),
            "dataset": "inventaire",
            "period": "2031-01",
            "sender": "Lumicité",
            "file": (io.BytesIO(GOOD_CSV), "a.csv"),
        },
    )
    assert response.status_code == 422
    text = _text(response.get_data(as_text=True))
    assert "2031-01" in text and "hors des périodes du contrat" in text


def test_an_invalid_delivery_shows_its_errors(app: Flask, client: FlaskClient) -> None:
    _contract(app)
    page = client.get(PAGE).get_data(as_text=True)
    link = re.search(r'href="([^"]+/livraisons/\d+)">fevrier.csv', page).group(1)
    text = _text(client.get(link).get_data(as_text=True))
    assert "Livraison invalide" in text
    assert "puissance_w" in text


def test_another_organisation_cannot_see_the_contract(app: Flask, client: FlaskClient) -> None:
    _contract(app)
    with clausier(app).db.session() as session:
        make_organisation(session, "montclair")
    assert client.get("/organisations/montclair/contrats/EP-2024-01").status_code == 404
    assert client.get("/organisations/inconnue").status_code == 404


def test_a_delivery_larger_than_other_uploads_is_accepted_up_to_its_own_limit(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    _contract(app)
    app.config["MAX_CONTENT_LENGTH"] = 1_000  # analyses and other forms
    big = b"id;puissance_w\n" + b"".join(b"PL-%d;70\n" % n for n in range(400))
    token = form_token(PAGE)
    fields = {"csrf_token": token, "dataset": "inventaire", "period": "2025-03", "sender": "L"}
    accepted = client.post(
        PAGE + "/livraisons",
        content_type="multipart/form-data",
        data={**fields, "file": (io.BytesIO(big), "mars.csv")},
    )
    assert accepted.status_code == 302
    app.config["DELIVERY_MAX_BYTES"] = 2_000
    refused = client.post(
        PAGE + "/livraisons",
        content_type="multipart/form-data",
        data={**fields, "file": (io.BytesIO(big), "mars.csv")},
    )
    assert refused.status_code == 413
    assert "taille maximale" in refused.get_data(as_text=True)


def test_counts_agree_with_their_noun(app: Flask, client: FlaskClient) -> None:
    """French plurals on the dashboard: « 2 manquantes », not « 2 manquante »."""
    _contract(app)
    text = _text(client.get(PAGE + "?au=2025-06-01").get_data(as_text=True))
    assert "2 manquantes" in text and "2 manquante " not in text
    assert "19 à venir" in text  # a phrase that opens with « à » does not agree
    assert "3 périodes" in text
