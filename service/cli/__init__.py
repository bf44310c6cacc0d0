"""The ``clausier`` command (also reachable as ``flask --app service …``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from service.accounts.models import ROLES
from service.errors import ClausierError, ImportRejected
from service.extensions import state
from service.french import plural


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
    from service.cli.annexes import annex_command, report_command, worker_command
    from service.cli.deliveries import contracts_group, deliveries_group
    from service.cli.portability import export_command, import_command
    from service.cli.users import organisations_group, tokens_group, users_group

    app.cli.add_command(annex_command)
    app.cli.add_command(report_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(contracts_group)
    app.cli.add_command(deliveries_group)
    app.cli.add_command(users_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(organisations_group)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)


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
    """Run the migrations up to the newest; with DATABASE_OWNER_URL, run them as the owner and
    give the role of DATABASE_URL the least it needs (see ``migrate.grant_app_role``)."""
    from service import migrate
    from service.db import make_engine
    from service.errors import DatabaseRoleRefused

    owner_url = current_app.config["DATABASE_OWNER_URL"]
    engine = make_engine(owner_url) if owner_url else state().db.engine
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
        click.echo(
            f"Schéma : {before or 'vide'} → {after}"
            if before != after
            else f"Schéma déjà à jour ({after})."
        )
        if owner_url:
            try:
                role = migrate.grant_app_role(engine, current_app.config["DATABASE_URL"])
            except DatabaseRoleRefused as error:
                fail(error.detail, 2)
            click.echo(f"Rôle applicatif « {role} » : droits accordés (moindre privilège).")
    finally:
        if owner_url:
            engine.dispose()


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
        click.echo(
            f"Rien à importer : la bibliothèque est à jour ({plural(report.unchanged, 'version')})."
        )
        return
    click.echo(
        f"Importé : {plural(len(report.families_created), 'famille créée')}, "
        f"{plural(len(report.families_updated), 'mise à jour')}, "
        f"{plural(len(report.versions_created), 'version créée')}, "
        f"{plural(len(report.status_changes), 'changement de statut')}, "
        f"{plural(report.unchanged, 'inchangée')}."
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
    click.echo(f"{plural(len(written), 'fichier écrit')} dans {directory}.")


# -- index and search ---------------------------------------------------------------------


@click.group("index", cls=AppGroup, help="Index de recherche.")
def index_group() -> None:
    """Search index commands."""


@index_group.command("rebuild", help="Reconstruit l'index de recherche depuis la base.")
def index_rebuild() -> None:
    """Rebuild the search index."""
    with state().db.session() as session:
        count = state().index.rebuild(session)
    click.echo(f"Index reconstruit : {plural(count, 'version indexée')}.")


@click.command("search", help="Cherche dans la bibliothèque.")
@with_appcontext
@click.argument("words", nargs=-1, required=True)
@click.option("--family", help="Limiter à une famille.")
@click.option("--status", type=click.Choice(["draft", "approved", "retired"]))
def search_command(words: tuple[str, ...], family: str | None, status: str | None) -> None:
    """Print ranked search results."""
    import html
    import re

    try:
        with state().db.session() as session:
            results = state().index.search(session, " ".join(words), family=family, status=status)
    except ClausierError as error:
        fail(error.detail, 2)
    click.echo(plural(results.total, "résultat"))
    for hit in results.hits:
        click.echo(f"- {hit.clause_id} v{hit.number} [{hit.status}] {hit.title}")
        # The excerpt is HTML (for the pages): a terminal reads its text, matches in *stars*.
        excerpt = html.unescape(re.sub(r"</?mark>", "*", hit.excerpt))
        click.echo(f"    {excerpt}")


# -- analysis -----------------------------------------------------------------------------


def _ruleset():  # type: ignore[no-untyped-def]
    """The rules of the library in the database or, where none was set up yet, of the shipped
    library folder (LIBRARY_DIR), with a note saying so; and whether they came from the
    database."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.analysis.rules import load_ruleset, ruleset_from_files

    try:
        with state().db.sessions() as session:
            ruleset = load_ruleset(session)
    except SQLAlchemyError:
        ruleset = None
    if ruleset is not None and ruleset.families:
        return ruleset, True
    folder = Path(current_app.config["LIBRARY_DIR"])
    if not (folder / "reversibilite").is_dir():
        fail(
            "La bibliothèque est vide : lancez « clausier db upgrade » puis "
            "« clausier library import clauses ».",
            2,
        )
    try:
        ruleset = ruleset_from_files(folder)
    except ClausierError as error:
        fail(f"Bibliothèque {folder} illisible : {error.detail}", 2)
    click.secho(
        f"Base non initialisée : règles lues dans {folder} (« clausier db upgrade » puis "
        "« clausier library import clauses » pour garder les analyses).",
        fg="yellow",
        err=True,
    )
    return ruleset, False


