"""The ``clausier`` command (also reachable as ``flask --app service …``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from service.errors import ClausierError, ImportRejected
from service.extensions import state


def init_app(app: Flask) -> None:
    """Attach the command groups to the application."""
    app.cli.add_command(db_group)
    app.cli.add_command(library_group)
    app.cli.add_command(index_group)
    app.cli.add_command(search_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(analyze_command)
    app.cli.add_command(eval_command)
    app.cli.add_command(annex_command)
    app.cli.add_command(report_command)
    from service.cli.deliveries import contracts_group, deliveries_group

    app.cli.add_command(contracts_group)
    app.cli.add_command(deliveries_group)
    app.cli.add_command(worker_command)


def main() -> None:
    """Entry point of the ``clausier`` console script."""
    from service import create_app

    FlaskGroup(
        create_app=create_app,
        add_default_commands=False,
        help="Clausier : clauses « données » des contrats publics.",
    )(prog_name="clausier")


def fail(message: str, code: int = 1) -> None:
    """Print a French error message on stderr and exit."""
    click.secho(message, fg="red", err=True)
    sys.exit(code)


# -- db -----------------------------------------------------------------------------------


@click.group("db", cls=AppGroup, help="Base de données.")
def db_group() -> None:
    """Database commands."""


@db_group.command("upgrade", help="Met le schéma de la base à jour (migrations Alembic).")
def db_upgrade() -> None:
    """Run the migrations up to the newest."""
    from service import migrate

    engine = state().db.engine
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    click.echo(
        f"Schéma : {before or 'vide'} → {after}"
        if before != after
        else f"Schéma déjà à jour ({after})."
    )


# -- library ------------------------------------------------------------------------------


@click.group("library", cls=AppGroup, help="Bibliothèque de clauses.")
def library_group() -> None:
    """Library commands."""


@library_group.command("import", help="Importe un dossier de clauses (tout ou rien).")
@click.argument("directory", type=click.Path(path_type=Path))
def library_import(directory: Path) -> None:
    """Import a library directory in one transaction."""
    from service.library.files import import_library

    try:
        with state().db.session() as session:
            report = import_library(session, directory)
    except ImportRejected as rejected:
        for problem in rejected.problems:
            click.echo(str(problem), err=True)
        fail(rejected.detail, 2)
    except ClausierError as error:
        fail(error.detail, 2)
    if not report.changed:
        click.echo(f"Rien à importer : la bibliothèque est à jour ({report.unchanged} versions).")
        return
    click.echo(
        f"Importé : {len(report.families_created)} famille(s) créée(s), "
        f"{len(report.families_updated)} mise(s) à jour, "
        f"{len(report.versions_created)} version(s) créée(s), "
        f"{len(report.status_changes)} changement(s) de statut, {report.unchanged} inchangée(s)."
    )
    for note in report.notes:
        click.echo(f"  – {note}")


@library_group.command("export", help="Écrit la bibliothèque dans un dossier (même format).")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def library_export(directory: Path) -> None:
    """Export the library as files."""
    from service.library.files import export_library

    with state().db.session() as session:
        written = export_library(session, directory)
    click.echo(f"{len(written)} fichier(s) écrit(s) dans {directory}.")


# -- index and search ---------------------------------------------------------------------


@click.group("index", cls=AppGroup, help="Index de recherche.")
def index_group() -> None:
    """Search index commands."""


@index_group.command("rebuild", help="Reconstruit l'index de recherche depuis la base.")
def index_rebuild() -> None:
    """Rebuild the search index."""
    with state().db.session() as session:
        count = state().index.rebuild(session)
    click.echo(f"Index reconstruit : {count} version(s) indexée(s).")


@click.command("search", help="Cherche dans la bibliothèque.")
@with_appcontext
@click.argument("words", nargs=-1, required=True)
@click.option("--family", help="Limiter à une famille.")
@click.option("--status", type=click.Choice(["draft", "approved", "retired"]))
def search_command(words: tuple[str, ...], family: str | None, status: str | None) -> None:
    """Print ranked search results."""
    import re

    try:
        with state().db.session() as session:
            results = state().index.search(session, " ".join(words), family=family, status=status)
    except ClausierError as error:
        fail(error.detail, 2)
    click.echo(f"{results.total} résultat(s)")
    for hit in results.hits:
        click.echo(f"- {hit.clause_id} v{hit.number} [{hit.status}] {hit.title}")
        excerpt = re.sub(r"</?mark>", "*", hit.excerpt)
        click.echo(f"    {excerpt}")


# -- analysis -----------------------------------------------------------------------------


def _ruleset():  # type: ignore[no-untyped-def]
    from service.analysis.rules import load_ruleset

    with state().db.sessions() as session:
        ruleset = load_ruleset(session)
    if not ruleset.families:
        fail(
            "La bibliothèque est vide : importez-la d'abord (« clausier library import clauses »).",
            2,
        )
    return ruleset


@click.command("analyze", help="Analyse un ou plusieurs CCTP (DOCX, ODT, PDF, texte).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
)
@with_appcontext
def analyze_command(files: tuple[Path, ...], output: str) -> None:
    """Print the analysis of each file; exit 1 if one could not be read."""
    import json

    from service.analysis.analyze import analyze_bytes, closest_by_search
    from service.analysis.report import render_text

    ruleset, failed, reports = _ruleset(), 0, []
    session = state().db.sessions()
    closest = closest_by_search(state().index, session)
    for path in files:
        try:
            data = path.read_bytes()
            reports.append(analyze_bytes(data, path.name, ruleset, closest=closest))
        except OSError as error:
            failed += 1
            click.secho(f"{path} : fichier illisible ({error.strerror}).", fg="red", err=True)
        except ClausierError as error:
            failed += 1
            click.secho(f"{path} : {error.detail}", fg="red", err=True)
    session.close()
    if output == "json":
        payload = reports[0] if len(files) == 1 and reports else reports
        if reports:
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif output == "html":
        from service.web.analyses import render_report_html

        click.echo("\n".join(render_report_html(report) for report in reports))
    else:
        click.echo("\n\n".join(render_text(report) for report in reports))
    if failed:
        sys.exit(1)


@click.command("eval", help="Mesure la justesse de l'analyse sur un corpus étiqueté.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def eval_command(directory: Path) -> None:
    """Analyse every labelled document of DIRECTORY/labels.yaml and print the metrics."""
    import yaml

    from service.analysis.analyze import analyze_bytes
    from service.analysis.evaluate import Evaluation, render, score
    from service.settings import PROJECT_ROOT

    labels_file = directory / "labels.yaml"
    if not labels_file.is_file():
        fail(f"{labels_file} introuvable : le corpus doit avoir un fichier labels.yaml.", 2)
    entries = yaml.safe_load(labels_file.read_text(encoding="utf-8"))
    entries = entries.get("documents", entries) if isinstance(entries, dict) else entries
    ruleset, evaluation = _ruleset(), Evaluation()
    for entry in entries:
        path = Path(entry["file"])
        path = path if path.is_file() else PROJECT_ROOT / path
        try:
            report = analyze_bytes(path.read_bytes(), path.name, ruleset)
        except (OSError, ClausierError) as error:
            evaluation.errors.append(f"{entry['file']} : {error}")
            continue
        score(evaluation, entry["families"], report)
    click.echo(render(evaluation))
    if evaluation.errors:
        sys.exit(1)


# -- serving ------------------------------------------------------------------------------


def _analyse_samples(directory: Path) -> None:
    """Analyse the sample contracts, so that the demo opens on real reports."""
    from service.analysis.analyze import analyze_upload
    from service.analysis.document import SUFFIXES

    paths = sorted(
        p
        for p in directory.glob("*")
        if p.suffix.lower() in SUFFIXES and not p.name.upper().startswith("README")
    )
    done = 0
    for path in paths:
        try:
            with state().db.session() as session:
                _, created = analyze_upload(
                    session, path.read_bytes(), path.name, index=state().index
                )
            done += created
        except ClausierError as error:
            click.secho(f"{path.name} : {error.detail}", fg="yellow", err=True)
    click.echo(f"Exemples analysés : {done} nouveau(x) sur {len(paths)} document(s).")


def _load_concessions(ctx: click.Context, directory: Path) -> None:
    """Load the sample concession folders (each with a contract.yaml) and their deliveries."""
    from service.cli.deliveries import contracts_load

    for folder in sorted(p.parent for p in directory.glob("*/contract.yaml")):
        ctx.invoke(contracts_load, directory=folder)


@click.command("serve", help="Sert l'application (waitress).")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the application with waitress."""
    import waitress

    from service import migrate

    engine = state().db.engine
    if migrate.current_revision(engine) != migrate.head_revision(engine):
        fail("Le schéma de la base n'est pas à jour : lancez d'abord « clausier db upgrade ».")

    click.echo(f"Clausier sur http://{host}:{port}/")
    waitress.serve(current_app._get_current_object(), host=host, port=port, threads=8)  # type: ignore[attr-defined]


