"""``clausier contracts …`` and ``clausier deliveries …``: load contract folders, and follow
deliveries from a terminal or a cron job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from service.cli import fail
from service.errors import ClausierError
from service.extensions import state
from service.french import agree, plural

#: Exit code when something is late, missing or invalid (for cron jobs and monitoring).
EXIT_OVERDUE = 1
#: Exit code for a usage error (unknown contract, unreadable date).
EXIT_USAGE = 2


@click.group("contracts", cls=AppGroup, help="Contrats suivis.")
def contracts_group() -> None:
    """Contract commands."""


@contracts_group.command(
    "load",
    help="Charge un dossier de contrat (contract.yaml, livraisons) ; code de sortie 1 si une"
    " livraison est refusée (les autres sont enregistrées).",
)
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def contracts_load(directory: Path) -> None:
    """Load a contract folder, idempotently."""
    from service.deliveries.files import load_contract

    try:
        with state().db.session() as session:
            result = load_contract(session, directory)
            reference = result.contract.reference
    except ClausierError as error:
        fail(_error_text(error), EXIT_USAGE)
    verb = "créé" if result.created else "déjà connu"
    click.echo(
        f"Contrat {reference} {verb} : {plural(result.deliveries, 'livraison enregistrée')}"
        f" dont {plural(result.valid, 'valide')},"
        f" {result.skipped} déjà {agree(result.skipped, 'connue')}."
    )
    for refusal in result.refused:
        click.secho(f"  refusée : {refusal}", fg="yellow")
    if result.refused:
        raise SystemExit(EXIT_OVERDUE)  # a cron job must see that a file was refused


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

    from service.deliveries.dashboard import Scope, dashboard
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
            contract = _find_contract(session, reference, org)
            scope = Scope(contract=contract)
            title = f"{contract.reference} — {contract.title}"
        board = dashboard(session, day, scope)
    click.secho(f"{title} : situation au {day:%d/%m/%Y}", bold=True)
    click.echo("  " + " · ".join(plural(board.counts[s], STATUS_LABELS[s]) for s in Status))
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
        click.echo(f"  … et {plural(board.overdue_total - len(board.overdue), 'autre')}.")
    waiting = (
        board.counts[Status.MISSING] + board.counts[Status.LATE] + board.counts[Status.INVALID]
    )
    if waiting:
        raise SystemExit(EXIT_OVERDUE)


def _find_contract(session: Any, reference: str, org: str | None) -> Any:
    """The contract of that reference (in the organisation, when given), or exit with 2."""
    from sqlalchemy import select

    from service.deliveries.models import Contract
    from service.organisations import get_organisation

    query = select(Contract).where(Contract.reference == reference)
    if org:
        try:
            organisation = get_organisation(session, org)
        except ClausierError as error:
            fail(error.detail, EXIT_USAGE)
        query = query.where(Contract.organisation_id == organisation.id)
    found = list(session.scalars(query))
    if not found:
        fail(f"Aucun contrat de référence « {reference} ».", EXIT_USAGE)
    if len(found) > 1:
        fail(
            f"Plusieurs organisations ont un contrat « {reference} » : précisez --org.", EXIT_USAGE
        )
    return found[0]


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"Date illisible « {value} » pour {option} : écrivez AAAA-MM-JJ.", EXIT_USAGE)
    return None


@contracts_group.command(
    "amend",
    help="Enregistre un avenant : à compter de --effective, change les termes d'un jeu"
    " (--dataset avec --delay, --frequency, --format, --schema, --due), met fin à des jeux"
    " (--end-dataset) ou déplace la fin du contrat (--contract-end).",
)
@click.argument("reference")
@click.option("--org", help="Identifiant de l'organisation (si la référence est ambiguë).")
@click.option("--effective", required=True, help="Date d'effet, AAAA-MM-JJ.")
@click.option("--reason", required=True, help="Motif de l'avenant.")
@click.option("--author", required=True, help="Qui l'enregistre.")
@click.option("--signed", help="Date de signature, AAAA-MM-JJ (par défaut : la date d'effet).")
@click.option("--title", default="", help="Intitulé (par défaut : « Avenant n° N »).")
@click.option("--dataset", help="Le jeu dont les termes changent.")
@click.option("--delay", type=int, help="Nouveau délai de livraison, en jours.")
@click.option("--frequency", help="Nouvelle fréquence (monthly, quarterly, half_yearly…).")
@click.option("--format", "format_", help="Nouveau format (csv, geojson, xlsx…).")
@click.option(
    "--schema",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Nouveau schéma de table (fichier JSON Table Schema).",
)
@click.option("--due", help="Nouvelle date d'une livraison ponctuelle, AAAA-MM-JJ.")
@click.option("--end-dataset", multiple=True, help="Un jeu qui n'est plus dû (répétable).")
@click.option("--contract-end", help="Nouvelle fin du contrat, AAAA-MM-JJ.")
def contracts_amend(
    reference: str,
    org: str | None,
    effective: str,
    reason: str,
    author: str,
    signed: str | None,
    title: str,
    dataset: str | None,
    delay: int | None,
    frequency: str | None,
    format_: str | None,
    schema: Path | None,
    due: str | None,
    end_dataset: tuple[str, ...],
    contract_end: str | None,
) -> None:
    """Record an amendment of a contract."""
    import json

    from service.deliveries import amendments

    terms: dict[str, Any] = {}
    if delay is not None:
        terms["delay_days"] = delay
    if frequency:
        terms["frequency"] = frequency
    if format_:
        terms["format"] = format_
    if due:
        terms["due_on"] = _day(due, "--due")
    if schema is not None:
        try:
            terms["table_schema"] = json.loads(schema.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            fail(f"Schéma illisible ({schema.name}) : {error}", EXIT_USAGE)
    if terms and not dataset:
        fail("Précisez --dataset : le jeu dont les termes changent.", EXIT_USAGE)
    if dataset and not terms:
        fail(f"Quels termes du jeu « {dataset} » changent ? (--delay, --frequency…)", EXIT_USAGE)
    changes: list[amendments.Change] = []
    if dataset:
        changes.append(amendments.ChangeTerms(dataset, terms))
    changes += [amendments.EndObligation(name) for name in end_dataset]
    if contract_end:
        changes.append(amendments.MoveContractEnd(_day(contract_end, "--contract-end")))
    if not changes:
        fail(
            "Un avenant change au moins une chose : --dataset, --end-dataset ou --contract-end.",
            EXIT_USAGE,
        )
    try:
        with state().db.session() as session:
            contract = _find_contract(session, reference, org)
            amendment = amendments.amend_contract(
                session,
                contract,
                effective_on=_day(effective, "--effective"),
                signed_on=_day(signed, "--signed"),
                reason=reason,
                author=author,
                title=title,
                changes=changes,
            )
            lines = [f"{amendment.title} du contrat {contract.reference} enregistré :"]
            lines += [f"  {change.summary}" for change in amendment.changes]
    except ClausierError as error:
        fail(_error_text(error), EXIT_USAGE)
    click.echo("\n".join(lines))


@contracts_group.command("amendments", help="Liste les avenants d'un contrat.")
@click.argument("reference")
@click.option("--org", help="Identifiant de l'organisation (si la référence est ambiguë).")
def contracts_amendments(reference: str, org: str | None) -> None:
    """Print a contract's amendments and their changes."""
    with state().db.sessions() as session:
        contract = _find_contract(session, reference, org)
        if not contract.amendments:
            click.echo(f"Le contrat {contract.reference} n'a pas d'avenant.")
            return
        for amendment in contract.amendments:
            click.secho(
                f"{amendment.title} — effet le {amendment.effective_on:%d/%m/%Y},"
                f" enregistré par {amendment.author}",
                bold=True,
            )
            click.echo(f"  Motif : {amendment.reason}")
            for change in amendment.changes:
                click.echo(f"  • {change.summary}")


