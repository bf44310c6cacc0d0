"""PDFs for an approval file: one version of a clause, and the differences between two versions.

Drawn from ``templates/report/clause.html`` and ``diff.html`` with the documents' environment,
then rendered by weasyprint through the restricted fetcher of ``documents.pdf``, the app
stylesheet and print.css being the only files it may load."""

from __future__ import annotations

from service.annexes.render import DRAFT_MARK
from service.documents import display
from service.documents.environment import environment, stylesheets
from service.documents.pdf import html_to_pdf
from service.library import diff, store
from service.library.models import Clause, ClauseVersion


def render_version_document(version: ClauseVersion) -> str:
    """The HTML the PDF of a clause version is drawn from."""
    clause = version.clause
    return (
        environment()
        .get_template("clause.html")
        .render(
            clause=clause,
            version=version,
            family=clause.family,
            current=store.current_version(clause),
            body_html=display.clause_html(version.body, version.variables),
            draft_mark=DRAFT_MARK,
        )
    )


def render_version_pdf(version: ClauseVersion) -> bytes:
    """The PDF of a clause version."""
    return html_to_pdf(render_version_document(version), assets=stylesheets())


def render_diff_document(clause: Clause, old: ClauseVersion, new: ClauseVersion) -> str:
    """The HTML the PDF of a diff is drawn from."""
    result = diff.diff_versions(old, new)
    return (
        environment()
        .get_template("diff.html")
        .render(
            clause=clause,
            family=clause.family,
            old=old,
            new=new,
            result=result,
            stats=result.stats(),
            body_html=display.diff_layout(
                display.diff_html(result.body), [*old.variables, *new.variables]
            ),
            element_labels={element.key: element.label for element in clause.family.elements},
            draft_mark=DRAFT_MARK,
        )
    )


def render_diff_pdf(clause: Clause, old: ClauseVersion, new: ClauseVersion) -> bytes:
    """The PDF of the differences between two versions."""
    return html_to_pdf(render_diff_document(clause, old, new), assets=stylesheets())
