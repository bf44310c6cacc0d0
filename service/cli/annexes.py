"""``clausier annex``, ``clausier report`` and ``clausier worker``: the annex DOCX, the
analysis report PDF, and the worker of background jobs."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from service.cli import fail
from service.errors import ClausierError
from service.extensions import state
from service.french import plural

# -- annexes and reports ------------------------------------------------------------------


def _clause_option(raw: str) -> tuple[str, int | None]:
    """Read ``ID`` or ``ID:N`` of ``--clause``."""
    clause_id, _, number = raw.partition(":")
    if not clause_id:
        fail(f"« --clause {raw} » : indiquez l'identifiant d'une clause (ID ou ID:N).", 2)
    if not number:
        return clause_id, None
    if not number.isdigit() or int(number) < 1:
        fail(f"« --clause {raw} » : le numéro de version doit être un entier positif.", 2)
    return clause_id, int(number)


def _value_option(raw: str) -> tuple[str, str]:
    """Read ``name=value`` of ``--value``; a title block field has its own option."""
    from service.annexes.render import TITLE_FIELDS

    name, sep, value = raw.partition("=")
    if not sep or not name.strip():
        fail(f"« --value {raw} » : écrivez nom=valeur.", 2)
    if name.strip() in TITLE_FIELDS:
        fail(
            f"« --value {raw} » : « {name.strip()} » est une valeur du cartouche, donnée une "
            f"seule fois avec --{name.strip()}.",
            2,
        )
    return name.strip(), value


def _delivery_option(raw: str) -> dict[str, str]:
    """Read ``dataset;format;frequency;delay`` of ``--delivery``."""
    from service.annexes.render import DELIVERY_FIELDS

    parts = [part.strip() for part in raw.split(";")]
    if len(parts) != len(DELIVERY_FIELDS) or not all(parts):
        fail(f"« --delivery {raw} » : écrivez jeu de données;format;fréquence;délai.", 2)
    return dict(zip(DELIVERY_FIELDS, parts, strict=True))


def _deliveries_file(path: Path) -> list[dict[str, str]]:
    """Read a CSV of deliveries (columns dataset, format, frequency, delay; « , » or « ; »)."""
    import csv

    from service.annexes.render import DELIVERY_FIELDS

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{path} : fichier illisible ({error}).", 2)
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(text.splitlines(), delimiter=";" if ";" in first else ",")
    if set(reader.fieldnames or ()) != set(DELIVERY_FIELDS):
        fail(f"{path} : les colonnes doivent être {', '.join(DELIVERY_FIELDS)}.", 2)
    rows = []
    for line, row in enumerate(reader, start=2):
        if not all((row.get(name) or "").strip() for name in DELIVERY_FIELDS):
            fail(f"{path}:{line}: ligne incomplète (les quatre colonnes sont obligatoires).", 2)
        rows.append({name: row[name].strip() for name in DELIVERY_FIELDS})
    return rows


def _write(output: Path, data: bytes) -> None:
    try:
        output.write_bytes(data)
    except OSError as error:
        fail(f"{output} : impossible d'écrire le fichier ({error.strerror}).", 1)
    click.echo(str(output))


@click.command("annex", help="Écrit l'annexe DOCX « Clauses relatives aux données ».")
@click.option("--clause", "clauses", multiple=True, metavar="ID[:N]", help="Clause (et version).")
@click.option("--analysis", "analysis_id", type=int, help="Reprendre les clauses d'une analyse.")
@click.option("--leave-out", multiple=True, metavar="FAMILLE", help="Famille à ne pas reprendre.")
@click.option("--value", "values", multiple=True, metavar="NOM=VALEUR", help="Valeur de variable.")
@click.option("--acheteur", required=True, help="Acheteur (cartouche).")
@click.option("--objet", required=True, help="Objet du contrat (cartouche).")
@click.option("--reference", help="Référence de la consultation.")
@click.option("--contract-type", help="Type de contrat (ex. concession).")
@click.option("--drafts", is_flag=True, help="Autoriser les versions non approuvées (projet).")
@click.option("--set", "set_id", metavar="ENSEMBLE", help="Reprendre un ensemble de clauses.")
@click.option(
    "--delivery",
    "delivery_rows",
    multiple=True,
    metavar="JEU;FORMAT;FRÉQUENCE;DÉLAI",
    help="Ligne du tableau des livraisons (concession).",
)
@click.option(
    "--deliveries",
    "deliveries_csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tableau des livraisons en CSV (dataset, format, frequency, delay).",
)
@click.option(
    "--template-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Modèle DOCX à utiliser (vérifié d'abord).",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def annex_command(
    clauses: tuple[str, ...],
    analysis_id: int | None,
    leave_out: tuple[str, ...],
    values: tuple[str, ...],
    acheteur: str,
    objet: str,
    reference: str | None,
    contract_type: str | None,
    drafts: bool,
    set_id: str | None,
    delivery_rows: tuple[str, ...],
    deliveries_csv: Path | None,
    template_file: Path | None,
    output: Path,
) -> None:
    """Write the annex; exit 2 listing the missing values, or the values that do not fit
    their variable's type; print each article's traceability on stderr."""
    from service.analysis.analyze import get_analysis
    from service.annexes import annex_context, render_annex
    from service.annexes.render import TITLE_FIELDS, annex_context_from_set, selection_from_analysis
    from service.errors import InvalidValues

    if [bool(clauses), analysis_id is not None, set_id is not None].count(True) != 1:
        fail("Indiquez des « --clause », « --analysis » ou « --set » (un seul des trois).", 2)
    deliveries = [_delivery_option(raw) for raw in delivery_rows]
    if deliveries_csv is not None:
        deliveries += _deliveries_file(deliveries_csv)
    template = None
    if template_file is not None:
        try:
            template = template_file.read_bytes()
        except OSError as error:
            fail(f"{template_file} : fichier illisible ({error.strerror}).", 2)
    given = dict(_value_option(raw) for raw in values)
    title = {"acheteur": acheteur, "objet": objet, "reference": reference or ""}
    try:
        with state().db.sessions() as session:
            if set_id is not None:
                context = annex_context_from_set(
                    session,
                    set_id,
                    given,
                    title_block=title,
                    allow_drafts=drafts,
                    deliveries=deliveries or None,
                )
            else:
                if analysis_id is not None:
                    report = get_analysis(session, analysis_id).report
                    selection = list(selection_from_analysis(report, leave_out=leave_out))
                else:
                    selection = [_clause_option(raw) for raw in clauses]
                context = annex_context(
                    session,
                    selection,
                    given,
                    title_block=title,
                    allow_drafts=drafts,
                    contract_type=contract_type,
                    deliveries=deliveries,
                )
        if context.missing:
            for item in context.missing:
                option = f"--{item.name}" if item.name in TITLE_FIELDS else f"--value {item.name}=…"
                click.echo(f"Valeur manquante : {item.label} ({option}, clause « {item.clause} »)")
            fail(f"{plural(len(context.missing), 'valeur obligatoire manquante')} ; rien écrit.", 2)
        data = render_annex(context, template)
    except InvalidValues as error:
        for item in error.invalid:
            click.echo(f"Valeur invalide : {item.reason} (clause « {item.clause} »)", err=True)
        fail(f"{plural(len(error.invalid), 'valeur invalide')} ; rien écrit.", 2)
    except ClausierError as error:
        for problem in getattr(error, "errors", None) or []:
            click.echo(f"  – {problem.get('reason') or problem}", err=True)
        fail(error.detail, 2)
    _write(output, data)
    for clause in context.clauses:
        click.echo(
            f"{clause.id} v{clause.version} — empreinte de la version (content_hash) :"
            f" {clause.version_content_hash} ; empreinte du texte complété :"
            f" {clause.filled_text_hash}",
            err=True,
        )


@click.command("report", help="Écrit le rapport PDF d'une analyse.")
@click.argument("analysis_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def report_command(analysis_id: int, output: Path) -> None:
    """Write the PDF report of an analysis, however long (a terminal can wait); its steps are
    printed on stderr as the background job would report them."""
    from service.documents.report import report_job

    def progress(percent: int, message: str) -> None:
        click.echo(f"{percent:3d} % — {message}", err=True)

    try:
        data, _, _ = report_job(state().db, {"analysis_id": analysis_id}, progress)
    except ClausierError as error:
        fail(error.detail, 2)
    _write(output, data)


@click.command("worker", help="Exécute les travaux en arrière-plan (file RQ sur REDIS_URL).")
@click.option("--burst", is_flag=True, help="S'arrêter quand la file est vide.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker on the app's queue, each job in a fresh app context."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import SimpleWorker

    from service import jobs

    url = current_app.config["REDIS_URL"]
    if not url:
        fail(
            "REDIS_URL n'est pas défini : les travaux en arrière-plan s'exécutent dans le "
            "processus web, aucun worker n'est nécessaire. Définissez REDIS_URL (ex. "
            "redis://127.0.0.1:6379/0) pour les confier à des workers.",
            2,
        )
    jobs.use_worker_context(current_app.app_context)
    queue = current_app.config["JOB_QUEUE"]
    click.echo(f"Worker Clausier sur la file « {queue} » ({url}).", err=True)
    try:
        with Redis.from_url(url) as connection:
            SimpleWorker([queue], connection=connection).work(burst=burst)
    except RedisError as error:
        fail(f"Redis injoignable ({url}) : {error}", 1)
