"""The DOCX annex "Clauses relatives aux données": its context from the library, its rendering."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from lxml import etree
from sqlalchemy.orm import Session

from service.annexes import wording
from service.annexes.template_check import check_template, open_template, sandboxed_environment
from service.budget import run
from service.errors import (
    DraftRefused,
    InvalidInput,
    InvalidValues,
    MissingValues,
    TemplateRejected,
    TemplateTooHeavy,
)
from service.french import PARIS, french_date, plural
from service.library.models import ClauseVersion, Status
from service.library.rules import CONTRACT_TYPES, PLACEHOLDER
from service.library.sets import deliveries_from_set, get_template_set, selection_from_set
from service.library.store import current_version, get_clause, get_version
from service.library.variables import annex_text, value_problem
from service.limits import RENDER_BUDGET, Budget
from service.settings import PROJECT_ROOT

DEFAULT_TEMPLATE = PROJECT_ROOT / "templates" / "docx" / "annexe_donnees.docx"
DRAFT_MARK = "PROJET — version non approuvée"
#: Every variable an annex template may use; the default template uses them all.
TEMPLATE_VARIABLES = frozenset(
    {
        "acheteur",
        "objet",
        "reference",
        "date",
        "draft",
        "draft_mark",
        "clauses",
        "concession",
        "deliveries",
        "traceability",
        "contract_type",
    }
)
DELIVERY_FIELDS = ("dataset", "format", "frequency", "delay")
#: The title block's questions. A clause variable of the same name (« acheteur ») means the same
#: thing: it takes the title block's value and is never asked again as a variable.
TITLE_FIELDS = ("acheteur", "objet", "reference")
NUMBERED = re.compile(r"^(\d+[.)]|[-*•]) ")


@dataclass(frozen=True)
class InvalidValue:
    """A value (or a default) that does not fit its variable's type, with the French reason."""

    clause: str
    name: str
    label: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """The invalid value as shown to the user."""
        return {
            "clause": self.clause,
            "name": self.name,
            "label": self.label,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MissingValue:
    """A required variable of a clause with no value and no default, with the type (and the
    choices) its value must have."""

    clause: str
    name: str
    label: str
    type: str = "text"
    choices: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The missing value as shown to the user."""
        return {
            "clause": self.clause,
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class AnnexClause:
    """One article of the annex: a clause version with its variables filled."""

    id: str
    version: int
    status: str
    title: str
    text: str
    paragraphs: list[str]
    legal_basis: list[str]
    approved: str
    #: The library version's ``content_hash``: the same text in the library and in the annex.
    version_content_hash: str
    #: SHA-256 of the article's text as filled with the contract's values.
    filled_text_hash: str

    @property
    def heading(self) -> str:
        """The article's heading: the clause's subject, not the library's name for its variant
        (« — clause renforcée », « — concession »)."""
        return wording.subject(self.title)

    def as_context(self) -> dict[str, Any]:
        """The article as the template sees it (plain data only)."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.heading,
            "paragraphs": list(self.paragraphs),
            "legal_basis": list(self.legal_basis),
            "status": self.status,
        }

    def trace(self) -> dict[str, str]:
        """The article's row in the traceability table."""
        return {
            "clause": self.id,
            "version": str(self.version),
            "approved": self.approved,
            "version_content_hash": self.version_content_hash,
            "filled_text_hash": self.filled_text_hash,
            # The single hash of templates written before both were shown: the filled text's.
            "hash": self.filled_text_hash,
        }


@dataclass(frozen=True)
class AnnexContext:
    """Everything an annex needs: the clauses from the library, the title block, the values
    still missing."""

    clauses: list[AnnexClause]
    missing: list[MissingValue]
    draft: bool
    contract_type: str | None = None
    deliveries: list[dict[str, str]] = field(default_factory=list)
    title_block: dict[str, str] = field(default_factory=dict)

    def template_context(self) -> dict[str, Any]:
        """Return the variables handed to the template, every one of ``TEMPLATE_VARIABLES``."""
        concession = self.contract_type == "concession"
        title_block = self.title_block
        return {
            "acheteur": _text(title_block.get("acheteur")),
            "objet": _text(title_block.get("objet")),
            "reference": _text(title_block.get("reference")) or "non communiquée",
            "date": _text(title_block.get("date")) or french_date(dt.datetime.now(PARIS)),
            "draft": self.draft,
            "draft_mark": DRAFT_MARK,
            "clauses": [clause.as_context() for clause in self.clauses],
            "concession": concession,
            "deliveries": [dict(row) for row in self.deliveries] if concession else [],
            "traceability": [clause.trace() for clause in self.clauses],
            "contract_type": CONTRACT_TYPES.get(self.contract_type or "", ""),
        }


