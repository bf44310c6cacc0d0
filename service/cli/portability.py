"""``clausier export`` and ``clausier import``: an organisation's data leaving whole, and coming
back into another instance with the same identifiers and timestamps — as the deployment's
operator, each written to the audit log."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from service.cli import fail
from service.cli.users import _operator  # the operator, as the audit log names them
from service.db import Database
from service.errors import ClausierError
from service.extensions import state
from service.french import agree, plural

#: Exit code of a refusal: unknown organisation, directory not empty, altered file, identifiers
#: taken…
EXIT_REFUSED = 2


#: Problems of a refusal printed, at most.
SHOWN = 20


def _error_text(error: ClausierError) -> str:
    """An error's French message, then its first problems, one a line."""
    problems = getattr(error, "errors", [])
    lines = [f"\n  {e['field']} : {e['message']}" for e in problems[:SHOWN]]
    if len(problems) > SHOWN:
        lines.append(f"\n  … et {plural(len(problems) - SHOWN, 'autre')}")
    return error.detail + "".join(lines)


@click.command("export", help="Écrit toutes les données d'une organisation dans un dossier.")
@click.option("--organisation", "slug", required=True, help="Identifiant de l'organisation.")
@click.argument("directory", type=click.Path(path_type=Path))
@with_appcontext
def export_command(slug: str, directory: Path) -> None:
    """Export one organisation into DIRECTORY (absent or empty)."""
    from service.portability import export_organisation

    try:
        with state().db.session() as session:
            report = export_organisation(session, slug, directory, by=_operator())
    except ClausierError as error:  # unknown organisation, directory not empty…
        fail(_error_text(error), EXIT_REFUSED)
    rows = sum(report.counts.values())
    click.echo(
        f"Organisation « {slug} » exportée dans {report.directory} : {plural(rows, 'ligne')} dans"
        f" {plural(len(report.counts), 'table')}, {plural(report.files, 'fichier')}"
        f" ({plural(report.file_bytes, 'octet')})."
    )
    click.echo("Dictionnaire des données : datapackage.json ; empreintes : manifest.json.")


@click.command("import", help="Restitue une organisation exportée, dans une instance sans elle.")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Vérifie seulement : tout est lu, contrôlé et inséré, puis annulé ; rien n'est gardé.",
)
@with_appcontext
def import_command(directory: Path, check: bool) -> None:
    """Import the organisation exported in DIRECTORY; refused whole, or done whole. With
    --check, everything is done then rolled back: whether the import would succeed here (on
    PostgreSQL the id sequences, which no rollback moves back, stay past the identifiers it
    would restore: gaps, nothing else).

    With DATABASE_OWNER_URL (PostgreSQL), the import runs as the schema's owner: setting the
    id sequences past the restored identifiers needs a right the application's role lacks.
    """
    from service.portability import import_organisation

    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    db = Database(owner_url) if owner_url else state().db
    try:
        with db.sessions() as session, session.begin() as transaction:
            report = import_organisation(session, directory, by=_operator())
            if check:
                transaction.rollback()
    except ClausierError as error:
        fail(_error_text(error), EXIT_REFUSED)
    finally:
        if owner_url:
            db.dispose()
    rows = sum(report.counts.values())
    done = "peut être importée ici (vérification : rien n'a été gardé)" if check else "importée"
    click.echo(
        f"Organisation « {report.slug} » {done} : {plural(rows, 'ligne')},"
        f" {plural(report.files_added, 'fichier ajouté')}, {report.files_present} déjà"
        f" {agree(report.files_present, 'présent')}."
    )
    for exported, local in sorted(report.versions_moved.items()):
        click.echo(f"  – version de clause {exported} citée sous le numéro {local} ici")
    click.echo(
        "Les comptes reviennent sans mot de passe (« clausier users password » ou une"
        " invitation) ; les jetons d'API et les invitations en attente sont à recréer."
    )