@click.command("analyze", help="Analyse un ou plusieurs CCTP (DOCX, ODT, PDF, texte).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "--together",
    is_flag=True,
    help="Juge les fichiers comme les pièces d'une même consultation (CCTP, CCAP, annexes).",
)
@with_appcontext
def analyze_command(files: tuple[Path, ...], output: str, together: bool) -> None:
    """Print the analysis of each file, or of the consultation they make together; exit 1 if
    one could not be read."""
    import json

    from service.analysis.analyze import analyze_bytes, closest_by_search
    from service.analysis.consultation import analyze_consultation
    from service.analysis.report import render_text

    (ruleset, from_database), failed, reports = _ruleset(), 0, []
    session = state().db.sessions()
    # Without a database (rules read from the files), no closest clause is searched for.
    closest = closest_by_search(state().index, session) if from_database else None
    if together:
        pieces = []
        for path in files:
            try:
                pieces.append((path.name, path.read_bytes()))
            except OSError as error:
                fail(f"{path} : fichier illisible ({error.strerror}).", 1)
        if len({name for name, _ in pieces}) < len(pieces):
            fail("Deux pièces portent le même nom : renommez-en une.", 2)
        try:
            reports.append(analyze_consultation(pieces, ruleset))
        except ClausierError as error:
            fail(error.detail, 1)
        files = ()
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
    if output == "json":
        payload = reports[0] if (len(files) == 1 or together) and reports else reports
        if reports:
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif output == "html":
        from service.documents.report import render_report_html

        # Without a database, the labels are the report's own.
        library = session if from_database else None
        click.echo("\n".join(render_report_html(library, report) for report in reports))
    else:
        click.echo("\n\n".join(render_text(report) for report in reports))
    session.close()
    if failed:
        sys.exit(1)


@click.command("eval", help="Mesure la justesse de l'analyse sur un ou plusieurs corpus étiquetés.")
@click.argument("directories", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "all"]),
    default="all",
    show_default=True,
    help="Moitié à mesurer (un document sans « split » est un document de test).",
)
@with_appcontext
def eval_command(directories: tuple[Path, ...], split: str) -> None:
    """Analyse every labelled document of each DIRECTORY/labels.yaml and print the metrics."""
    from service.analysis.analyze import analyze_bytes
    from service.analysis.consultation import analyze_consultation
    from service.analysis.evaluate import Evaluation, load_labels, render, score
    from service.settings import PROJECT_ROOT

    entries = []
    for directory in directories:
        try:
            labelled = load_labels(directory / "labels.yaml")
        except (OSError, ValueError) as error:
            fail(f"{directory / 'labels.yaml'} illisible : {error}", 2)
        entries += [(directory, entry) for entry in labelled]
    if split != "all":
        entries = [(d, e) for d, e in entries if e.get("split", "test") == split]
    (ruleset, _), evaluation = _ruleset(), Evaluation()
    absent = []

    def located(name: str, directory: Path) -> Path | None:
        path = directory / name
        path = path if path.is_file() else PROJECT_ROOT / name
        if not path.is_file():
            absent.append(name)
            return None
        return path

    for directory, entry in entries:
        names = entry.get("files") or [entry["file"]]
        paths = [located(name, directory) for name in names]
        if None in paths:
            continue
        try:
            if "files" in entry:  # a consultation: its pieces judged together
                pieces = [(path.name, path.read_bytes()) for path in paths if path]
                report = analyze_consultation(pieces, ruleset)
            else:
                report = analyze_bytes(paths[0].read_bytes(), paths[0].name, ruleset)
        except (OSError, ClausierError) as error:
            evaluation.errors.append(f"{', '.join(names)} : {error}")
            continue
        score(evaluation, entry["families"], report)
    if absent:
        click.secho(
            f"{plural(len(absent), 'document étiqueté absent')} (copies non présentes : voir le "
            "README du corpus pour les relire) : "
            + ", ".join(absent[:5])
            + (" …" if len(absent) > 5 else ""),
            fg="yellow",
            err=True,
        )
    if not evaluation.documents:
        fail("Aucun document à évaluer.", 3 if absent else 2)
    click.echo(render(evaluation))
    if evaluation.errors:
        sys.exit(1)