def annex_context(
    session: Session,
    selection: Sequence[tuple[str, int | None]],
    values: Mapping[str, Any],
    *,
    title_block: Mapping[str, Any] | None = None,
    allow_drafts: bool = False,
    contract_type: str | None = None,
    deliveries: Iterable[Mapping[str, Any]] = (),
) -> AnnexContext:
    """Resolve the selected clauses, fill their variables (those named like a title block field
    from the title block) and collect the missing values; raise ``InvalidValues`` naming each
    value that does not fit its variable's type."""
    if not selection:
        raise InvalidInput("Aucune clause n'est sélectionnée pour l'annexe.")
    if contract_type is not None and contract_type not in CONTRACT_TYPES:
        raise InvalidInput(f"Type de contrat inconnu « {contract_type} ».")
    title = {name: _text(value) for name, value in (title_block or {}).items()}
    filled = _values_with_title(values, title)
    seen: set[str] = set()
    clauses: list[AnnexClause] = []
    missing: list[MissingValue] = []
    invalid: dict[tuple[str, str], InvalidValue] = {}
    for clause_id, number in selection:
        if clause_id in seen:
            raise InvalidInput(f"La clause « {clause_id} » est sélectionnée deux fois.")
        seen.add(clause_id)
        version = _resolve(session, clause_id, number, allow_drafts)
        text, absent, wrong = fill_body(version, filled, contract_type)
        missing.extend(absent)
        for item in wrong:
            invalid.setdefault((item.name, item.reason), item)
        clauses.append(
            AnnexClause(
                id=clause_id,
                version=version.number,
                status=version.status,
                title=version.title,
                text=text,
                paragraphs=paragraphs(text),
                legal_basis=[str(basis) for basis in version.legal_basis],
                approved=(
                    french_date(version.approved_at)
                    if version.approved_at
                    else "non approuvée (projet)"
                ),
                version_content_hash=version.content_hash,
                filled_text_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            )
        )
    if invalid:
        raise InvalidValues(list(invalid.values()))
    rows = [_delivery(row) for row in deliveries]
    draft = any(clause.status != Status.APPROVED for clause in clauses)
    return AnnexContext(clauses, missing, draft, contract_type, rows, title)


def _values_with_title(values: Mapping[str, Any], title: Mapping[str, str]) -> dict[str, Any]:
    """The variables' values, those named like a title block field taken from the title block;
    such a value given as a variable is refused: it is asked once, in the title block."""
    doubled = [name for name in TITLE_FIELDS if name in values]
    if doubled:
        raise InvalidInput(
            " ".join(
                f"La valeur « {name} » se donne une seule fois, dans le cartouche de l'annexe, "
                "et non comme valeur de variable."
                for name in doubled
            ),
            errors=[
                {"field": f"values.{name}", "message": "valeur du cartouche"} for name in doubled
            ],
        )
    return dict(values) | {name: title[name] for name in TITLE_FIELDS if title.get(name)}


def annex_context_from_set(
    session: Session,
    set_id: str,
    values: Mapping[str, Any],
    *,
    title_block: Mapping[str, Any] | None = None,
    allow_drafts: bool = False,
    deliveries: Iterable[Mapping[str, Any]] | None = None,
) -> AnnexContext:
    """The annex context of a template set: its clauses, its contract type and its deliveries
    table (or the rows given instead)."""
    template_set = get_template_set(session, set_id)
    return annex_context(
        session,
        selection_from_set(template_set),
        values,
        title_block=title_block,
        allow_drafts=allow_drafts,
        contract_type=template_set.contract_type,
        deliveries=deliveries_from_set(template_set) if deliveries is None else deliveries,
    )


