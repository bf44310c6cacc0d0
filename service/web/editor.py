"""The clause editor: create a clause, draft a new version, edit a draft, preview the text."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.auth import allow
from service.documents import display
from service.errors import ClauseExists, Conflict, InvalidInput, NotFound, status_for
from service.extensions import db_session, transaction
from service.http import int_arg
from service.library import store
from service.library.models import Family, Status
from service.web import csrf
from service.web.forms import NUMBER, EditorForm

bp = Blueprint("editor", __name__)
bp.before_request(csrf.protect)

Page = tuple[str, int] | Response


@bp.route("/clauses/new", methods=["GET", "POST"])
def new_clause() -> Page:
    """Create a clause and its first version (a draft), written by the signed-in user."""
    author = allow("draft_version").actor
    families = store.list_families(db_session(), rules=False)
    if request.method == "GET":
        chosen = request.args.get("family") or (families[0].id if families else "")
        return _editor("new_clause", EditorForm(family=chosen, author=author), families)
    form = EditorForm.from_request(request.form)
    form.author = author
    if request.form.get("action") == "preview":
        return _editor("new_clause", form, families)
    content = form.content()
    if form.errors:
        return _editor("new_clause", form, families, status=422)
    try:
        with transaction() as session:
            version = store.create_clause(
                session,
                form.clause_id,
                form.family,
                content,
                author=form.author,
                change_note=form.change_note or "Première version.",
            )
    except (InvalidInput, Conflict, NotFound) as error:
        form.add_domain_error(error, "id" if isinstance(error, ClauseExists) else "family")
        return _editor("new_clause", form, families, status=status_for(error))
    flash(f"Clause « {version.clause_id} » créée : version 1 (projet).", "success")
    return redirect(url_for("library.version", clause_id=version.clause_id, number=1))


@bp.route("/clauses/<clause_id>/versions/new", methods=["GET", "POST"])
def new_version(clause_id: str) -> Page:
    """Draft a new version from the latest one (or from version ``base``), written by the
    signed-in user."""
    author = allow("draft_version").actor
    session = db_session()
    clause = store.get_clause(session, clause_id)
    base_number = int_arg("base") or clause.versions[-1].number
    base = store.get_version(session, clause_id, base_number)
    context = {"clause": clause, "base": base}
    if request.method == "GET":
        form = EditorForm.from_version(base)
        form.author = author
        return _editor("new_version", form, [clause.family], **context)
    form = EditorForm.from_request(request.form, clause.family_id)
    form.author = author
    if request.form.get("action") == "preview":
        return _editor("new_version", form, [clause.family], **context)
    content = form.content()
    if not form.change_note:
        form.add("change_note", "décrivez ce qui change dans cette version")
    if form.errors:
        return _editor("new_version", form, [clause.family], status=422, **context)
    try:
        with transaction() as session:
            version = store.create_draft(
                session,
                clause_id,
                author=form.author,
                change_note=form.change_note,
                changes=content,
                base=base.number,
            )
    except InvalidInput as error:
        form.add_domain_error(error)
        return _editor("new_version", form, [clause.family], status=422, **context)
    flash(f"Version {version.number} créée (projet).", "success")
    return redirect(url_for("library.version", clause_id=clause_id, number=version.number))


@bp.route(f"/clauses/<clause_id>/versions/<{NUMBER}:number>/edit", methods=["GET", "POST"])
def edit_version(clause_id: str, number: int) -> Page:
    """Edit a draft in place; an approved or retired version is refused with the reason."""
    allow("draft_version")
    version = store.get_version(db_session(), clause_id, number)
    family = version.clause.family
    context = {"clause": version.clause, "base": version}
    if version.status != Status.DRAFT:
        return _refused(version.clause_id, version.number, version.status)
    if request.method == "GET":
        form = EditorForm.from_version(version, change_note=version.change_note)
        return _editor("edit", form, [family], **context)
    form = EditorForm.from_request(request.form, family.id)
    if request.form.get("action") == "preview":
        return _editor("edit", form, [family], **context)
    content = form.content()
    if form.errors:
        return _editor("edit", form, [family], status=422, **context)
    try:
        with transaction() as session:
            store.edit_draft(session, clause_id, number, content, change_note=form.change_note)
    except Conflict as error:
        return _refused(clause_id, number, None, error.detail)
    except InvalidInput as error:
        form.add_domain_error(error)
        return _editor("edit", form, [family], status=422, **context)
    flash(f"Version {number} enregistrée.", "success")
    return redirect(url_for("library.version", clause_id=clause_id, number=number))


@bp.post("/clauses/preview")
def preview() -> str:
    """The editor's preview: the body with its variables filled, as an HTML fragment."""
    allow("draft_version")
    form = EditorForm.from_request(request.form)
    preview = display.preview_html(form.body, *form.preview_inputs())
    return render_template("_preview.html", preview=preview)


def _editor(
    mode: str, form: EditorForm, families: list[Family], *, status: int = 200, **context: Any
) -> tuple[str, int]:
    """Render the editor page with the form as typed and the preview of its text."""
    preview = display.preview_html(form.body, *form.preview_inputs())
    page = render_template(
        "editor.html", mode=mode, form=form, families=families, preview=preview, **context
    )
    return page, status


def _refused(clause_id: str, number: int, status: str | None, detail: str = "") -> tuple[str, int]:
    """Explain why a version cannot be edited and offer a new version instead (409)."""
    page = render_template(
        "edit_refused.html", clause_id=clause_id, number=number, status=status, detail=detail
    )
    return page, 409
