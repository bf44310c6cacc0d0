"""Pages that take an analysis away: its report as a PDF, and the DOCX annex « Clauses relatives
aux données » built from the clauses it suggests (the buyer unticks some, fills the values) or from
a selection of clauses ticked in the library (``/annexe?clause=…``); both share one form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from service.analysis import analyze
from service.analysis.models import Analysis
from service.analysis.report import VERDICT_LABELS
from service.annexes.render import (
    TITLE_FIELDS,
    InvalidValue,
    MissingValue,
    annex_context,
    render_annex,
    selection_from_analysis,
)
from service.auth import allow, signed_in
from service.errors import ClausierError, InvalidValues, status_for
from service.extensions import db_session
from service.french import agree, plural
from service.http import error_page, file_response
from service.library import store
from service.library.rules import CONTRACT_TYPES
from service.library.sets import list_template_sets
from service.web import annex_options as options
from service.web import csrf
from service.web.forms import NUMBER

bp = Blueprint("annexes", __name__)
bp.before_request(csrf.protect)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILENAME = "annexe-donnees.docx"
#: The title block of the annex: field name, label, required.
TITLE_BLOCK = (
    ("acheteur", "Acheteur ou autorité concédante", True),
    ("objet", "Objet du contrat", True),
    ("reference", "Référence de la consultation", False),
)
#: The title block's fields: clause variables of these names are not asked again.
TITLE_NAMES = frozenset(TITLE_FIELDS)
#: Prefix of the form fields holding the clauses' variables.
VAR = "v_"
#: How to type a value of each variable type, beside its field.
FORMAT_HINTS = {
    "integer": "Un nombre entier.",
    "date": "Une date : 15/01/2027 (ou 2027-01-15).",
    "email": "Une adresse électronique : nom@domaine.fr.",
    "url": "Une adresse web : https://…",
}


@bp.get(f"/analyses/<{NUMBER}:analysis_id>/annexe")
def annex_form(analysis_id: int) -> tuple[str, int]:
    """The form of the annex: every suggested clause ticked, defaults prefilled."""
    analysis = analyze.get_analysis(db_session(), analysis_id, signed_in().organisation_id)
    allow("generate_annex")
    return _page(analysis, form=None)


@bp.post(f"/analyses/<{NUMBER}:analysis_id>/annexe")
def annex_create(analysis_id: int) -> Response | tuple[str, int]:
    """The DOCX annex, or the form again with the values still missing (422)."""
    session = db_session()
    analysis = analyze.get_analysis(session, analysis_id, signed_in().organisation_id)
    allow("generate_annex")
    form = request.form
    suggested = _suggested(analysis)
    ticked = set(form.getlist("family"))
    leave_out = [item["family"] for item in suggested if item["family"] not in ticked]
    selection = selection_from_analysis(analysis.report, leave_out=leave_out)

    def page(**kwargs: Any) -> tuple[str, int]:
        return _page(analysis, form=form, **kwargs)

    return _generate(session, selection, form, page, _analysis_type(analysis))


def _analysis_type(analysis: Analysis) -> str | None:
    """The contract type the analysis found, when it is one the annex knows."""
    return analysis.contract_type if analysis.contract_type in CONTRACT_TYPES else None


@bp.get("/annexe/ensembles")
def template_sets() -> str:
    """The template sets by contract type, each leading to the annex form it prefills."""
    allow("generate_annex")
    sets = list_template_sets(db_session())
    groups = [
        (label, [s for s in sets if s.contract_type == kind])
        for kind, label in CONTRACT_TYPES.items()
    ]
    return render_template(
        "annex_sets.html",
        groups=[(label, items) for label, items in groups if items],
        organisation=request.args.get("organisation") or None,
    )


@bp.get("/annexe")
def library_annex_form() -> tuple[str, int]:
    """The form of an annex from clauses ticked in the library: all ticked, defaults prefilled."""
    allow("generate_annex")
    offered = _offered()
    if not offered:
        return _no_selection()
    return _library_page(offered, form=None)


@bp.post("/annexe")
def library_annex_create() -> Response | tuple[str, int]:
    """The DOCX annex of the clauses ticked, or the form again with what is missing (422)."""
    allow("generate_annex")
    offered = _offered()
    if not offered:
        return _no_selection()
    form = request.form
    ticked = set(form.getlist("clause"))
    selection: list[tuple[str, int | None]] = [
        (item["clause"]["id"], item["pinned"]) for item in offered if item["clause"]["id"] in ticked
    ]

    def page(**kwargs: Any) -> tuple[str, int]:
        return _library_page(offered, form=form, **kwargs)

    return _generate(db_session(), selection, form, page, _library_type())


def _library_type() -> str | None:
    """The contract type of the library annex: the set's, or the one in the address."""
    template_set = options.chosen_set(db_session())
    if template_set is not None:
        return template_set.contract_type
    kind = request.args.get("contract_type")
    return kind if kind in CONTRACT_TYPES else None