def missing_values(
    session: Session,
    selection: Sequence[tuple[str, int | None]],
    values: Mapping[str, Any],
    *,
    title_block: Mapping[str, Any] | None = None,
    allow_drafts: bool = False,
) -> list[MissingValue]:
    """Return the required values the selection still needs, to ask before generating."""
    context = annex_context(
        session, selection, values, title_block=title_block, allow_drafts=allow_drafts
    )
    return context.missing


#: SHA-256 of the templates that passed ``check_template`` (bounded: uploads vary).
_ACCEPTED: set[str] = set()
MAX_ACCEPTED = 256


def render_annex(
    context: AnnexContext, template_bytes: bytes | None = None, *, budget: Budget | None = None
) -> bytes:
    """Render the annex with the default template or an uploaded one, checked first; the
    filling runs within ``budget`` (``RENDER_BUDGET``), ``TemplateTooHeavy`` beyond it."""
    if context.missing:
        raise MissingValues(
            plural(len({m.name for m in context.missing}), "valeur obligatoire manquante")
            + " : "
            + ", ".join(f"{m.label} ({m.clause})" for m in context.missing)
            + ".",
            errors=[
                {
                    "field": f"values.{m.name}",
                    "message": f"valeur obligatoire : {m.label} (clause {m.clause})",
                    "code": "missing",
                }
                for m in context.missing
            ],
            missing=[m.as_dict() for m in context.missing],
        )
    absent = [name for name in ("acheteur", "objet") if not context.title_block.get(name)]
    if absent:
        raise MissingValues(
            "Le cartouche de l'annexe est incomplet : " + ", ".join(absent) + ".",
            errors=[
                {
                    "field": f"title.{name}",
                    "message": f"valeur obligatoire : {name}",
                    "code": "missing",
                }
                for name in absent
            ],
        )
    data = DEFAULT_TEMPLATE.read_bytes() if template_bytes is None else template_bytes
    digest = hashlib.sha256(data).hexdigest()
    checked = digest in _ACCEPTED  # the variables allowed never change: a template passes once
    out = run(
        budget or RENDER_BUDGET,
        TemplateTooHeavy,
        fill_template,
        data,
        context.template_context(),
        check=not checked,
    )
    if not checked and len(_ACCEPTED) < MAX_ACCEPTED:
        _ACCEPTED.add(digest)
    return out


def fill_template(data: bytes, variables: Mapping[str, Any], *, check: bool = True) -> bytes:
    """Fill a DOCX template with the variables in the sandbox (checked first unless told it
    passed already); a pure function of its arguments, which ``render_annex`` runs within a
    budget."""
    if check:
        check_template(data, TEMPLATE_VARIABLES)
    template = open_template(data)
    try:
        template.render(dict(variables), sandboxed_environment(), autoescape=True)
        out = io.BytesIO()
        template.save(out)
    except SecurityError as error:
        raise TemplateRejected(f"Modèle refusé : opération interdite ({error}).") from error
    except TemplateError as error:
        raise TemplateRejected(f"Modèle refusé : {error}.") from error
    except UNFILLABLE as error:  # a Word structure docxtpl cannot fill (a table without grid…)
        reason = (
            "sa structure Word ne peut pas être remplie"
            f" ({type(error).__name__}) : enregistrez-le de nouveau depuis Word ou LibreOffice"
        )
        raise TemplateRejected(
            f"Modèle refusé : {reason}.", errors=[{"field": "file", "message": reason}]
        ) from error
    return out.getvalue()


#: What docxtpl raises on a Word structure it cannot fill.
UNFILLABLE = (AttributeError, IndexError, KeyError, TypeError, ValueError, etree.LxmlError)


def trial_render(data: bytes) -> None:
    """Fill a template with sample values, as an annex would: a template that cannot be filled
    is refused when it is uploaded, not when an annex is asked for."""
    sample = AnnexClause(
        id="exemple",
        version=1,
        status=Status.APPROVED,
        title="Article d'exemple",
        text="Texte de l'article.",
        paragraphs=["Texte de l'article.", "Second alinéa."],
        legal_basis=["Code de la commande publique"],
        approved=french_date(dt.datetime.now(PARIS)),
        version_content_hash="0" * 64,
        filled_text_hash="0" * 64,
    )
    rows = [{name: "exemple" for name in DELIVERY_FIELDS}]
    context = AnnexContext(
        clauses=[sample, sample],
        missing=[],
        draft=True,
        contract_type="concession",
        deliveries=rows,
        title_block={"acheteur": "Acheteur", "objet": "Objet", "reference": "REF"},
    )
    render_annex(context, data)