@click.command("demo", help="Prépare la démonstration (schéma, bibliothèque, index) et la sert.")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prépare sans servir.")
@click.pass_context
def demo_command(ctx: click.Context, host: str, port: int, no_serve: bool) -> None:
    """Prepare the demo data and serve it."""
    ctx.invoke(db_upgrade)
    ctx.invoke(library_import, directory=Path(current_app.config["LIBRARY_DIR"]))
    ctx.invoke(index_rebuild)
    _analyse_samples(Path(current_app.config["DEMO_CONTRACTS_DIR"]))
    _load_concessions(ctx, Path(current_app.config["DEMO_CONTRACTS_DIR"]))
    if not no_serve:
        ctx.invoke(serve_command, host=host, port=port)


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
    """Read ``name=value`` of ``--value``."""
    name, sep, value = raw.partition("=")
    if not sep or not name.strip():
        fail(f"« --value {raw} » : écrivez nom=valeur.", 2)
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
    """Write the annex; exit 2 listing the missing values when some are missing."""
    from service.analysis.analyze import get_analysis
    from service.annexes import annex_context, render_annex
    from service.annexes.render import annex_context_from_set, selection_from_analysis

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
                    session, set_id, given, allow_drafts=drafts, deliveries=deliveries or None
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
                    allow_drafts=drafts,
                    contract_type=contract_type,
                    deliveries=deliveries,
                )
        if context.missing:
            for item in context.missing:
                click.echo(
                    f"Valeur manquante : {item.label} (--value {item.name}=…,"
                    f" clause « {item.clause} »)"
                )
            fail(f"{len(context.missing)} valeur(s) obligatoire(s) manquante(s) ; rien écrit.", 2)
        data = render_annex(context, template, title_block=title)
    except ClausierError as error:
        for problem in getattr(error, "errors", None) or []:
            click.echo(f"  – {problem.get('reason') or problem}", err=True)
        fail(error.detail, 2)
    _write(output, data)


@click.command("report", help="Écrit le rapport PDF d'une analyse.")
@click.argument("analysis_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def report_command(analysis_id: int, output: Path) -> None:
    """Write the PDF report of an analysis, however long (a terminal can wait); its steps are
    printed on stderr as the background job would report them."""
    from service.web.report_pdf import report_job

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