def _error_text(error: ClausierError) -> str:
    """An error's French message with its field errors, one a line."""
    details = [
        f"\n  {item.get('field', '')} : {item.get('message') or item.get('reason', '')}"
        for item in getattr(error, "errors", None) or []
        if isinstance(item, dict)
    ]
    return error.detail + "".join(details)


@contracts_group.command(
    "import-annex",
    help="Reprend une annexe « Clauses relatives aux données » (.docx) dans un contrat : les"
    " jeux de son tableau des livraisons que le contrat ne suit pas, ses clauses ; un jeu suivi"
    " avec d'autres termes est proposé comme avenant, pas changé.",
)
@click.argument("reference")
@click.argument("annex", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", help="Identifiant de l'organisation (si la référence est ambiguë).")
@click.option("--starts", help="Nouveaux jeux dus à partir du (AAAA-MM-JJ ; défaut : début).")
def contracts_import_annex(
    reference: str, annex: Path, org: str | None, starts: str | None
) -> None:
    """Bring an annex DOCX into a contract and print what it brought and proposes."""
    from service.deliveries.annex_import import import_obligations

    starts_on = _day(starts, "--starts")
    try:
        with state().db.session() as session:
            contract = _find_contract(session, reference, org)
            result = import_obligations(session, contract, annex.read_bytes(), starts_on=starts_on)
            lines = [f"Annexe {annex.name} reprise dans le contrat {contract.reference} :"]
            lines += [f"  ajouté : {o.title} ({o.dataset})" for o in result.created]
            lines += [f"  déjà suivi, mêmes termes : {o.title}" for o in result.unchanged]
            lines += [f"  plus dû depuis un avenant : {o.title}" for o in result.ended]
            for proposal in result.proposals:
                options = " ".join(
                    f"--{_OPTION[name]} {value}" for name, value in proposal.changes.items()
                )
                lines.append(
                    f"  autres termes dans l'annexe pour {proposal.obligation.title} : pour les"
                    f" appliquer, clausier contracts amend {contract.reference} --dataset"
                    f" {proposal.obligation.dataset} {options} --effective … --reason …"
                    " --author …"
                )
            lines += [f"  clause rattachée : {c} v{v}" for c, v in result.clauses_attached]
            lines += [
                f"  clause déjà portée en version {held} (annexe : v{v}), laissée : {c}"
                for c, v, held in result.clauses_other_version
            ]
            lines += [f"  clause inconnue : {c} v{v}" for c, v in result.clauses_unknown]
    except ClausierError as error:
        fail(_error_text(error), EXIT_USAGE)
    click.echo("\n".join(lines))


#: The ``contracts amend`` option of each term an annex may propose to change.
_OPTION = {"frequency": "frequency", "delay_days": "delay", "format": "format"}