def fill_body(
    version: ClauseVersion, values: Mapping[str, Any], contract_type: str | None = None
) -> tuple[str, list[MissingValue], list[InvalidValue]]:
    """Fill a version's placeholders with the values or defaults, each checked against its
    variable's type and written as an annex writes it (a date in French); list the variables
    with neither, and the values that do not fit. The text speaks the defined terms of
    ``contract_type`` and gives the buyer's name its article (:mod:`.wording`)."""
    declared = {var["name"]: var for var in version.variables}
    missing: dict[str, MissingValue] = {}
    invalid: dict[str, InvalidValue] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        variable = declared.get(name) or {"name": name, "type": "text"}
        label = variable.get("label") or name
        value: Any = values.get(name)
        given = _text(value) != ""
        if not given:
            value = variable.get("default")
        if _text(value) == "":
            missing.setdefault(
                name,
                MissingValue(
                    version.clause_id,
                    name,
                    label,
                    str(variable.get("type") or "text"),
                    tuple(str(choice) for choice in variable.get("choices") or ()),
                ),
            )
            return match.group(0)
        problem = value_problem(variable, value, default=not given)
        if problem:
            shown = _text(value)
            invalid.setdefault(name, InvalidValue(version.clause_id, name, label, shown, problem))
            return match.group(0)
        written = annex_text(variable, value)
        if not given or variable.get("type") == "choice":
            # The library's words (a default, a choice), not the user's: its terms too.
            written = wording.defined_terms(written, contract_type)
        return written

    body = wording.defined_terms(version.body, contract_type)
    buyer = _text(values.get("acheteur"))
    buyer_variable = declared.get("acheteur") or {"name": "acheteur", "type": "text"}
    if buyer and not value_problem(buyer_variable, buyer, default=False):
        body = wording.place_buyer(body, buyer)
    text = PLACEHOLDER.sub(replace, body)
    return text, list(missing.values()), list(invalid.values())


def paragraphs(body: str) -> list[str]:
    """Turn a clause body's Markdown into plain paragraphs (list items kept apart)."""
    result: list[str] = []
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n")):
        current: list[str] = []
        for line in block.split("\n"):
            line = line.strip()
            if not line:
                continue
            if NUMBERED.match(line) and current:
                result.append(" ".join(current))
                current = []
            current.append(line)
        if current:
            result.append(" ".join(current))
    return [re.sub(r"^[-*] ", "– ", p.replace("**", "")) for p in result]


def _resolve(
    session: Session, clause_id: str, number: int | None, allow_drafts: bool
) -> ClauseVersion:
    """Return the version to use, refusing drafts unless asked and retired versions always."""
    if number is None:
        version = current_version(get_clause(session, clause_id))
    else:
        version = get_version(session, clause_id, number)
    if version.status == Status.RETIRED:
        raise DraftRefused(
            f"La version {version.number} de la clause « {clause_id} » est retirée ;"
            " elle ne peut pas figurer dans une annexe."
        )
    if version.status == Status.DRAFT and not allow_drafts:
        raise DraftRefused(
            f"La version {version.number} de la clause « {clause_id} » n'est pas approuvée ;"
            " demandez explicitement un projet pour l'utiliser."
        )
    return version


def _delivery(row: Mapping[str, Any]) -> dict[str, str]:
    """Return a delivery row with its four fields as plain text."""
    return {name: _text(row.get(name)) for name in DELIVERY_FIELDS}


def _text(value: Any) -> str:
    """Return a value as stripped text ("" for None)."""
    return "" if value is None else str(value).strip()


def selection_from_analysis(
    report: Mapping[str, Any], *, leave_out: Iterable[str] = ()
) -> list[tuple[str, int]]:
    """The clauses an analysis suggests adding: one per family found missing, weak or
    contradicted (its suggested clause and version), less the families left out."""
    skipped = set(leave_out)
    return [
        (family["suggested_clause"]["id"], family["suggested_clause"]["version"])
        for family in report["families"]
        if family["verdict"] != "present"
        and family["suggested_clause"]
        and family["family"] not in skipped
    ]