# -- serving ------------------------------------------------------------------------------


def _analyse_samples(directory: Path) -> None:
    """Analyse the sample contracts for the demo organisation, so that the demo opens on real
    reports."""
    from service.analysis.analyze import analyze_upload
    from service.analysis.document import SUFFIXES
    from service.cli.demo_accounts import DEMO_ORGANISATION
    from service.organisations import ensure_organisation

    with state().db.session() as session:
        owner = ensure_organisation(session, DEMO_ORGANISATION, "Commune de Valmont-sur-Loire").id

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
                    session,
                    path.read_bytes(),
                    path.name,
                    index=state().index,
                    organisation_id=owner,
                )
            done += created
        except ClausierError as error:
            click.secho(f"{path.name} : {error.detail}", fg="yellow", err=True)
    click.echo(
        f"Exemples analysés : {plural(done, 'nouveau')} sur {plural(len(paths), 'document')}."
    )


def _demo_accounts() -> None:
    """One account per role in the demo organisation, printed with their password."""
    from service.cli.demo_accounts import DEMO_ORGANISATION, DEMO_PASSWORD, create_demo_accounts

    with state().db.session() as session:
        accounts = create_demo_accounts(session)
    if not accounts:
        return
    click.echo(
        f"Comptes de démonstration ({DEMO_ORGANISATION}), mot de passe « {DEMO_PASSWORD} » :"
    )
    for account in accounts:
        click.echo(f"  {account.email}  ({ROLES[account.role]})")


def _load_concessions(ctx: click.Context, directory: Path) -> None:
    """Load the sample concession folders (each with a contract.yaml) and their deliveries."""
    from service.cli.deliveries import contracts_load

    for folder in sorted(p.parent for p in directory.glob("*/contract.yaml")):
        ctx.invoke(contracts_load, directory=folder)


@click.command("serve", help="Sert l'application (gunicorn, un processus par cœur).")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--development",
    is_flag=True,
    help="Serveur de développement : accepte la clé secrète de développement.",
)
def serve_command(host: str, port: int, development: bool = False) -> None:
    """Serve the application with a pre-forking server (see ``cli/serve.py``)."""
    from service import migrate
    from service.cli.serve import serve
    from service.settings import DEVELOPMENT_SECRET

    if current_app.config["SECRET_KEY"] == DEVELOPMENT_SECRET and not development:
        fail(
            "SECRET_KEY a sa valeur de développement : donnez une clé secrète (variable"
            " d'environnement SECRET_KEY ou fichier de réglages), ou lancez « clausier serve"
            " --development » sur un poste de développement.",
            2,
        )
    engine = state().db.engine
    if migrate.current_revision(engine) != migrate.head_revision(engine):
        fail("Le schéma de la base n'est pas à jour : lancez d'abord « clausier db upgrade ».")
    serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


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
    _load_concessions(ctx, Path(current_app.config["DEMO_CONTRACTS_DIR"]))
    _analyse_samples(Path(current_app.config["DEMO_CONTRACTS_DIR"]))
    _demo_accounts()
    if not no_serve:
        # The demo is a development server: its data are samples, its secret a known one.
        ctx.invoke(serve_command, host=host, port=port, development=True)
