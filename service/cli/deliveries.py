"""``clausier contracts …`` and ``clausier deliveries …``: load contract folders, and follow
deliveries from a terminal or a cron job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import AppGroup

from service.cli import fail
from service.errors import ClausierError
from service.extensions import state

#: Exit code when something is late, missing or invalid (for cron jobs and monitoring).
EXIT_OVERDUE = 1
#: Exit code for a usage error (unknown contract, unreadable date).
EXIT_USAGE = 2


@click.group("contracts", cls=AppGroup, help="Contrats suivis.")
def contracts_group() -> None:
    """Contract commands."""


@contracts_group.command("load", help="Charge un dossier de contrat (contract.yaml, livraisons).")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def contracts_load(directory: Path) -> None:
    """Load a contract folder, idempotently."""
    from service.deliveries.files import load_contract

    try:
        with state().db.session() as session:
            result = load_contract(session, directory)
            reference = result.contract.reference
    except ClausierError as error:
        fail(error.detail + "".join(f"\n  {e}" for e in getattr(error, "errors", [])), EXIT_USAGE)
    verb = "créé" if result.created else "déjà connu"
    click.echo(
        f"Contrat {reference} {verb} : {result.deliveries} livraison(s) enregistrée(s)"
        f" dont {result.valid} valide(s), {result.skipped} déjà connue(s)."
    )
    for refusal in result.refused:
        click.secho(f"  refusée : {refusal}", fg="yellow")


@click.group("deliveries", cls=AppGroup, help="Livraisons de données des contrats.")
def deliveries_group() -> None:
    """Delivery commands."""


@deliveries_group.command(
    "status",
    help="État des livraisons à une date ; code de sortie 1 si quelque chose est en retard,"
    " manquant ou invalide.",
)
@click.option("--contract", "reference", help="Référence d'un contrat (sinon : tous).")
@click.option(
    "--org",
    "org",
    help="Identifiant de l'organisation (requis si la référence est"
    " portée par plusieurs organisations).",
)
@click.option("--at", "at", help="Jour du calcul, AAAA-MM-JJ (par défaut : aujourd'hui).")
def deliveries_status(reference: str | None, org: str | None, at: str | None) -> None:
    """Print the dashboard of a contract, an organisation or everything."""
    from sqlalchemy import select

    from service.deliveries.dashboard import Scope, dashboard
    from service.deliveries.models import Contract
    from service.deliveries.schedule import STATUS_LABELS, Status
    from service.french import today_in_paris
    from service.organisations import get_organisation

    try:
        day = dt.date.fromisoformat(at) if at else today_in_paris()
    except ValueError:
        fail(f"Date illisible « {at} » : écrivez AAAA-MM-JJ.", EXIT_USAGE)
    with state().db.sessions() as session:
        try:
            organisation = get_organisation(session, org) if org else None
        except ClausierError as error:
            fail(error.detail, EXIT_USAGE)
        scope = Scope(organisation=organisation)
        title = organisation.name if organisation else "Tous les contrats"
        if reference:
            query = select(Contract).where(Contract.reference == reference)
            if organisation is not None:
                query = query.where(Contract.organisation_id == organisation.id)
            found = list(session.scalars(query))
            if not found:
                fail(f"Aucun contrat de référence « {reference} ».", EXIT_USAGE)
            if len(found) > 1:
                fail(
                    f"Plusieurs organisations ont un contrat « {reference} » : précisez --org.",
                    EXIT_USAGE,
                )
            scope = Scope(contract=found[0])
            title = f"{found[0].reference} — {found[0].title}"
        board = dashboard(session, day, scope)
    click.secho(f"{title} : situation au {day:%d/%m/%Y}", bold=True)
    click.echo("  " + " · ".join(f"{STATUS_LABELS[s]} {board.counts[s]}" for s in Status))
    rate = board.compliance.rate
    if rate is not None:
        click.echo(
            f"  Conformité sur 12 mois : {rate:.0%} ({board.compliance.on_time} à l'heure"
            f" sur {board.compliance.settled})".replace("%", " %")
        )
    for item in board.overdue:
        click.echo(
            f"  {STATUS_LABELS[item.status]:>10}  {item.contract_reference}  {item.title}"
            f" ({item.label}) — échéance {item.due:%d/%m/%Y}, {item.days} j"
        )
    if board.overdue_total > len(board.overdue):
        click.echo(f"  … et {board.overdue_total - len(board.overdue)} autre(s).")
    waiting = (
        board.counts[Status.MISSING] + board.counts[Status.LATE] + board.counts[Status.INVALID]
    )
    if waiting:
        raise SystemExit(EXIT_OVERDUE)