def _generate(
    session: Any,
    selection: Sequence[tuple[str, int | None]],
    form: MultiDict[str, str],
    page: Callable[..., tuple[str, int]],
    contract_type: str | None = None,
) -> Response | tuple[str, int]:
    """The DOCX of ``selection`` filled from ``form``, or ``page`` listing what is missing or
    does not fit its variable's type."""
    title_block = {name: form.get(name, "").strip() for name in TITLE_NAMES}
    values: dict[str, str] = {
        key[len(VAR) :]: value.strip() for key, value in form.items() if key.startswith(VAR)
    }
    deliveries = options.form_deliveries(form) if contract_type == "concession" else []
    try:
        if contract_type == "concession":
            options.check_deliveries(form)
        template = options.chosen_template(session, form)
        context = annex_context(
            session,
            selection,
            values,
            title_block=title_block,
            contract_type=contract_type,
            deliveries=deliveries,
        )
        missing = list(context.missing) + [
            MissingValue("", name, label)
            for name, label, required in TITLE_BLOCK
            if required and not title_block[name]
        ]
        if missing:
            return page(missing=missing, status=422)
        data = render_annex(context, template)
    except InvalidValues as error:
        return page(invalid=error.invalid, status=status_for(error))
    except ClausierError as error:
        return page(error=error.detail, status=status_for(error))
    return file_response(data, DOCX, FILENAME)


def _offered() -> list[dict[str, Any]]:
    """The clauses named in the address (``clause=…``, each once), with the version an annex
    uses: the approved one. An unknown clause is a 404."""
    session = db_session()
    template_set = options.chosen_set(session)
    if template_set is not None:
        wanted = [(item["clause"], item.get("version")) for item in template_set.clauses]
    else:
        wanted = [(c, None) for c in dict.fromkeys(request.args.getlist("clause"))]
    items: list[dict[str, Any]] = []
    for clause_id, pinned in wanted:
        if pinned is None:
            version = store.current_version(store.get_clause(session, clause_id))
        else:
            version = store.get_version(session, clause_id, pinned)
        items.append(
            {
                "clause": {"id": clause_id, "version": version.number, "title": version.title},
                "status": version.status,
                "pinned": pinned,
            }
        )
    return items


def _no_selection() -> tuple[str, int]:
    """The page shown when no clause was picked in the library."""
    return error_page(
        400,
        "Aucune clause sélectionnée",
        "Cochez au moins une clause dans la bibliothèque, puis cliquez sur "
        "« Préparer une annexe avec la sélection ».",
    )


def _suggested(analysis: Analysis) -> list[dict[str, Any]]:
    """The families found missing, weak or contradicted that come with a suggested clause."""
    return [
        {
            "family": family["family"],
            "label": family.get("label") or family["family"],
            "verdict": family["verdict"],
            "clause": family["suggested_clause"],
        }
        for family in analysis.report["families"]
        if family["verdict"] != "present" and family.get("suggested_clause")
    ]


def _variables(suggested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per variable of the suggested clauses (title block fields aside), in order,
    with the clauses that use it; required when a clause using it has no default."""
    found: dict[str, dict[str, Any]] = {}
    session = db_session()
    for item in suggested:
        clause = item["clause"]
        try:
            version = store.get_version(session, clause["id"], clause["version"])
        except ClausierError:
            continue
        for variable in version.variables:
            name = variable["name"]
            if name in TITLE_NAMES:
                continue
            default = variable.get("default")
            entry = found.setdefault(
                name,
                {
                    "name": name,
                    "field": VAR + name,
                    "label": variable.get("label") or name,
                    "type": variable.get("type") or "text",
                    "choices": variable.get("choices") or [],
                    "defaults": [],
                    "clauses": [],
                },
            )
            entry["defaults"].append(None if default is None else str(default))
            entry["clauses"].append(clause["title"])
    for entry in found.values():
        defaults = set(entry.pop("defaults"))
        # Prefilled only when every clause using it agrees; required when one has no default.
        entry["required"] = None in defaults
        entry["default"] = defaults.pop() if len(defaults) == 1 and None not in defaults else ""
        entry["hint"] = FORMAT_HINTS.get(entry["type"], "")
        if entry["default"] == "" and not entry["required"]:
            entry["hint"] += " Laissée vide, chaque clause garde sa valeur par défaut."
    return list(found.values())


def _page(
    analysis: Analysis,
    *,
    form: Any,
    missing: list[MissingValue] | None = None,
    invalid: list[InvalidValue] | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """Render the annex form of an analysis, keeping what was typed, listing what is missing."""
    suggested = _suggested(analysis)
    ticked = {item["family"] for item in suggested} if form is None else set(form.getlist("family"))
    return _form_page(
        suggested,
        ticked,
        form=form,
        missing=missing,
        invalid=invalid,
        error=error,
        status=status,
        analysis=analysis,
        action=_keep_query(url_for("annexes.annex_create", analysis_id=analysis.id)),
        contract_type=_analysis_type(analysis),
        initial_deliveries=[],
    )


def _keep_query(path: str) -> str:
    """The form's address, keeping the address' options (set, organisation, contract type)."""
    query = request.query_string.decode("utf-8", "replace")
    return f"{path}?{query}" if query else path


def _library_page(
    offered: list[dict[str, Any]],
    *,
    form: Any,
    missing: list[MissingValue] | None = None,
    invalid: list[InvalidValue] | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """Render the annex form of clauses picked in the library."""
    ids = [item["clause"]["id"] for item in offered]
    ticked = set(ids) if form is None else set(form.getlist("clause"))
    return _form_page(
        offered,
        ticked,
        form=form,
        missing=missing,
        invalid=invalid,
        error=error,
        status=status,
        analysis=None,
        action=_keep_query(url_for("annexes.library_annex_create")),
        contract_type=_library_type(),
        initial_deliveries=options.set_deliveries(options.chosen_set(db_session())),
    )


def _form_page(
    suggested: list[dict[str, Any]],
    ticked: set[str],
    *,
    form: Any,
    missing: list[MissingValue] | None,
    error: str | None,
    status: int,
    analysis: Analysis | None,
    invalid: list[InvalidValue] | None = None,
    action: str,
    contract_type: str | None = None,
    initial_deliveries: list[dict[str, str]] | None = None,
) -> tuple[str, int]:
    """Render the annex form, keeping what was typed and listing, beside each field, what is
    missing or does not fit its type."""
    variables = _variables(suggested)
    organisation, templates = options.organisation_templates(db_session())
    typed: dict[str, str] = {}
    for name, _, _ in TITLE_BLOCK:
        typed[name] = "" if form is None else form.get(name, "")
    for variable in variables:
        field = variable["field"]
        typed[field] = variable["default"] if form is None else form.get(field, "")
    errors: dict[str, list[str]] = {}
    titles = {item["clause"]["id"]: item["clause"]["title"] for item in suggested}
    fields = _missing_fields(missing or [], titles)
    for item in fields:
        where = f" ({_clauses_named(item['clauses'])})" if item["clauses"] else ""
        errors.setdefault(item["field"], []).append(
            f"Valeur obligatoire manquante : {item['label']}{where}."
        )
    wrong_values = [{"field": _field(item.name), "reason": item.reason} for item in invalid or []]
    for wrong in wrong_values:
        errors.setdefault(wrong["field"], []).append(wrong["reason"])
    html = render_template(
        "annex.html",
        analysis=analysis,
        action=action,
        suggested=suggested,
        ticked=ticked,
        variables=variables,
        title_block=TITLE_BLOCK,
        typed=typed,
        missing=fields,
        invalid=wrong_values,
        errors=errors,
        error=error,
        VERDICT_LABELS=VERDICT_LABELS,
        contract_type=contract_type,
        template_set=options.chosen_set(db_session()) if analysis is None else None,
        deliveries=options.delivery_rows(form, initial_deliveries or []),
        delivery_labels=options.DELIVERY_LABELS,
        organisation=organisation,
        templates=templates,
        chosen_template="" if form is None else form.get("template", ""),
    )
    return html, status


def _missing_fields(missing: list[MissingValue], titles: dict[str, str]) -> list[dict[str, Any]]:
    """The fields left empty, each once with the titles of the clauses that need it: a variable
    shared by several clauses is one field of the form, and one value to type."""
    fields: dict[str, dict[str, Any]] = {}
    for item in missing:
        field = fields.setdefault(
            _field(item.name), {"field": _field(item.name), "label": item.label, "clauses": []}
        )
        title = titles.get(item.clause, item.clause)
        if title and title not in field["clauses"]:
            field["clauses"].append(title)
    return list(fields.values())


def _clauses_named(clauses: list[str]) -> str:
    """« clause « x » », « clauses « x », « y » », or « 8 clauses » for more than two."""
    if len(clauses) > 2:
        return plural(len(clauses), "clause")
    named = ", ".join(f"« {clause} »" for clause in clauses)
    return f"{agree(len(clauses), 'clause')} {named}"


def _field(name: str) -> str:
    """The form field that holds a value: the title block's own, or the variable's."""
    return name if name in TITLE_NAMES else VAR + name
